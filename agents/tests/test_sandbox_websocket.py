"""/ws/agents/{id}/sandbox/: the sandbox conversation over a WebSocket, in the right tenant only."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.tests.factories import access_token
from agents import services
from calls.models import Call
from config.asgi import application
from tenants.channels import CLOSE_FORBIDDEN, CLOSE_NO_TENANT, CLOSE_UNAUTHENTICATED
from tenants.models import Tenant

pytestmark = pytest.mark.usefixtures("committed_db")


@database_sync_to_async
def token_for(name):
    return access_token(User.objects.get(email=f"{name}@example.com"))


@database_sync_to_async
def demo_agent(slug):
    tenant = Tenant.objects.get(slug=slug)
    with schema_context(tenant.schema_name):
        return services.seed_demo_agent(tenant).id


@database_sync_to_async
def sandbox_calls(schema):
    with schema_context(schema):
        return list(Call.objects.values_list("is_test", "direction"))


def communicator(host, agent_id, token=None):
    path = f"/ws/agents/{agent_id}/sandbox/" + (f"?token={token}" if token else "")
    return WebsocketCommunicator(application, path, headers=[(b"host", host.encode())])


async def exchange(ws, message):
    await ws.send_to(text_data=json.dumps(message))
    return json.loads(await ws.receive_from())


async def test_a_live_conversation_turn_by_turn():
    ws = communicator("acme.localhost", await demo_agent("acme"), await token_for("mike"))
    assert (await ws.connect())[0]
    greeting = await exchange(ws, {"type": "start"})
    assert greeting["type"] == "reply" and greeting["node_id"] == "reason"
    assert greeting["utterances"][0].startswith("Thank you for calling Acme Dental")
    reply = await exchange(ws, {"type": "say", "text": "book an appointment"})
    assert (reply["session_id"], reply["node_id"]) == (greeting["session_id"], "patient_name")
    await ws.disconnect()
    assert await sandbox_calls("t_acme") == [(True, "sandbox")]


async def test_two_tenants_interleaved_stay_in_their_own_schema():
    alice_ws = communicator("acme.localhost", await demo_agent("acme"), await token_for("alice"))
    bob_ws = communicator("globex.localhost", await demo_agent("globex"), await token_for("bob"))
    assert (await alice_ws.connect())[0] and (await bob_ws.connect())[0]
    alice_hello = await exchange(alice_ws, {"type": "start"})
    bob_hello = await exchange(bob_ws, {"type": "start"})
    alice_reply = await exchange(alice_ws, {"type": "say", "text": "book an appointment"})
    bob_reply = await exchange(bob_ws, {"type": "say", "text": "I have a question"})
    assert "Acme Dental" in alice_hello["reply"] and "Globex Realty" in bob_hello["reply"]
    assert (alice_reply["node_id"], bob_reply["node_id"]) == ("patient_name", "ask_question")
    assert len(await sandbox_calls("t_acme")) == len(await sandbox_calls("t_globex")) == 1
    await alice_ws.disconnect()
    await bob_ws.disconnect()


async def test_say_before_start_is_an_error():
    ws = communicator("acme.localhost", await demo_agent("acme"), await token_for("alice"))
    await ws.connect()
    assert (await exchange(ws, {"type": "say", "text": "hi"}))["error_code"] == "no_session"
    await ws.disconnect()


async def test_bad_messages_get_errors_not_a_crash():
    ws = communicator("acme.localhost", await demo_agent("acme"), await token_for("alice"))
    await ws.connect()
    await ws.send_to(text_data="{oops")
    assert json.loads(await ws.receive_from())["error_code"] == "malformed_json"
    assert (await exchange(ws, {"type": "dance"}))["error_code"] == "unknown_type"
    await exchange(ws, {"type": "start"})
    assert (await exchange(ws, {"type": "say", "text": ""}))["errors"] == {"text": ["This field is required."]}
    await ws.disconnect()


async def test_anonymous_is_closed_4401():
    ws = communicator("acme.localhost", await demo_agent("acme"))
    assert await ws.connect() == (False, CLOSE_UNAUTHENTICATED)


async def test_bob_cannot_open_alices_sandbox():
    ws = communicator("acme.localhost", await demo_agent("acme"), await token_for("bob"))
    assert await ws.connect() == (False, CLOSE_FORBIDDEN)


async def test_an_agent_of_another_tenant_is_closed_4404():
    alices_agent = await demo_agent("acme")
    await demo_agent("globex")
    ws = communicator("globex.localhost", alices_agent + 1000, await token_for("bob"))
    assert await ws.connect() == (False, CLOSE_NO_TENANT)
