"""Twilio Media Streams messages (https://www.twilio.com/docs/voice/media-streams/websocket-messages).

Twilio sends `connected`, `start`, `media`, `dtmf`, `mark` and `stop`; we send `media`, `mark` and `clear`.
Media payloads are base64 8 kHz mu-law: 20 ms (160 bytes) per inbound frame; ours carry as much audio as
the player sends at once (Twilio buffers it and plays it in order).
"""

import binascii

import orjson

loads = orjson.loads


def media(stream_sid: str, mulaw: bytes) -> str:
    return orjson.dumps(
        {
            "event": "media",
            "streamSid": stream_sid,
            "media": {"payload": binascii.b2a_base64(mulaw, newline=False).decode()},
        }
    ).decode()


def mark(stream_sid: str, name: str) -> str:
    return orjson.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}}).decode()


def clear(stream_sid: str) -> str:
    return orjson.dumps({"event": "clear", "streamSid": stream_sid}).decode()


def payload(message: dict) -> bytes:
    # binascii rather than base64.b64decode, whose argument checks cost more than the decoding at 50 frames/s.
    return binascii.a2b_base64(message["media"]["payload"])
