"""/ws/events/: members of a tenant follow its domain events live; no other tenant's event ever reaches them."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.tests.factories import access_token
from config.asgi import application
from config.events import publish
from tenants.channels import CLOSE_FORBIDDEN, CLOSE_NO_TENANT, CLOSE_UNAUTHENTICATED

pytestmark = pytest.mark.usefixtures("committed_db")


class Rollback(Exception):
    pass


@database_sync_to_async
def token_for(name):
    return access_token(User.objects.get(email=f"{name}@example.com"))


async def stream(name=None, host="acme.localhost", query=""):
    params = ([f"token={await token_for(name)}"] if name else []) + ([query] if query else [])
    ws = WebsocketCommunicator(
        application, "/ws/events/" + ("?" + "&".join(params) if params else ""), headers=[(b"host", host.encode())]
    )
    return ws, await ws.connect()


@database_sync_to_async
def committed(schema, event_type, data, *, roll_back=False):
    try:
        with schema_context(schema), transaction.atomic():
            publish(event_type, data)
            if roll_back:
                raise Rollback
    except Rollback:
        pass


async def next_event(ws):
    return json.loads(await ws.receive_from(timeout=5))


async def test_a_member_receives_the_tenants_events_as_they_happen():
    ws, (connected, _) = await stream("mike")
    assert connected
    await committed("t_acme", "campaign.started", {"campaign_id": 1})
    event = await next_event(ws)
    assert (event["type"], event["data"]) == ("campaign.started", {"campaign_id": 1})
    assert set(event) == {"type", "id", "occurred_at", "data"}
    await ws.disconnect()


async def test_two_tenants_sockets_open_at_once_each_get_only_their_own_events():
    alice, (alice_connected, _) = await stream("alice")
    bob, (bob_connected, _) = await stream("bob", host="globex.localhost")
    assert alice_connected and bob_connected
    await committed("t_acme", "call.started", {"call_id": 1})
    await committed("t_globex", "call.started", {"call_id": 2})
    await committed("t_acme", "call.finished", {"call_id": 1})
    assert [(await next_event(alice))["data"]["call_id"] for _ in range(2)] == [1, 1]
    assert (await next_event(bob))["data"]["call_id"] == 2
    assert await alice.receive_nothing() and await bob.receive_nothing()
    await alice.disconnect()
    await bob.disconnect()


async def test_a_rolled_back_change_never_reaches_the_socket():
    ws, _ = await stream("alice")
    await committed("t_acme", "appointment.booked", {"appointment_id": 1}, roll_back=True)
    await committed("t_acme", "appointment.booked", {"appointment_id": 2})
    assert (await next_event(ws))["data"] == {"appointment_id": 2}
    assert await ws.receive_nothing()
    await ws.disconnect()


async def test_a_closed_socket_leaves_the_group():
    ws, _ = await stream("alice")
    await ws.disconnect()
    watcher, _ = await stream("amy")
    await committed("t_acme", "campaign.paused", {"campaign_id": 1})
    assert (await next_event(watcher))["type"] == "campaign.paused"
    await watcher.disconnect()


async def test_without_a_token_the_socket_is_closed_4401():
    assert (await stream())[1] == (False, CLOSE_UNAUTHENTICATED)


async def test_a_forged_token_is_closed_4401():
    assert (await stream(query="token=not.a.jwt"))[1] == (False, CLOSE_UNAUTHENTICATED)


async def test_a_member_of_another_tenant_is_closed_4403():
    assert (await stream("bob"))[1] == (False, CLOSE_FORBIDDEN)


async def test_someone_without_a_tenant_is_closed_4403():
    assert (await stream("charlie"))[1] == (False, CLOSE_FORBIDDEN)


async def test_a_shared_host_takes_the_tenant_from_the_query_and_checks_membership():
    ok, (connected, _) = await stream("bob", host="api.localhost", query="tenant=globex")
    assert connected
    await committed("t_globex", "call.started", {"call_id": 5})
    assert (await next_event(ok))["data"] == {"call_id": 5}
    await ok.disconnect()
    assert (await stream("bob", host="api.localhost", query="tenant=acme"))[1] == (False, CLOSE_FORBIDDEN)


async def test_a_tenants_own_host_ignores_a_tenant_named_in_the_query():
    ws, (connected, _) = await stream("alice", host="acme.localhost", query="tenant=globex")
    assert connected
    await committed("t_acme", "call.started", {"call_id": 6})
    assert (await next_event(ws))["data"] == {"call_id": 6}
    await ws.disconnect()


async def test_a_bearer_token_in_the_authorization_header_opens_the_socket():
    headers = [(b"host", b"acme.localhost"), (b"authorization", f"Bearer {await token_for('alice')}".encode())]
    ws = WebsocketCommunicator(application, "/ws/events/", headers=headers)
    connected, _ = await ws.connect()
    assert connected
    await ws.disconnect()


async def test_an_authorization_header_of_another_scheme_leaves_the_query_token_in_charge():
    headers = [(b"host", b"acme.localhost"), (b"authorization", b"Basic YWxpY2U6cGFzc3dvcmQ=")]
    ws = WebsocketCommunicator(application, f"/ws/events/?token={await token_for('alice')}", headers=headers)
    connected, _ = await ws.connect()
    assert connected
    await ws.disconnect()


async def test_a_public_host_without_a_tenant_is_closed_4404():
    assert (await stream("alice", host="api.localhost"))[1] == (False, CLOSE_NO_TENANT)


async def test_a_host_of_no_tenant_naming_a_tenant_in_the_query_is_closed_4404():
    """Only the platform's own (public) hosts take the tenant from the query: any other Host resolves to nobody."""
    assert (await stream("alice", host="unknown.example.org", query="tenant=acme"))[1] == (False, CLOSE_NO_TENANT)


async def test_a_socket_open_longer_than_the_layers_group_expiry_keeps_receiving(settings, monkeypatch):
    from channels.layers import channel_layers

    from accounts.consumers import EventStreamConsumer

    settings.CHANNEL_LAYERS = {
        "default": {
            **settings.CHANNEL_LAYERS["default"],
            "CONFIG": {**settings.CHANNEL_LAYERS["default"]["CONFIG"], "group_expiry": 1},
        }
    }
    channel_layers.backends.pop("default", None)  # built again from the settings above
    monkeypatch.setattr(EventStreamConsumer, "rejoin_seconds", 0.3)
    ws, (connected, _) = await stream("mike")
    assert connected
    await asyncio.sleep(1.6)  # past the expiry of the first join
    await committed("t_acme", "campaign.started", {"campaign_id": 7})
    assert (await next_event(ws))["data"] == {"campaign_id": 7}
    await ws.disconnect()
