"""The baseline for `bench/media_streams.py`: a bare `websockets` server doing a media stream's per-frame work
and nothing else — no Django, Channels, daphne, engine, database or channel layer.

Per inbound frame, as our consumer and session do: JSON parse (orjson), base64, voice activity (Silero) and turn
detection (`calls.media.vad`). Out: the same `Player` (bursts ahead of real time, marks, pacing by their
echoes) plays a greeting of two utterances on `start` and one answer at each end of turn, with the instant
audio the bench's providers give — so the bench's callers cannot tell it from our server, and the figures
show what the platform adds on top of the work itself.

    .venv/bin/python bench/media_baseline.py PORT
"""

import asyncio
import base64
import gc
import sys
from pathlib import Path

import orjson
from websockets.asyncio.server import serve

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from agents.audio import to_telephony  # noqa: E402
from calls.media.playback import Player  # noqa: E402
from calls.media.vad import TurnDetector  # noqa: E402

# The bench flow's greeting is "Hi." then the question "Go on.", each one utterance of instant audio.
GREETING_UTTERANCES = 2


def speak(player: Player, audio: bytes, utterances: int = 1) -> None:
    response = player.new_response()
    for _ in range(utterances):
        player.add(response, "Go on.", audio)
    player.complete(response)


def sender(websocket):
    """The player's way out: a text frame written at once, as websockets' own `send` does without its coroutine."""

    def send(text: str) -> None:
        websocket.protocol.send_text(text.encode())
        websocket.send_data()

    return send


async def stream(websocket, answer: bytes) -> None:
    player = detector = None
    try:
        async for text in websocket:
            message = orjson.loads(text)
            event = message["event"]
            if event == "media":
                if detector is None:
                    continue
                mulaw = base64.b64decode(message["media"]["payload"])
                if detector.push(mulaw) == TurnDetector.END:
                    detector.take_turn()
                    speak(player, answer)
            elif event == "mark":
                player.on_mark(message["mark"]["name"])
            elif event == "start":
                player, detector = Player(sender(websocket), message["start"]["streamSid"]), TurnDetector()
                player.start()
                speak(player, answer, GREETING_UTTERANCES)
            elif event == "stop":
                return
    finally:
        if player is not None:
            await player.stop()


async def main(port: int) -> None:
    from bench.media_streams import ANSWER_MS, tone

    answer = to_telephony(tone(ANSWER_MS, hz=500))
    async with serve(lambda websocket: stream(websocket, answer), "127.0.0.1", port, compression=None) as server:
        gc.freeze()  # as the media process does (config/media_server.py)
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
