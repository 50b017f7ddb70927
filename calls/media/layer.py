"""The channel layer as the live calls of a process use it: a bounded number of requests at once, and one
listener for the staff controls of all of them.

One listener per event loop rather than one per call: a call's own listener would wait on a blocking Redis
read (BZPOPMIN) for its whole life, and cancelling that read when the call ends makes redis-py drop the
connection, so the next request opens a new one (connect, health check): a third of the channel-layer time a
call cost on the event loop that plays every call's audio.
"""

import asyncio
import logging
import weakref

from channels.layers import get_channel_layer
from redis import RedisError

from calls import groups

log = logging.getLogger(__name__)

# Channel-layer requests of the process's calls under way at once: the layer's Redis pool refuses more
# than 100 connections at a time (redis-py's default), and hundreds of calls starting or answering
# together would otherwise fail their broadcasts and control-group joins instead of waiting a moment.
LAYER_REQUESTS = 32
# After the layer fails to deliver (Redis restarting), the listener tries again this much later.
RETRY_SECONDS = 1.0
_slots: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_listeners: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def layer_slot() -> asyncio.Semaphore:
    """The running event loop's semaphore (one per loop: an asyncio semaphore belongs to one)."""
    loop = asyncio.get_running_loop()
    slot = _slots.get(loop)
    if slot is None:
        slot = _slots[loop] = asyncio.Semaphore(LAYER_REQUESTS)
    return slot


def control_listener() -> "ControlListener":
    """The running event loop's listener."""
    loop = asyncio.get_running_loop()
    listener = _listeners.get(loop)
    if listener is None:
        listener = _listeners[loop] = ControlListener()
    return listener


class ControlListener:
    """Staff controls (`groups.on_commit_send`'s `call.control` messages, which name their call) for the calls
    of one event loop, through one channel in each call's control group. It runs while any call is joined."""

    def __init__(self):
        # control group → the handlers of the sessions holding that call here (a reconnected stream's new
        # session may join before the old one has left).
        self.handlers: dict[str, list] = {}
        self.channel: str | None = None
        self._task: asyncio.Task | None = None

    async def join(self, schema: str, call_id: int, handler) -> None:
        """`handler(action)` gets the call's controls until `leave`."""
        layer = get_channel_layer()
        group = groups.control_group(schema, call_id)
        self.handlers.setdefault(group, []).append(handler)
        if self.channel is None:
            channel = await layer.new_channel()
            if self.channel is None:  # no other join got there meanwhile
                self.channel = channel
                self._task = asyncio.ensure_future(self._listen(layer, channel))
        try:
            async with layer_slot():
                await layer.group_add(group, self.channel)
        except RedisError as exc:
            # Redis is down: the call goes on without staff controls until it is back (the listener retries).
            log.warning("staff controls: %s not joined (%s)", group, exc)

    async def leave(self, schema: str, call_id: int, handler) -> None:
        group = groups.control_group(schema, call_id)
        handlers = self.handlers.get(group, [])
        if handler not in handlers:
            return
        handlers.remove(handler)
        if handlers:
            return
        del self.handlers[group]
        channel = self.channel
        if not self.handlers:
            # No call left here: the listener stops rather than hold a Redis read open for nobody.
            task, self.channel, self._task = self._task, None, None
            if task is not None:
                await self._stop(task, channel)
        if channel is not None:
            try:
                async with layer_slot():
                    await get_channel_layer().group_discard(group, channel)
            except RedisError as exc:
                # Redis is down: the membership expires with the layer's group_expiry; the call has ended anyway.
                log.warning("staff controls: %s not left (%s)", group, exc)

    async def _stop(self, task: asyncio.Task, channel: str) -> None:
        """Wakes the listener with a message on its own channel: a cancelled blocking read is not cut short (redis-py
        waits out the read's timeout, five seconds, then drops the connection). Cancelled only when Redis is down."""
        try:
            async with layer_slot():
                await get_channel_layer().send(channel, {"type": "call.listener.stop"})
        except RedisError:
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async def _listen(self, layer, channel: str) -> None:
        while True:
            try:
                message = await layer.receive(channel)
                if self._task is not asyncio.current_task():
                    return  # stopped: `_stop`'s wake-up, or a control that came just before it for no call left
            except Exception:
                if self._task is not asyncio.current_task():
                    # Stopped: redis-py turns the cancellation of a blocking read into a TimeoutError.
                    return
                log.exception("staff controls: the channel layer failed; listening again in %s s", RETRY_SECONDS)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            group = groups.control_group(message.get("schema", ""), message.get("call_id", ""))
            for handler in list(self.handlers.get(group, ())):
                try:
                    handler(message.get("action", ""))
                except Exception:  # one session's failure must not stop the controls of every other call
                    log.exception("staff controls: %s failed", group)
