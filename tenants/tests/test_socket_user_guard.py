"""A WebSocket acts for an active user only: a deactivated user's access token, still unexpired, opens nothing."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.models import User
from accounts.tests.factories import access_token
from config.asgi import application
from tenants.channels import CLOSE_UNAUTHENTICATED

pytestmark = pytest.mark.usefixtures("committed_db")


@database_sync_to_async
def token_for(name):
    return access_token(User.objects.get(email=f"{name}@example.com"))


@database_sync_to_async
def set_active(name, active):
    User.objects.filter(email=f"{name}@example.com").update(is_active=active)


async def test_a_deactivated_users_token_is_closed_4401():
    token = await token_for("mike")
    await set_active("mike", False)
    try:
        socket = WebsocketCommunicator(
            application, f"/ws/events/?token={token}", headers=[(b"host", b"acme.localhost")]
        )
        connected, code = await socket.connect()
    finally:
        await set_active("mike", True)
    assert (connected, code) == (False, CLOSE_UNAUTHENTICATED)
