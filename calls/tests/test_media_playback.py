"""Agent audio out: bursts of audio, one `media` message each, followed by a mark, never far ahead of the caller."""

import base64

import orjson

from agents.audio import MULAW_RATE
from calls.media.playback import BURST_MS, LEAD_MS, Player

BYTES_PER_MS = MULAW_RATE // 1000


class Line:
    """What the player sent to Twilio, decoded."""

    def __init__(self):
        self.messages = []

    def send(self, text: str) -> None:
        self.messages.append(orjson.loads(text))

    def audio_ms(self) -> list[int]:
        return [
            len(base64.b64decode(message["media"]["payload"])) // BYTES_PER_MS
            for message in self.messages
            if message["event"] == "media"
        ]


def answer(player: Player, ms: int) -> None:
    response = player.new_response()
    player.add(response, "Go on.", b"\x10" * (ms * BYTES_PER_MS))
    player.complete(response)


async def test_each_burst_is_one_media_message_followed_by_a_mark():
    line = Line()
    player = Player(line.send, "MZ1", clock=lambda: 0.0)
    answer(player, 1000)
    player.send_now()
    events = [message["event"] for message in line.messages]
    assert events[:2] == ["media", "mark"]
    assert line.audio_ms()[0] == BURST_MS


async def test_no_more_than_the_lead_is_sent_before_twilio_plays_any_of_it():
    line = Line()
    player = Player(line.send, "MZ1", clock=lambda: 0.0)
    answer(player, 3000)
    player.send_now()
    assert sum(line.audio_ms()) == LEAD_MS
    assert line.messages[-1]["event"] == "mark"


async def test_a_short_answer_goes_out_whole_in_one_message_without_padding():
    line = Line()
    player = Player(line.send, "MZ1", clock=lambda: 0.0)
    answer(player, 130)
    player.send_now()
    assert line.audio_ms() == [130]
    assert [message["event"] for message in line.messages] == ["media", "mark", "mark"]
    assert line.messages[-1]["mark"]["name"].endswith(".end")
