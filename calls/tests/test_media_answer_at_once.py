"""An answer starts playing as soon as the pool has heard the caller, on the event loop, in the same step that
hands the hearing back (before the call's worker takes it up), when all its audio is at hand; otherwise the
worker synthesizes it as before."""

import asyncio
import threading
from concurrent.futures import Future

import orjson
import pytest
from django.db import connection

from agents.engine.types import EngineResult
from agents.providers.base import Transcription
from calls.media.pools import start_in_tenant_then
from calls.media.session import CallSession
from calls.media.speech import _LOCAL
from calls.tests.media_helpers import bare_session

ANSWER = "Go on."


def session(sent: list, *, muted: bool = False, schema: str = "answer_at_once") -> CallSession:
    return bare_session(lambda text: sent.append(orjson.loads(text)), muted=muted, schema=schema)


def hearing_done(text: str = "I want to book") -> Future:
    done = Future()
    done.set_result((Transcription(text), EngineResult(utterances=[ANSWER])))
    return done


async def test_an_answer_whose_audio_is_cached_plays_as_soon_as_the_caller_is_heard():
    sent = []
    call = session(sent)
    _LOCAL.put(call.speech.key(ANSWER), b"\xff" * 1600)
    hearing = asyncio.get_running_loop().create_future()

    call._answer_ready(hearing, hearing_done())

    heard, result, playing = hearing.result()
    assert playing is not None and playing.first_frame_at is not None
    assert sent[0]["event"] == "media"


async def test_an_answer_still_to_synthesize_is_left_to_the_worker():
    sent = []
    call = session(sent, schema="answer_not_cached")
    hearing = asyncio.get_running_loop().create_future()

    call._answer_ready(hearing, hearing_done())

    assert hearing.result()[2] is None and sent == []


async def test_a_muted_agent_does_not_start_an_answer():
    sent = []
    call = session(sent, muted=True)
    _LOCAL.put(call.speech.key(ANSWER), b"\xff" * 1600)
    hearing = asyncio.get_running_loop().create_future()

    call._answer_ready(hearing, hearing_done())

    assert hearing.result()[2] is None and sent == []


async def test_a_hearing_nobody_waits_for_any_more_starts_nothing():
    sent = []
    call = session(sent)
    _LOCAL.put(call.speech.key(ANSWER), b"\xff" * 1600)
    hearing = asyncio.get_running_loop().create_future()
    hearing.cancel()

    call._answer_ready(hearing, hearing_done())

    assert sent == []


async def test_a_failed_hearing_reaches_the_worker_as_its_error():
    call = session([])
    hearing = asyncio.get_running_loop().create_future()
    done = Future()
    done.set_exception(RuntimeError("engine failed"))

    call._answer_ready(hearing, done)

    assert isinstance(hearing.exception(), RuntimeError)


@pytest.mark.django_db
async def test_the_pool_hands_its_work_back_on_the_event_loop(acme):
    loop_thread = threading.current_thread()
    handed = asyncio.get_running_loop().create_future()

    start_in_tenant_then(
        acme,
        lambda done: handed.set_result((threading.current_thread(), done)),
        lambda: (threading.current_thread().name, connection.schema_name),
    )

    then_thread, done = await asyncio.wait_for(handed, 10)
    assert then_thread is loop_thread
    pool_thread, schema = done.result()
    assert pool_thread.startswith("call-media") and schema == acme.schema_name
