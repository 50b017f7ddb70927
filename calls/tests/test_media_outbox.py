"""The media stream's way out elsewhere than under daphne: messages sent without awaiting still reach the ASGI
server in order, and the stream closes only after them."""

import asyncio

from calls.media.consumer import MediaStreamConsumer, Outbox


class SlowServer:
    """An ASGI `send` that takes a turn of the event loop per message, as a server's flow control may."""

    def __init__(self, fail_on: str | None = None):
        self.messages, self.fail_on = [], fail_on

    async def send(self, message):
        await asyncio.sleep(0)
        if self.fail_on is not None and message.get("text") == self.fail_on:
            raise ConnectionError("gone")
        self.messages.append(message)


async def test_messages_sent_without_awaiting_reach_the_server_in_order():
    server = SlowServer()
    outbox = Outbox(server.send)
    for text in ("one", "two", "three"):
        outbox(text)
    await outbox.flushed()
    assert [message["text"] for message in server.messages] == ["one", "two", "three"]


async def test_the_stream_closes_after_the_messages_sent_before_it():
    server = SlowServer()
    consumer = MediaStreamConsumer({"type": "websocket", "path": "/ws/twilio/media/acme/"}, server.send)
    consumer.send("media")
    consumer.send("mark")
    await consumer.close()
    assert [message.get("text") or message["type"] for message in server.messages] == [
        "media",
        "mark",
        "websocket.close",
    ]


async def test_a_failed_send_drops_what_was_waiting_behind_it_and_later_messages_still_go():
    server = SlowServer(fail_on="two")
    outbox = Outbox(server.send)
    for text in ("one", "two", "three"):
        outbox(text)
    await outbox.flushed()
    outbox("four")
    await outbox.flushed()
    assert [message["text"] for message in server.messages] == ["one", "four"]
