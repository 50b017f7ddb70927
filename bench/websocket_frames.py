"""CPU time daphne's WebSocket layer (autobahn) spends per inbound media frame, before and after our tuning
(`config.websocket_tuning`), without sockets or an event loop: noise-free, unlike a live benchmark.

    .venv/bin/python bench/websocket_frames.py [--frames 20000]

Feeds a server protocol the bytes of masked text frames shaped as Twilio's media messages (one 20 ms frame of
mu-law each, about 330 bytes of JSON) after a real opening handshake, and prints µs per frame for autobahn as
installed, then with each change of the tuning added, best of five runs each, with the ratio to the first.
"""
import argparse
import base64
import os
import struct
import sys
import time
from pathlib import Path

import orjson
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from twisted.internet.testing import StringTransport

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from config import websocket_tuning  # noqa: E402

HANDSHAKE = (b"GET /ws/twilio/media/bench/ HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
             b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


def media_frame(sequence: int) -> bytes:
    """One client-to-server text frame, masked as a client must (RFC 6455 5.3)."""
    payload = orjson.dumps({"event": "media", "sequenceNumber": str(sequence), "streamSid": "MZ" + "0" * 32,
                            "media": {"track": "inbound", "chunk": str(sequence), "timestamp": str(sequence * 20),
                                      "payload": base64.b64encode(os.urandom(160)).decode()}})
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=20000)
    frames = [media_frame(i) for i in range(parser.parse_args().frames)]
    steps = [("autobahn as installed", None), ("+ unstyled debug arguments", websocket_tuning.quiet_debug_arguments),
             ("+ small frames unmasked here", websocket_tuning.unmask_small_frames_here)]
    first = None
    for label, change in steps:
        if change is not None:
            change()
        spent = per_frame_us(frames)
        first = first or spent
        print(f"{label:<30} {spent:6.1f} µs per inbound media frame ({spent / first:.2f}x)", flush=True)
    if Drain.received != 5 * len(steps) * len(frames):
        raise SystemExit(f"only {Drain.received} of {5 * len(steps) * len(frames)} frames reached the application")


if __name__ == "__main__":
    main()
