"""No runaway calls: silence and the maximum duration end a call, and an ended conversation ends the Twilio call."""

from urllib.parse import parse_qs

import pytest
from channels.db import database_sync_to_async
from django_tenants.utils import schema_context

from agents.models import Agent
from calls.models import Call
from calls.simulator import Pause, WaitForAgent
from calls.tests.factories import API_PREFIX, TwilioAccountFactory, call_resource, twilio_api
from calls.tests.media_helpers import heard, live_call, run_call, stored_call

pytestmark = [pytest.mark.usefixtures("committed_db"), pytest.mark.slow]
__all__ = ["twilio_api"]

SILENT_CALLER = [WaitForAgent(), Pause(700), WaitForAgent(), Pause(700), WaitForAgent(), Pause(700), WaitForAgent()]


@pytest.fixture
def short_silences(settings):
    settings.CALL_SILENCE_TIMEOUT_MS = 600


@database_sync_to_async
def connect_twilio(slug="acme"):
    with schema_context(f"t_{slug}"):
        TwilioAccountFactory()


def twilio_hangs_up(twilio_api, call):
    twilio_api.add(
        "POST",
        f"{API_PREFIX}/Calls/{call['sid']}.json",
        json=call_resource(call["sid"], to="+15550002222", from_="+15550001111", status="completed"),
    )


async def test_a_silent_caller_is_prompted_twice_then_the_agent_hangs_up(short_silences, twilio_api):
    call = await live_call()
    twilio_hangs_up(twilio_api, call)
    result, _ = await run_call(call, SILENT_CALLER, linger_ms=5000)
    assert result.closed and len(result.answers) == 4
    assert heard(result.answers[-1], "i haven't heard anything so i'll end the call now", "goodbye") == [
        "i haven't heard anything so i'll end the call now",
        "goodbye",
    ]
    stored, turns = await stored_call("acme", call["id"])
    assert (stored.status, stored.end_reason) == (Call.Status.COMPLETED, "silence")
    assert [turn.text.split(".")[0] for turn in turns[1:3]] == ["Sorry, I didn't catch that"] * 2


async def test_an_ended_conversation_hangs_up_the_twilio_call(short_silences, twilio_api):
    call = await live_call()
    await connect_twilio()
    twilio_api.add(
        "POST",
        f"{API_PREFIX}/Calls/{call['sid']}.json",
        json=call_resource(call["sid"], to="+15550002222", from_="+15550001111", status="completed"),
    )
    await run_call(call, SILENT_CALLER, linger_ms=5000)
    [hang_up] = twilio_api.requests_to("POST", f"{API_PREFIX}/Calls/{call['sid']}.json")
    assert parse_qs(hang_up.body.decode()) == {"Status": ["completed"]}
    stored, _ = await stored_call("acme", call["id"])
    assert stored.end_reason == "silence"


async def test_a_failed_hang_up_is_noted_on_the_finished_call(short_silences, twilio_api):
    call = await live_call()
    await connect_twilio()
    twilio_api.add(
        "POST",
        f"{API_PREFIX}/Calls/{call['sid']}.json",
        status=500,
        json={"code": 20500, "message": "Internal Server Error", "status": 500},
    )
    result, _ = await run_call(call, SILENT_CALLER, linger_ms=5000)
    stored, _ = await stored_call("acme", call["id"])
    assert result.closed and stored.status == Call.Status.COMPLETED
    assert stored.end_reason == "silence; twilio_update_failed"


@database_sync_to_async
def limit_agent(agent_id, seconds):
    with schema_context("t_acme"):
        Agent.objects.filter(pk=agent_id).update(max_call_seconds=seconds)


async def test_a_call_at_its_agents_maximum_duration_says_goodbye_over_the_agent_and_ends(twilio_api):
    call = await live_call()
    twilio_hangs_up(twilio_api, call)
    await limit_agent(call["agent_id"], 2)
    result, _ = await run_call(call, [WaitForAgent(), WaitForAgent()], linger_ms=5000)
    assert result.closed and result.clears == 1
    greeting, goodbye = result.answers
    assert greeting.cleared and heard(goodbye, "thank you for calling", "goodbye") == [
        "thank you for calling",
        "goodbye",
    ]
    stored, turns = await stored_call("acme", call["id"])
    assert (stored.status, stored.end_reason) == (Call.Status.COMPLETED, "max_duration")
    assert turns[0].interrupted and turns[0].heard_text


async def test_without_an_agent_limit_the_platform_maximum_applies(settings, twilio_api):
    settings.CALL_MAX_DURATION_SECONDS = 2
    call = await live_call()
    twilio_hangs_up(twilio_api, call)
    result, _ = await run_call(call, [WaitForAgent(), WaitForAgent()], linger_ms=5000)
    stored, _ = await stored_call("acme", call["id"])
    assert result.closed and stored.end_reason == "max_duration"
