"""A notification reaches the user's open /ws/events/ sockets as it is committed: on the tenant it is about, and on
every tenant when it is about the user's account; never another user's."""

import json

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from django_tenants.utils import schema_context

from accounts.tests.test_event_stream import stream
from config.events import publish, publish_account_event

pytestmark = pytest.mark.usefixtures("committed_db")


@database_sync_to_async
def completed_campaign(schema):
    with schema_context(schema), transaction.atomic():
        publish("campaign.completed", {"campaign_id": 1, "name": "Recall", "status": "completed", "stats": {}})


@database_sync_to_async
def new_sign_in(email):
    from accounts.models import User

    with transaction.atomic():
        user = User.objects.get(email=email)
        publish_account_event("account.new_sign_in", user_id=user.pk, data={"ip": "198.51.100.1", "at": "2026-12-07"})


async def messages(ws):
    found = []
    while not await ws.receive_nothing(timeout=0.5):
        found.append(json.loads(await ws.receive_from()))
    return found


async def test_an_admin_gets_the_notification_pushed_beside_the_event():
    ws, (connected, _) = await stream("amy")
    assert connected
    await completed_campaign("t_acme")
    received = {m["type"]: m for m in await messages(ws)}
    assert set(received) == {"campaign.completed", "notification.created"}
    notification = received["notification.created"]["data"]
    assert notification["title"] == "Campaign “Recall” finished" and notification["read"] is False
    await ws.disconnect()


async def test_a_member_not_concerned_gets_the_event_but_no_notification():
    ws, _ = await stream("mike")
    await completed_campaign("t_acme")
    assert [m["type"] for m in await messages(ws)] == ["campaign.completed"]
    await ws.disconnect()


async def test_an_account_notification_reaches_the_users_sockets_only():
    mike, _ = await stream("mike")
    alice, _ = await stream("alice")
    await new_sign_in("mike@example.com")
    assert [m["type"] for m in await messages(mike)] == ["notification.created"]
    assert await messages(alice) == []
    await mike.disconnect()
    await alice.disconnect()
