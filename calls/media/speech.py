"""Provider work of live calls, off the event loop, and the cache of synthesized speech.

Providers block (espeak-ng, pocketsphinx) or wait on the network (hosted APIs), so they run on a thread
pool of their own and never stall the other calls of the process. The engine runs there too, inside the
call's tenant schema: its LLM requests and actions may take seconds, which would hold Channels' single
database thread (the one `tenants.channels.in_tenant` uses) for every call of the process.

Synthesized audio is cached by tenant, provider, voice, language and text, in this process and in Redis,
so what an agent always says (its greeting, its questions) is ready before the caller needs it.
"""

import asyncio
import functools
import hashlib
import re
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection
from django_tenants.utils import tenant_context

from agents import audio
from agents.providers.base import Expectation, Transcription
from config.redis import get_redis, redis_key

POOL = ThreadPoolExecutor(max_workers=settings.CALL_MEDIA_THREADS, thread_name_prefix="call-media")
# Two small pools for the ORM-heavy work of starting a stream and of storing what happened (turns, the end of
# the call): a burst of either (calls starting or ending together) on the media pool would have every thread
# running ORM code at once, each taking the GIL from the event loop that plays every call's audio in its turn.
# With a few threads, such a burst waits its turn instead, and the calls under way keep their audio. Four for
# set-up: at 200 calls starting within 2 s, the greeting's first frame came at p50 ~300 ms against ~850 with
# two, for the same turn figures. One for records, which nobody waits for: turn p99 15/20/9 ms against
# 17/32/15 with two (200 calls, three rounds each); a turn's record is ~1 ms, a call's end ~10.
SET_UP = ThreadPoolExecutor(max_workers=settings.CALL_SET_UP_THREADS, thread_name_prefix="call-set-up")
RECORDS = ThreadPoolExecutor(max_workers=settings.CALL_RECORD_THREADS, thread_name_prefix="call-records")
LOCAL_CACHE_BYTES = 64 * 1024 * 1024
SPEECH_KEY = re.compile(r"tts:[0-9a-f]{64}")
REDIS_TTL_SECONDS = 7 * 24 * 3600


async def offload(func, *args, **kwargs):
    """`func` on the media pool, back on the event loop as soon as it returns."""
    return await asyncio.get_running_loop().run_in_executor(POOL, functools.partial(func, *args, **kwargs))


def _in_schema(tenant, func, *args, **kwargs):
    """`func` in the tenant's schema, or the public one for None."""
    close_old_connections()
    try:
        with tenant_context(tenant) if tenant is not None else nullcontext():
            return func(*args, **kwargs)
    finally:
        connection.set_schema_to_public()


def _run_in(executor, tenant, func, *args, **kwargs) -> asyncio.Future:
    return asyncio.get_running_loop().run_in_executor(
        executor, functools.partial(_in_schema, tenant, func, *args, **kwargs)
    )


def start_in_tenant(tenant, func, *args, **kwargs) -> asyncio.Future:
    """`func` on the pool, inside the tenant's schema (each pool thread has its own connection), handed to the
    pool before this returns; await the future for its result."""
    return _run_in(POOL, tenant, func, *args, **kwargs)


def start_in_tenant_then(tenant, then, func, *args) -> None:
    """`func` on the pool, inside the tenant's schema; `then(done)` on the event loop as soon as it has finished
    (`done`: its concurrent future). An asyncio future would wake whoever awaits it one pass of the event loop
    later, and under load a pass is every live call's frames."""
    loop = asyncio.get_running_loop()

    def finished(done):
        if not loop.is_closed():
            loop.call_soon_threadsafe(then, done)

    POOL.submit(_in_schema, tenant, func, *args).add_done_callback(finished)


async def offload_in_tenant(tenant, func, *args, **kwargs):
    """`func` on the pool, inside the tenant's schema."""
    return await _run_in(POOL, tenant, func, *args, **kwargs)


def start_set_up(tenant, func, *args, **kwargs) -> asyncio.Future:
    """`func` on the set-up pool, inside the tenant's schema (None: the public one), handed to the pool before this
    returns; await the future for its result."""
    return _run_in(SET_UP, tenant, func, *args, **kwargs)


async def record_in_tenant(tenant, func, *args, **kwargs):
    """`func` on the records pool, inside the tenant's schema."""
    return await _run_in(RECORDS, tenant, func, *args, **kwargs)


async def record_publishing(tenant, func, *args, waits_on_network: bool = False, **kwargs):
    """As `record_in_tenant`, for work that sends to the channel layer (`async_to_sync`: a domain event on
    commit). Through asgiref, those sends run on this process's event loop and Redis connections rather than
    on a new loop with a new connection each. Work that `waits_on_network` (a provider's API, which may take
    seconds) goes to the media pool instead: on the records pool it would hold up the records of every other
    call meanwhile, and waiting takes no GIL."""
    executor = POOL if waits_on_network else RECORDS
    return await sync_to_async(_in_schema, thread_sensitive=False, executor=executor)(tenant, func, *args, **kwargs)


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
        cached = stored_audio(key)
        if cached is not None:
            return cached, 0.0
        started = time.perf_counter()
        mulaw = audio.to_telephony(self.tts.synthesize(text, voice=self.voice, language=self.language))
        elapsed = (time.perf_counter() - started) * 1000
        _LOCAL.put(key, mulaw)
        get_redis().set(redis_key(key), mulaw, ex=REDIS_TTL_SECONDS)
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
