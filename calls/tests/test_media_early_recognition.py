"""Recognition starts at the caller's pause: a turn that ends there, with no speech since, uses that transcription
(the caller does not wait for recognition after the end-of-turn silence); speech after the pause, or another
expectation by the time the turn is heard, recognises the turn afresh."""

import asyncio
import concurrent.futures
import time

from agents import audio
from agents.providers.base import Expectation, Transcription
from calls.media.session import CallerAudio, expects_short_answer
from calls.tests.media_helpers import bare_session, caller_says

NAME = Expectation(classes=("name",))


class CountingSTT:
    """Hears nothing (so the engine is not asked), and keeps the audio of each recognition asked of it."""

    def __init__(self):
        self.heard: list[bytes] = []

    def transcribe(self, pcm, language=None, expect=None):
        self.heard.append(pcm.pcm)
        return Transcription("")


def frames(*pieces) -> list[bytes]:
    return [frame for piece in pieces for frame in audio.split_frames(audio.to_telephony(piece))]


def session_with(stt):
    session = bare_session(lambda text: None)
    session.speech.stt = stt
    session.idle = True
    return session


async def settled(stt: CountingSTT, count: int) -> list[bytes]:
    deadline = time.monotonic() + 10
    while len(stt.heard) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)
    return stt.heard


async def test_a_turn_that_ends_at_its_pause_is_recognised_once_from_the_pause():
    stt = CountingSTT()
    session = session_with(stt)
    for frame in frames(audio.silence(500, 8000), caller_says("Jane Doe."), audio.silence(1200, 8000)):
        session.on_media(frame)
    assert len(await settled(stt, 1)) == 1


async def test_speech_after_the_pause_has_the_whole_turn_recognised_again():
    stt = CountingSTT()
    session = session_with(stt)
    # The worker takes the second recognition once it is free; here, the turn is handed over at once.
    for frame in frames(
        audio.silence(500, 8000),
        caller_says("Jane."),
        # With the voice's own silences, a pause of about 450 ms: past PAUSE_MS, short of END_SILENCE_MS.
        audio.silence(100, 8000),
        caller_says("Jane Doe."),
        audio.silence(1200, 8000),
    ):
        session.on_media(frame)
    heard = await settled(stt, 2)
    assert len(heard) == 2 and len(heard[1]) > len(heard[0])


def test_the_early_transcription_is_the_turns_when_made_for_the_same_expectation():
    stt = CountingSTT()
    session = session_with(stt)
    early = concurrent.futures.Future()
    early.set_result(Transcription("", ms=12.0))
    heard, _ = session._hear(CallerAudio(b"\xff" * 160, early, NAME), NAME, {})
    assert heard.ms == 12.0 and stt.heard == []


def test_another_expectation_by_then_has_the_turn_recognised_again():
    stt = CountingSTT()
    session = session_with(stt)
    early = concurrent.futures.Future()
    early.set_result(Transcription("", ms=12.0))
    session._hear(CallerAudio(b"\xff" * 160, early, NAME), Expectation(classes=("yes_no",)), {})
    assert len(stt.heard) == 1


def test_which_questions_take_a_short_answer():
    assert expects_short_answer(NAME) and expects_short_answer(Expectation(phrases=("book", "ask")))
    assert not expects_short_answer(Expectation())
    assert not expects_short_answer(Expectation(phrases=("stop calling me",), classes=("digits",)))
