"""/ws/calls/{id}/live/: staff of the call's tenant follow its transcript and state as they happen."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from accounts.models import User
from accounts.tests.factories import access_token
from calls.groups import live_group
from calls.simulator import Do, HangUp, Say, WaitForAgent
from calls.tests.media_helpers import caller_says, finished_call, live_call, run_call
from config.asgi import application
from tenants.channels import CLOSE_FORBIDDEN, CLOSE_NO_TENANT, CLOSE_UNAUTHENTICATED
from tenants.models import Tenant

pytestmark = pytest.mark.usefixtures("committed_db")


@database_sync_to_async
def token_for(name):
    return access_token(User.objects.get(email=f"{name}@example.com"))


async def watch(call_id, name=None, host="acme.localhost"):
    token = await token_for(name) if name else None
    path = f"/ws/calls/{call_id}/live/" + (f"?token={token}" if token else "")
    ws = WebsocketCommunicator(application, path, headers=[(b"host", host.encode())])
    return ws, await ws.connect()


async def messages_until_closed_call(ws):
    received = []
    while not received or received[-1]["type"] != "state":
        received.append(json.loads(await ws.receive_from(timeout=10)))
    return received


async def test_a_member_gets_the_transcript_and_the_end_of_the_call_as_they_happen():
    call = await live_call()
    ws, (connected, _) = await watch(call["id"], "mike")
    assert connected
    snapshot = json.loads(await ws.receive_from())
    assert snapshot == {
        "type": "snapshot",
        "call": {"id": call["id"], "status": "ringing", "end_reason": ""},
        "turns": [],
    }
    await run_call(call, [WaitForAgent(), Say(caller_says("book an appointment")), WaitForAgent(), HangUp()])
    events = await messages_until_closed_call(ws)
    turns = [event["turn"] for event in events if event["type"] == "turn"]
    assert [(turn["index"], turn["speaker"], turn["node_id"]) for turn in turns] == [
        (0, "agent", "reason"),
        (1, "caller", ""),
        (2, "agent", "patient_name"),
    ]
    assert turns[1]["text"] == "book an appointment" and turns[2]["timings"]["stt_ms"] > 0
    assert events[-1] == {"type": "state", "status": "completed", "end_reason": "caller_hangup"}
    await ws.disconnect()


async def test_joining_late_gets_the_turns_so_far():
    call = await live_call()
    await run_call(call, [WaitForAgent(), HangUp()])
    ws, (connected, _) = await watch(call["id"], "alice")
    snapshot = json.loads(await ws.receive_from())
    assert connected and snapshot["call"]["status"] == "completed"
    assert [turn["node_id"] for turn in snapshot["turns"]] == ["reason"]
    await ws.disconnect()


async def test_opening_the_view_mid_call_gets_the_turns_so_far_then_the_rest_as_they_happen():
    call = await live_call()
    opened = {}

    async def open_view():
        opened["ws"], _ = await watch(call["id"], "mike")

    await run_call(
        call, [WaitForAgent(), Do(open_view), Say(caller_says("book an appointment")), WaitForAgent(), HangUp()]
    )
    ws = opened["ws"]
    snapshot = json.loads(await ws.receive_from())
    events = await messages_until_closed_call(ws)
    assert [turn["node_id"] for turn in snapshot["turns"]] == ["reason"]
    assert [event["turn"]["index"] for event in events if event["type"] == "turn"] == [1, 2]
    assert events[-1] == {"type": "state", "status": "completed", "end_reason": "caller_hangup"}
    await ws.disconnect()


async def test_a_call_nobody_watches_sends_nothing_to_its_live_group():
    call = await live_call()
    layer = get_channel_layer()
    channel = await layer.new_channel()
    group = live_group(Tenant.schema_name_for("acme"), call["id"])
    await layer.group_add(group, channel)
    try:
        await run_call(call, [WaitForAgent(), Say(caller_says("book an appointment")), WaitForAgent(), HangUp()])
        await finished_call("acme", call["id"])
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(layer.receive(channel), 0.5)
    finally:
        await layer.group_discard(group, channel)


async def test_bobs_token_cannot_subscribe_to_alices_call():
    call = await live_call()
    _, result = await watch(call["id"], "bob")
    assert result == (False, CLOSE_FORBIDDEN)


async def test_alices_call_does_not_exist_on_bobs_tenant():
    call = await live_call()
    _, result = await watch(call["id"], "bob", host="globex.localhost")
    assert result == (False, CLOSE_NO_TENANT)


async def test_someone_without_a_tenant_is_refused():
    call = await live_call()
    _, result = await watch(call["id"], "charlie")
    assert result == (False, CLOSE_FORBIDDEN)


async def test_anonymous_is_refused():
    call = await live_call()
    _, result = await watch(call["id"])
    assert result == (False, CLOSE_UNAUTHENTICATED)
