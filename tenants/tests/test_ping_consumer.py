"""The tenant-scoped WebSocket: JWT required, membership checked, DB calls in the right schema."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.tests.factories import access_token
from compliance.models import AuditEvent
from config.asgi import application
from tenants.consumers import CLOSE_FORBIDDEN, CLOSE_NO_TENANT, CLOSE_UNAUTHENTICATED

pytestmark = pytest.mark.usefixtures("committed_db")


@database_sync_to_async
def token_for(name):
    return access_token(User.objects.get(email=f"{name}@example.com"))


def communicator(host, token=None, query=""):
    params = [f"token={token}"] if token else []
    if query:
        params.append(query)
    path = "/ws/ping/" + ("?" + "&".join(params) if params else "")
    return WebsocketCommunicator(application, path, headers=[(b"host", host.encode())])


async def ping(ws):
    await ws.send_to(text_data=json.dumps({"type": "ping"}))
    return json.loads(await ws.receive_from())


@database_sync_to_async
def pings_in(schema):
    with schema_context(schema):
        return AuditEvent.objects.filter(action="ws.ping").count()


async def test_two_tenants_interleaved_each_write_in_their_own_schema():
    alice_ws = communicator("acme.localhost", await token_for("alice"))
    bob_ws = communicator("globex.localhost", await token_for("bob"))
    assert (await alice_ws.connect())[0] and (await bob_ws.connect())[0]
    replies = [await ping(alice_ws), await ping(bob_ws), await ping(alice_ws), await ping(bob_ws), await ping(alice_ws)]
    assert [(r["tenant"], r["pings"]) for r in replies] == [
        ("acme", 1),
        ("globex", 1),
        ("acme", 2),
        ("globex", 2),
        ("acme", 3),
    ]
    assert await pings_in("t_acme") == 3 and await pings_in("t_globex") == 2
    await alice_ws.disconnect()
    await bob_ws.disconnect()


async def test_connection_without_token_is_closed_4401():
    ws = communicator("acme.localhost")
    connected, code = await ws.connect()
    assert not connected and code == CLOSE_UNAUTHENTICATED


async def test_forged_token_is_closed_4401():
    ws = communicator("acme.localhost", "not.a.jwt")
    connected, code = await ws.connect()
    assert not connected and code == CLOSE_UNAUTHENTICATED


async def test_bob_on_acme_host_is_closed_4403_and_writes_nothing():
    ws = communicator("acme.localhost", await token_for("bob"))
    connected, code = await ws.connect()
    assert not connected and code == CLOSE_FORBIDDEN
    assert await pings_in("t_acme") == 0


async def test_shared_host_takes_tenant_from_query_and_checks_membership():
    ok = communicator("api.localhost", await token_for("alice"), "tenant=acme")
    assert (await ok.connect())[0]
    assert (await ping(ok))["tenant"] == "acme"
    await ok.disconnect()
    refused = communicator("api.localhost", await token_for("alice"), "tenant=globex")
    assert (await refused.connect()) == (False, CLOSE_FORBIDDEN)


async def test_public_host_without_tenant_is_closed_4404():
    ws = communicator("api.localhost", await token_for("alice"))
    assert (await ws.connect()) == (False, CLOSE_NO_TENANT)


async def test_malformed_message_gets_an_error_not_a_crash():
    ws = communicator("acme.localhost", await token_for("alice"))
    await ws.connect()
    await ws.send_to(text_data="{oops")
    reply = json.loads(await ws.receive_from())
    assert reply["type"] == "error" and reply["error_code"] == "malformed_json"
    await ws.disconnect()
