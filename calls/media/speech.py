"""A live call's speech (STT and TTS, run on the media pool: `pools`) and the cache of synthesized speech.

Synthesized audio is cached by tenant, provider, voice, language and text, in this process and in Redis,
so what an agent always says (its greeting, its questions) is ready before the caller needs it.
"""

import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict

from redis import RedisError

from agents import audio
from agents.providers import registry
from agents.providers.base import Expectation, Transcription
from config.redis import get_redis, redis_key

LOCAL_CACHE_BYTES = 64 * 1024 * 1024
# A sentence ends at ., ! or ? before the next one's capital, digit or quote; not after a title ("Dr. Smith").
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'])")
_TITLES = ("Dr.", "Mr.", "Mrs.", "Ms.", "St.", "Mt.", "Prof.")
SPEECH_KEY = re.compile(r"tts:[0-9a-f]{64}")
# An opening clause of up to three words before a comma ("Thank you, Jane Doe."), said apart (`pieces`).
_OPENING_CLAUSE = re.compile(r"((?:\S+ ){0,2}\S+,)\s+(?=\S)")
REDIS_TTL_SECONDS = 7 * 24 * 3600

log = logging.getLogger(__name__)


class _LocalCache:
    def __init__(self, limit: int):
        self.limit, self.size = limit, 0
        self.items: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key: str, value: bytes) -> None:
        with self.lock:
            if key in self.items:
                return
            self.items[key] = value
            self.size += len(value)
            while self.size > self.limit and self.items:
                self.size -= len(self.items.popitem(last=False)[1])


_LOCAL = _LocalCache(LOCAL_CACHE_BYTES)


def prepare_speech() -> None:
    """The default STT's model and TTS voice loaded (and checked) now, not at the first caller's first words."""
    registry.prepare("stt", registry.default("stt"))
    registry.prepare("tts", registry.default("tts"))


def sentences(text: str) -> list[str]:
    """`text` cut into sentences, each synthesized and played as soon as it is ready: the caller hears the first
    while the next is being synthesized."""
    pieces: list[str] = []
    for piece in _SENTENCE_END.split(text.strip()):
        if pieces and pieces[-1].endswith(_TITLES):
            pieces[-1] += " " + piece
        elif piece:
            pieces.append(piece)
    return pieces


def pieces(text: str) -> list[str]:
    """`sentences`, the first cut after a short opening clause: the clause ("Thank you,", "Of course,", the same on
    every call, so usually cached) is quick to synthesize and plays while the rest is synthesized."""
    found = sentences(text)
    opening = _OPENING_CLAUSE.match(found[0]) if found else None
    if opening:
        found[:1] = [opening.group(1), found[0][opening.end() :]]
    return found


class Speech:
    """One call's STT and TTS: 8 kHz mu-law in and out."""

    def __init__(self, *, schema: str, stt, tts, tts_name: str, voice: str, language: str):
        self.stt, self.tts = stt, tts
        self.voice, self.language = voice, language
        self._prefix = f"{schema}|{tts_name}|{voice}|{language}|"

    def transcribe(self, mulaw: bytes, expect: Expectation | None) -> Transcription:
        return self.stt.transcribe(audio.from_telephony(mulaw), language=self.language, expect=expect)

    def key(self, text: str) -> str:
        """Where the audio of `text` in this voice is cached (opaque; unique to the tenant, provider and voice)."""
        return "tts:" + hashlib.sha256((self._prefix + text).encode()).hexdigest()

    def synthesize(self, text: str) -> tuple[bytes, float]:
        """(mu-law audio, milliseconds spent synthesizing: 0 when cached)."""
        key = self.key(text)
        # Redis only shares the audio between processes: while it is down (restarting), the call goes on with
        # this process's own cache and fresh synthesis.
        try:
            cached = stored_audio(key)
        except RedisError as exc:
            log.warning("speech cache: Redis could not be read (%s); synthesizing", exc)
            cached = _LOCAL.get(key)
        if cached is not None:
            return cached, 0.0
        started = time.perf_counter()
        mulaw = audio.to_telephony(self.tts.synthesize(text, voice=self.voice, language=self.language))
        elapsed = (time.perf_counter() - started) * 1000
        _LOCAL.put(key, mulaw)
        try:
            get_redis().set(redis_key(key), mulaw, ex=REDIS_TTL_SECONDS)
        except RedisError as exc:
            log.warning("speech cache: Redis could not be written (%s)", exc)
        return mulaw, elapsed

    def cached(self, text: str) -> bytes | None:
        """The audio if this process has it (no I/O: safe on the event loop)."""
        return cached_audio(self.key(text))


def cached_audio(key: str) -> bytes | None:
    """The audio cached under `key` (`Speech.key`) if this process has it (no I/O: safe on the event loop)."""
    return _LOCAL.get(key) if SPEECH_KEY.fullmatch(key) else None


def stored_audio(key: str) -> bytes | None:
    """The audio cached under `key` in this process or in Redis (blocking: on a pool). A key from outside
    (a stream's parameters) reads nothing but synthesized speech."""
    if not SPEECH_KEY.fullmatch(key):
        return None
    found = _LOCAL.get(key)
    if found is None:
        found = get_redis().get(redis_key(key))
        if found is not None:
            _LOCAL.put(key, found)
    return found
