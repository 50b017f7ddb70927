"""MediaStreamConsumer.receive_now: under daphne, the frames the consumer takes straight from the socket are
those it handles without awaiting, and only while it waits for its next message."""

import orjson
import pytest

from calls.media.consumer import MediaStreamConsumer

MEDIA = orjson.dumps({"event": "media", "streamSid": "MZ1", "media": {"track": "inbound", "payload": "////"}})


@pytest.fixture
def consumer():
    async def send(message):
        return None

    return MediaStreamConsumer({"type": "websocket", "path": "/ws/twilio/media/acme/"}, send)


def test_audio_is_taken_directly_while_the_consumer_waits_for_its_next_message(consumer):
    consumer.waiting = True
    assert consumer.receive_now(MEDIA) is True


def test_nothing_is_taken_directly_while_the_consumer_handles_a_message(consumer):
    consumer.waiting = False  # e.g. `start`, still setting the call up: audio waits behind it
    assert consumer.receive_now(MEDIA) is False


@pytest.mark.parametrize("event", ["connected", "start", "stop"])
def test_messages_that_need_awaiting_go_through_the_queue(consumer, event):
    consumer.waiting = True
    assert consumer.receive_now(orjson.dumps({"event": event})) is False


@pytest.mark.parametrize("data", [b"not json", b"[1, 2]", b'{"no": "event"}'])
def test_malformed_messages_go_through_the_queue_which_reports_them(consumer, data):
    consumer.waiting = True
    assert consumer.receive_now(data) is False
