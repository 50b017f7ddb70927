"""A whole inbound call with the offline providers: Twilio's signed voice webhook answers with TwiML, Twilio
streams the caller's synthesized speech, the agent's audio is recognised back to the template's words, the
template reaches its goal (the front desk), and the call ends for real with its transcript and timings."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django_tenants.utils import schema_context

from agents import services as agent_services
from agents.models import Agent
from calls.models import Call, CallTurn
from calls.services.postcall import analyse_call
from calls.simulator import Say, WaitForAgent, channels_transport, simulate
from calls.tests.factories import (
    API_PREFIX,
    AUTH_TOKEN,
    PhoneNumberFactory,
    TwilioAccountFactory,
    call_resource,
    call_sid,
    post_webhook,
    twilio_api,
    voice_params,
    webhook_path,
)
from calls.tests.media_helpers import caller_says, heard, stored_call
from config.asgi import application
from tenants.models import Tenant

pytestmark = [pytest.mark.usefixtures("committed_db"), pytest.mark.slow]
__all__ = ["twilio_api"]

NUMBER = "+14155550100"
FRONT_DESK = "+14155550199"


@database_sync_to_async
def acme_line():
    """Acme's Twilio account and number, answered by the demo receptionist, whose front desk has a number."""
    acme = Tenant.objects.get(slug="acme")
    with schema_context(acme.schema_name):
        TwilioAccountFactory()
        agent = agent_services.seed_demo_agent(acme)
        Agent.objects.filter(pk=agent.pk).update(transfer_number=FRONT_DESK)
        PhoneNumberFactory(number=NUMBER, agent=agent)
    return acme


@database_sync_to_async
def ring(tenant, sid):
    response = post_webhook(Client(), webhook_path(tenant, "voice"), voice_params(sid, to=NUMBER))
    assert response.status_code == 200
    body = response.content.decode()
    url = re.search(r'<Stream url="([^"]+)"', body).group(1)
    return url, dict(re.findall(r'<Parameter name="(\w+)" value="([^"]*)" />', body))


async def test_an_inbound_call_from_webhook_to_hang_up(twilio_api):
    acme = await acme_line()
    sid = call_sid()
    twilio_api.add(
        "POST",
        f"{API_PREFIX}/Calls/{sid}.json",
        json=call_resource(sid, to=NUMBER, from_="+14155550123", status="in-progress"),
    )
    url, parameters = await ring(acme, sid)

    stream = urlsplit(url)
    async with channels_transport(
        application, host=stream.hostname, path=stream.path, auth_token=AUTH_TOKEN
    ) as transport:
        result = await simulate(
            transport,
            [WaitForAgent(), Say(caller_says("speak to someone")), WaitForAgent()],
            call_id=parameters["call_id"],
            tenant=parameters["tenant"],
            call_sid=sid,
            greeting=parameters["greeting"],
            linger_ms=5000,
        )

    greeting, transfer = result.answers
    assert (
        heard(greeting, "thank you for calling acme dental", "let me put you through to the front desk")[0]
        == "thank you for calling acme dental"
    )
    assert heard(transfer, "let me put you through to the front desk", "thank you for calling acme dental") == [
        "let me put you through to the front desk"
    ]
    assert result.closed and result.first_frame_ms < 500

    [redirect] = twilio_api.requests_to("POST", f"{API_PREFIX}/Calls/{sid}.json")
    assert parse_qs(redirect.body.decode())["Twiml"] == [
        f'<?xml version="1.0" encoding="UTF-8"?><Response><Dial>{FRONT_DESK}</Dial></Response>'
    ]
    call, turns = await stored_call("acme", int(parameters["call_id"]))
    assert (call.status, call.end_reason, call.twilio_call_sid) == (Call.Status.COMPLETED, "transfer", sid)
    assert [(turn.speaker, turn.text) for turn in turns[1:]] == [
        (CallTurn.Speaker.CALLER, "speak to someone"),
        (CallTurn.Speaker.AGENT, "Let me put you through to the front desk."),
    ]
    answer = turns[2]
    assert answer.node_id == "front_desk" and answer.actions[0]["name"] == "transfer"
    assert all(value is not None for value in (answer.stt_ms, answer.engine_ms, answer.tts_ms, answer.total_ms))

    analysed = await after_call("t_acme", call.pk)
    assert "speak to someone" in analysed.transcript and analysed.summary
    assert analysed.sentiment in {"positive", "neutral", "negative"}
    assert analysed.billable_seconds == analysed.duration_seconds and analysed.analysed_at


@database_sync_to_async
def after_call(schema, call_id):
    """What the `calls.analyse_call` task, queued when the call finished, does in a worker."""
    with schema_context(schema):
        return analyse_call(call_id)
