"""Twilio Media Streams messages (https://www.twilio.com/docs/voice/media-streams/websocket-messages).

Twilio sends `connected`, `start`, `media`, `dtmf`, `mark` and `stop`; we send `media`, `mark` and `clear`.
Media payloads are base64 8 kHz mu-law, 20 ms (160 bytes) per inbound frame.
"""
import base64

import orjson

loads = orjson.loads


def media(stream_sid: str, mulaw: bytes) -> str:
    return orjson.dumps({"event": "media", "streamSid": stream_sid,
                         "media": {"payload": base64.b64encode(mulaw).decode()}}).decode()


def mark(stream_sid: str, name: str) -> str:
    return orjson.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}}).decode()


def clear(stream_sid: str) -> str:
    return orjson.dumps({"event": "clear", "streamSid": stream_sid}).decode()


def payload(message: dict) -> bytes:
    return base64.b64decode(message["media"]["payload"])
