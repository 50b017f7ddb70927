"""A tenant's IP allow-list applies to its users' WebSockets as to its API and dashboard: a socket from outside the
listed ranges is refused at the handshake, before its token is looked at; behind a trusted proxy the forwarded client
is checked."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.models import User
from accounts.tests.factories import access_token
from config.asgi import application
from tenants.channels import CLOSE_FORBIDDEN
from tenants.models import Tenant
from tenants.services import set_ip_allowlist

pytestmark = pytest.mark.usefixtures("committed_db")

OFFICE = "203.0.113.0/24"
PROXY = "10.0.0.5"


@pytest.fixture
def office_only():
    set_ip_allowlist(Tenant.objects.get(slug="acme"), [OFFICE])
    yield
    set_ip_allowlist(Tenant.objects.get(slug="acme"), [])


@database_sync_to_async
def token_for(name):
    return access_token(User.objects.get(email=f"{name}@example.com"))


async def open_socket(peer, *, forwarded=None, token=None):
    headers = [(b"host", b"acme.localhost")]
    if forwarded:
        headers.append((b"x-forwarded-for", forwarded.encode()))
    socket = WebsocketCommunicator(application, f"/ws/events/?token={token or await token_for('alice')}", headers)
    socket.scope["client"] = (peer, 50000)
    connected, code = await socket.connect()
    if connected:
        await socket.disconnect()
    return connected, code


async def test_a_socket_from_inside_the_list_opens(office_only):
    assert (await open_socket("203.0.113.7"))[0] is True


async def test_a_socket_from_outside_the_list_is_refused_before_authentication(office_only):
    assert await open_socket("198.51.100.1") == (False, CLOSE_FORBIDDEN)
    assert await open_socket("198.51.100.1", token="not-a-token") == (False, CLOSE_FORBIDDEN)


async def test_behind_a_trusted_proxy_the_forwarded_client_is_checked(office_only, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert (await open_socket(PROXY, forwarded="203.0.113.7"))[0] is True
    assert await open_socket(PROXY, forwarded="198.51.100.1") == (False, CLOSE_FORBIDDEN)
    # A client cannot claim an allowed address through a peer that is not a trusted proxy.
    assert await open_socket("198.51.100.1", forwarded="203.0.113.7") == (False, CLOSE_FORBIDDEN)


async def test_a_tenant_without_a_list_takes_sockets_from_anywhere():
    assert (await open_socket("198.51.100.1"))[0] is True
