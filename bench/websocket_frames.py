"""CPU time daphne's WebSocket layer (autobahn) spends per inbound media frame, before and after our tuning
(`config.websocket_tuning`), without sockets or an event loop: noise-free, unlike a live benchmark.

    .venv/bin/python bench/websocket_frames.py [--frames 20000]

Feeds a server protocol the bytes of masked text frames shaped as Twilio's media messages (one 20 ms frame of
mu-law each, about 330 bytes of JSON) after a real opening handshake, and prints µs per frame for autobahn as
installed, then with each change of the tuning added, best of five runs each, with the ratio to the first;
alone, and beside a thread busy with Python code, as the media pool's threads are during a turn (the engine,
the ORM). Beside it, every release of the GIL (a call into C through CFFI) costs a wait for the interpreter
when the two threads run on different cores, as a server's do (run it under `taskset -c 0` to see one core's
case, where the thread only takes its share of the core).
"""

import argparse
import base64
import os
import struct
import sys
import threading
import time
from pathlib import Path

import orjson
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from twisted.internet.testing import StringTransport

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from config import websocket_tuning  # noqa: E402

HANDSHAKE = (
    b"GET /ws/twilio/media/bench/ HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
    b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


def media_frame(sequence: int) -> bytes:
    """One client-to-server text frame, masked as a client must (RFC 6455 5.3)."""
    payload = orjson.dumps(
        {
            "event": "media",
            "sequenceNumber": str(sequence),
            "streamSid": "MZ" + "0" * 32,
            "media": {
                "track": "inbound",
                "chunk": str(sequence),
                "timestamp": str(sequence * 20),
                "payload": base64.b64encode(os.urandom(160)).decode(),
            },
        }
    )
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    return struct.pack("!BBH", 0x81, 0x80 | 126, len(payload)) + mask + masked


class Drain(WebSocketServerProtocol):
    received = 0

    def onMessage(self, payload, isBinary):
        Drain.received += 1


def per_frame_us(frames: list[bytes]) -> float:
    best = float("inf")
    for _ in range(5):
        factory = WebSocketServerFactory("ws://localhost")
        factory.protocol = Drain
        protocol = factory.buildProtocol(None)
        protocol.makeConnection(StringTransport())
        protocol.dataReceived(HANDSHAKE)
        started = time.perf_counter()
        for frame in frames:
            protocol.dataReceived(frame)
        best = min(best, time.perf_counter() - started)
    return best / len(frames) * 1e6


class BusyThread:
    """A thread running Python code until the block ends, as a pool thread working out a turn."""

    def __enter__(self):
        self.stop = False
        self.thread = threading.Thread(target=self._spin)
        self.thread.start()
        return self

    def _spin(self):
        while not self.stop:
            sum(range(1000))

    def __exit__(self, *exc):
        self.stop = True
        self.thread.join()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=10000)
    frames = [media_frame(i) for i in range(parser.parse_args().frames)]
    steps = [
        ("autobahn as installed", None),
        ("+ unstyled debug arguments", websocket_tuning.quiet_debug_arguments),
        ("+ small frames unmasked here", websocket_tuning.unmask_small_frames_here),
        ("+ whole small frames in one step", websocket_tuning.take_whole_small_frames),
    ]
    # As config/asgi.py sets it for the server.
    sys.setswitchinterval(0.001)
    print(f"{'µs per inbound media frame':<34} {'alone':>14} {'beside a busy thread':>22}")
    first = None
    for label, change in steps:
        if change is not None:
            change()
        alone = per_frame_us(frames)
        with BusyThread():
            busy = per_frame_us(frames)
        first = first or (alone, busy)
        print(f"{label:<34} {alone:6.1f} ({alone / first[0]:.2f}x) {busy:12.1f} ({busy / first[1]:.2f}x)", flush=True)
    if Drain.received != 10 * len(steps) * len(frames):
        raise SystemExit(f"only {Drain.received} of {10 * len(steps) * len(frames)} frames reached the application")


if __name__ == "__main__":
    main()
