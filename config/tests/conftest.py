"""`subscribe(schema)`: a channel in a tenant's domain-event group, read with `.events()`."""

import asyncio
import threading
import uuid

import pytest
from channels.layers import get_channel_layer

from config.events import group_name


class Subscription:
    """Receives on an event loop of its own that lives as long as the subscription: the Redis layer finishes each
    receive in a background task, which a loop per call (async_to_sync) would cancel, delivering it again."""

    def __init__(self, schema: str):
        self.layer = get_channel_layer()
        self.group = group_name(schema)
        self.channel = f"test-events-{uuid.uuid4().hex}"
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self._run(self.layer.group_add(self.group, self.channel))

    def events(self) -> list[dict]:
        """The events that reached the group since the last call (a marker sent now comes after them all)."""
        return self._run(self._drain())

    async def _drain(self) -> list[dict]:
        marker = uuid.uuid4().hex
        await self.layer.send(self.channel, {"type": "test.marker", "marker": marker})
        received = []
        while (message := await self.layer.receive(self.channel)).get("marker") != marker:
            received.append(message["event"])
        return received

    def close(self) -> None:
        self._run(self.layer.group_discard(self.group, self.channel))
        self._run(self._finish_pending())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()

    @staticmethod
    async def _finish_pending():
        await asyncio.gather(*(task for task in asyncio.all_tasks() if task is not asyncio.current_task()))

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)


@pytest.fixture
def subscribe():
    subscriptions = []

    def make(schema: str) -> Subscription:
        subscriptions.append(Subscription(schema))
        return subscriptions[-1]

    yield make
    for subscription in subscriptions:
        subscription.close()
