"""/ws/agents/{id}/voice/: a staff member talks to an agent from the browser, through the phone calls' pipeline (turn
detection, offline recognition, the engine, the voice), as a sandbox test call. The browser's side is played here by
the call simulator, which speaks the same dialect (the page's own side: dashboard/tests/test_browser.py)."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.tests.factories import access_token
from agents import services as agent_services
from calls.models import Call, CallTurn
from calls.simulator import Say, WaitForAgent, channels_transport, simulate
from calls.tests.media_helpers import caller_says
from config.asgi import application
from tenants.channels import CLOSE_FORBIDDEN, CLOSE_NO_TENANT
from tenants.models import Tenant

pytestmark = [pytest.mark.usefixtures("committed_db"), pytest.mark.slow]


@database_sync_to_async
def token_for(name):
    return access_token(User.objects.get(email=f"{name}@example.com"))


@database_sync_to_async
def demo_agent(slug="acme"):
    tenant = Tenant.objects.get(slug=slug)
    with schema_context(tenant.schema_name):
        return agent_services.seed_demo_agent(tenant).id


@database_sync_to_async
def the_call(schema):
    with schema_context(schema):
        call = Call.objects.get()
        return call, [(turn.speaker, turn.node_id, turn.text) for turn in call.turns.order_by("index")]


def voice_path(agent_id, token):
    return f"/ws/agents/{agent_id}/voice/?token={token}"


async def test_a_member_books_by_voice_and_the_conversation_is_a_sandbox_call():
    path = voice_path(await demo_agent(), await token_for("mike"))
    async with channels_transport(application, host="acme.localhost", path=path) as transport:
        first = json.loads(await transport.receive())
        result = await simulate(
            transport,
            [WaitForAgent(), Say(caller_says("book an appointment")), WaitForAgent()],
            call_id="",
            tenant="",
            call_sid="",
        )
    assert first["event"] == "call" and len(result.answers) == 2
    call, turns = await the_call("t_acme")
    assert first["call_id"] == call.pk
    assert (call.is_test, call.direction, call.twilio_call_sid) == (True, Call.Direction.SANDBOX, None)
    assert [(speaker, node) for speaker, node, _ in turns] == [
        (CallTurn.Speaker.AGENT, "reason"),
        (CallTurn.Speaker.CALLER, ""),
        (CallTurn.Speaker.AGENT, "patient_name"),
    ]
    assert turns[1][2].lower().startswith("book an appointment")


class Listening:
    """The transport, keeping the messages that are not Twilio's (the call, the transcript) for the test."""

    def __init__(self, transport):
        self.transport, self.kept = transport, []

    async def send(self, text):
        await self.transport.send(text)

    async def receive(self):
        text = await self.transport.receive()
        if text is not None and json.loads(text)["event"] in ("call", "transcript"):
            self.kept.append(json.loads(text))
        return text


async def test_the_turns_come_to_the_browser_over_its_own_socket_as_they_are_stored():
    path = voice_path(await demo_agent(), await token_for("mike"))
    async with channels_transport(application, host="acme.localhost", path=path) as transport:
        browser = Listening(transport)
        await simulate(
            browser,
            [WaitForAgent(), Say(caller_says("book an appointment")), WaitForAgent()],
            call_id="",
            tenant="",
            call_sid="",
            # The turns are stored (and sent) once their answer has begun: a fast caller may have heard it all first.
            linger_ms=3000,
        )
    turns = [event["turn"] for kept in browser.kept[1:] for event in kept["events"] if event["type"] == "turn"]
    assert browser.kept[0]["event"] == "call"
    assert [(turn["speaker"], turn["node_id"]) for turn in turns] == [
        ("agent", "reason"),
        ("caller", ""),
        ("agent", "patient_name"),
    ]


async def test_the_call_is_finished_when_the_browser_goes():
    path = voice_path(await demo_agent(), await token_for("mike"))
    async with channels_transport(application, host="acme.localhost", path=path) as transport:
        await transport.receive()
        await simulate(transport, [WaitForAgent()], call_id="", tenant="", call_sid="")
    call, _ = await the_call("t_acme")
    assert (call.status, call.end_reason) == (Call.Status.COMPLETED, "stream_closed")


async def test_bob_cannot_talk_to_acmes_agent():
    ws = WebsocketCommunicator(
        application, voice_path(await demo_agent(), await token_for("bob")), headers=[(b"host", b"acme.localhost")]
    )
    assert await ws.connect() == (False, CLOSE_FORBIDDEN)


async def test_an_unknown_agent_is_not_found():
    ws = WebsocketCommunicator(
        application, voice_path(999_999, await token_for("alice")), headers=[(b"host", b"acme.localhost")]
    )
    assert await ws.connect() == (False, CLOSE_NO_TENANT)
