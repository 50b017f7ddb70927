"""calls.media.layer.ControlListener: one listener per process hands each staff control to its own call's
session, through the real Redis channel layer."""

import asyncio

import pytest
from channels.layers import get_channel_layer

from calls import groups
from calls.media.layer import control_listener

# A control crosses Redis and the listener's task before it reaches a session.
DELIVERY_SECONDS = 5


class Session:
    """A media session as the listener sees it: a handler of control actions."""

    def __init__(self):
        self.actions: list[str] = []
        self.arrived = asyncio.Event()

    def on_control(self, action: str) -> None:
        self.actions.append(action)
        self.arrived.set()

    async def next_action(self) -> str:
        await asyncio.wait_for(self.arrived.wait(), DELIVERY_SECONDS)
        self.arrived.clear()
        return self.actions[-1]


async def send(schema: str, call_id: int, action: str) -> None:
    await get_channel_layer().group_send(
        groups.control_group(schema, call_id), groups.control_message(schema, call_id, action=action)
    )


@pytest.mark.parametrize(
    "first_call, second_call",
    [
        (("t_acme", 1), ("t_acme", 2)),
        (("t_acme", 7), ("t_globex", 7)),
    ],
    ids=["another call of the tenant", "the same call id in another tenant"],
)
async def test_a_control_reaches_the_session_of_its_own_call_only(first_call, second_call):
    listener, first, second = control_listener(), Session(), Session()
    await listener.join(*first_call, first.on_control)
    await listener.join(*second_call, second.on_control)
    await send(*second_call, "mute")
    assert await second.next_action() == "mute"
    await send(*first_call, "unmute")
    assert await first.next_action() == "unmute"
    assert (first.actions, second.actions) == (["unmute"], ["mute"])
    await listener.leave(*first_call, first.on_control)
    await listener.leave(*second_call, second.on_control)


async def test_a_reconnected_streams_session_keeps_the_controls_when_the_old_one_leaves():
    listener, old, new = control_listener(), Session(), Session()
    await listener.join("t_acme", 3, old.on_control)
    await listener.join("t_acme", 3, new.on_control)
    await listener.leave("t_acme", 3, old.on_control)
    await send("t_acme", 3, "mute")
    assert await new.next_action() == "mute"
    assert old.actions == []
    await listener.leave("t_acme", 3, new.on_control)


async def test_the_listener_stops_once_no_call_is_left_and_starts_again_for_the_next():
    listener, first, later = control_listener(), Session(), Session()
    await listener.join("t_acme", 4, first.on_control)
    await listener.leave("t_acme", 4, first.on_control)
    assert listener.channel is None and listener.handlers == {}
    await listener.join("t_acme", 5, later.on_control)
    await send("t_acme", 5, "mute")
    assert await later.next_action() == "mute"
    await listener.leave("t_acme", 5, later.on_control)


async def test_leaving_twice_is_harmless():
    listener, session = control_listener(), Session()
    await listener.join("t_acme", 6, session.on_control)
    await listener.leave("t_acme", 6, session.on_control)
    await listener.leave("t_acme", 6, session.on_control)
    assert listener.channel is None


async def test_a_session_whose_handler_fails_does_not_stop_the_controls_of_the_others():
    listener, healthy = control_listener(), Session()

    def failing(action):
        raise RuntimeError("broken session")

    await listener.join("t_acme", 8, failing)
    await listener.join("t_acme", 9, healthy.on_control)
    await send("t_acme", 8, "mute")
    await send("t_acme", 9, "mute")
    assert await healthy.next_action() == "mute"
    await listener.leave("t_acme", 8, failing)
    await listener.leave("t_acme", 9, healthy.on_control)
