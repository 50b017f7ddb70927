"""/ws/twilio/media/: a call's audio through the pipeline, with the offline providers, in the right tenant only."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django_tenants.utils import schema_context

from calls import services
from calls.models import Call, CallTurn
from calls.simulator import HangUp, Press, Say, WaitForAgent
from calls.tests.media_helpers import caller_says, heard, live_call, run_call, stored_call
from config import events
from tenants.channels import CLOSE_FORBIDDEN
from tenants.models import Tenant

pytestmark = [pytest.mark.usefixtures("committed_db"), pytest.mark.slow]

QUESTION = "are you calling to book an appointment to ask a question or to speak to someone at the front desk"
ASK_NAME = ["sure", "may i have the patient's full name"]
SENTENCES = ("thank you for calling acme dental", QUESTION, *ASK_NAME)


async def test_the_caller_hears_the_greeting_and_the_agent_answers_what_was_said():
    call = await live_call()
    result, _ = await run_call(
        call, [WaitForAgent(), Say(caller_says("book an appointment")), WaitForAgent(), HangUp()]
    )
    greeting, answer = result.answers
    sentences = heard(greeting, *SENTENCES)
    assert (sentences[0], sentences[-1]) == ("thank you for calling acme dental", QUESTION)
    assert heard(answer, *SENTENCES) == ASK_NAME
    stored, turns = await stored_call("acme", call["id"])
    assert [(turn.speaker, turn.node_id) for turn in turns] == [
        (CallTurn.Speaker.AGENT, "reason"),
        (CallTurn.Speaker.CALLER, ""),
        (CallTurn.Speaker.AGENT, "patient_name"),
    ]
    assert turns[1].text == "book an appointment"
    assert (stored.status, stored.end_reason) == (Call.Status.COMPLETED, "caller_hangup")


@database_sync_to_async
def store_a_turn(call: dict, text: str) -> None:
    with schema_context(Tenant.schema_name_for(call["tenant"])):
        services.record_turn(Call.objects.get(pk=call["id"]), speaker=CallTurn.Speaker.AGENT, text=text)


async def test_a_new_conversations_greeting_follows_turns_stored_before_the_stream():
    call = await live_call()
    await store_a_turn(call, "A note before the stream.")
    await run_call(call, [WaitForAgent(), HangUp()])
    _, turns = await stored_call("acme", call["id"])
    assert [turn.index for turn in turns] == [0, 1]
    assert turns[0].text == "A note before the stream." and turns[1].node_id == "reason"


async def test_every_agent_turn_stores_its_timings():
    call = await live_call()
    await run_call(call, [WaitForAgent(), Say(caller_says("book an appointment")), WaitForAgent(), HangUp()])
    _, turns = await stored_call("acme", call["id"])
    greeting, answer = turns[0], turns[2]
    assert greeting.total_ms is not None and greeting.stt_ms is None
    assert answer.stt_ms > 0 and answer.engine_ms >= 0 and answer.llm_ms == 0 and answer.tts_ms >= 0
    assert answer.vad_ms >= 0 and 0 <= answer.tts_first_ms <= answer.tts_ms
    # Recognition may start in the pause before the end of turn is certain, so the two overlap.
    assert answer.total_ms >= max(answer.vad_ms, answer.stt_ms)


async def test_a_call_ending_on_the_line_reaches_the_tenants_event_stream():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(events.group_name(Tenant.schema_name_for("acme")), channel)
    call = await live_call()
    await run_call(call, [WaitForAgent(), HangUp()])
    received = []
    while not received or received[-1]["type"] != "call.finished":
        received.append((await asyncio.wait_for(layer.receive(channel), 5))["event"])
    assert received[-1]["data"]["call_id"] == call["id"]
    assert received[-1]["data"]["end_reason"] == "caller_hangup"


async def test_keypad_digits_reach_the_engine():
    call = await live_call()
    result, _ = await run_call(call, [WaitForAgent(), Press("1#"), WaitForAgent(), HangUp()])
    _, turns = await stored_call("acme", call["id"])
    assert turns[1].text == "(keypad 1#)" and turns[2].node_id == "patient_name"
    assert heard(result.answers[1], *SENTENCES) == ASK_NAME


async def test_a_stream_naming_a_call_of_another_tenant_is_refused():
    alices_call = await live_call("acme")
    result, code = await run_call(alices_call, [WaitForAgent()], tenant="globex")
    assert code == CLOSE_FORBIDDEN and result.answers == []
    stored, turns = await stored_call("acme", alices_call["id"])
    assert stored.status == Call.Status.RINGING and turns == []


async def test_a_stream_whose_call_sid_is_not_the_calls_is_refused():
    call = await live_call()
    _, code = await run_call(call, [WaitForAgent()], call_sid="CA" + "f" * 32)
    assert code == CLOSE_FORBIDDEN


async def test_a_stream_naming_an_unknown_tenant_is_refused():
    call = await live_call()
    _, code = await run_call(call, [WaitForAgent()], tenant="nobody")
    assert code == CLOSE_FORBIDDEN


async def test_a_finished_call_cannot_be_streamed_again():
    call = await live_call(status=Call.Status.COMPLETED)
    _, code = await run_call(call, [WaitForAgent()])
    assert code == CLOSE_FORBIDDEN


async def test_a_call_with_no_agent_cannot_be_streamed():
    call = await live_call(agent=None)
    _, code = await run_call(call, [WaitForAgent()])
    assert code == CLOSE_FORBIDDEN


async def test_a_call_id_unknown_to_the_tenant_is_refused():
    call = await live_call()
    _, code = await run_call({**call, "id": call["id"] + 1_000_000}, [WaitForAgent()])
    assert code == CLOSE_FORBIDDEN
