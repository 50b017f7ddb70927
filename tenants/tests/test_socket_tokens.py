"""A dashboard page's socket token opens the one WebSocket it was minted for, offered as a subprotocol, once: not
the REST API, not another socket, not another tenant's, not from the query string (which access logs keep)."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.models import User
from accounts.services import socket_token
from config.asgi import application
from config.errors import DomainError
from tenants.channels import CLOSE_UNAUTHENTICATED, SOCKET_PROTOCOL
from tenants.models import Tenant

EVENTS = "/ws/events/"


@database_sync_to_async
def ticket(name="mike", slug="acme", path=EVENTS):
    return socket_token(User.objects.get(email=f"{name}@example.com"), tenant=Tenant.objects.get(slug=slug), path=path)


def socket(path=EVENTS, *, token=None, host="acme.localhost", query=""):
    protocols = [SOCKET_PROTOCOL, token] if token else []
    return WebsocketCommunicator(
        application, path + query, headers=[(b"host", host.encode())], subprotocols=protocols or None
    )


@pytest.mark.usefixtures("committed_db")
class TestOnItsSocket:
    async def test_the_socket_it_was_minted_for_opens_and_answers_with_the_protocol(self):
        ws = socket(token=await ticket())
        connected, protocol = await ws.connect()
        assert (connected, protocol) == (True, SOCKET_PROTOCOL)
        await ws.disconnect()

    async def test_it_opens_that_socket_only_once(self):
        token = await ticket()
        first = socket(token=token)
        assert (await first.connect())[0]
        assert await socket(token=token).connect() == (False, CLOSE_UNAUTHENTICATED)
        await first.disconnect()

    async def test_another_socket_of_the_same_tenant_is_refused(self):
        assert await socket("/ws/calls/1/live/", token=await ticket()).connect() == (False, CLOSE_UNAUTHENTICATED)

    async def test_the_same_socket_on_another_tenants_host_is_refused(self):
        token = await ticket("mike", "acme")
        assert await socket(token=token, host="globex.localhost").connect() == (False, CLOSE_UNAUTHENTICATED)

    async def test_in_the_query_string_it_is_refused(self):
        token = await ticket()
        assert await socket(query=f"?token={token}").connect() == (False, CLOSE_UNAUTHENTICATED)

    async def test_a_forged_token_is_refused(self):
        assert await socket(token=(await ticket())[:-2] + "xx").connect() == (False, CLOSE_UNAUTHENTICATED)


@pytest.mark.django_db
def test_the_rest_api_refuses_it_within_its_minute(api, mike, acme):
    token = socket_token(mike, tenant=acme, path=EVENTS)
    response = api(None, acme, headers={"Authorization": f"Bearer {token}"}).get("/api/agents")
    assert response.status_code == 401


@pytest.mark.django_db
def test_a_path_that_is_not_a_socket_gets_no_token(mike, acme):
    with pytest.raises(DomainError) as refused:
        socket_token(mike, tenant=acme, path="/api/agents")
    assert list(refused.value.errors) == ["socket"]
