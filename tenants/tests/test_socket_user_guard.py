"""A WebSocket acts for an active user only: a deactivated user's access token, still unexpired, opens nothing."""

import pytest
from channels.db import database_sync_to_async

from accounts.models import User
from tenants.consumers import CLOSE_UNAUTHENTICATED
from tenants.tests.test_ping_consumer import communicator, token_for

pytestmark = pytest.mark.usefixtures("committed_db")


@database_sync_to_async
def set_active(name, active):
    User.objects.filter(email=f"{name}@example.com").update(is_active=active)


async def test_a_deactivated_users_token_is_closed_4401():
    token = await token_for("mike")
    await set_active("mike", False)
    try:
        connected, code = await communicator("acme.localhost", token).connect()
    finally:
        await set_active("mike", True)
    assert (connected, code) == (False, CLOSE_UNAUTHENTICATED)
