"""Turn detection with Silero VAD on the caller's 8 kHz mu-law frames: speech starts and ends a turn, silence and
line noise never do."""

import math
import random
import struct

from agents import audio
from agents.providers.base import Audio
from calls.media.vad import END_SILENCE_MS, PAUSE_MS, SHORT_END_SILENCE_MS, TurnDetector
from calls.tests.media_helpers import caller_says

FRAME = audio.FRAME_MS


def frames_of(pcm_audio: Audio) -> list[bytes]:
    return audio.split_frames(audio.to_telephony(pcm_audio))


def quiet(ms: int) -> list[bytes]:
    return frames_of(audio.silence(ms, 8000))


def hiss(ms: int, level: float = 800) -> list[bytes]:
    rng = random.Random(7)
    count = 8 * ms
    return frames_of(Audio(struct.pack(f"<{count}h", *(int(rng.gauss(0, level)) for _ in range(count))), 8000))


def hum(ms: int) -> list[bytes]:
    count = 8 * ms
    samples = (
        int(3000 * math.sin(2 * math.pi * 60 * i / 8000) + 1500 * math.sin(2 * math.pi * 180 * i / 8000))
        for i in range(count)
    )
    return frames_of(Audio(struct.pack(f"<{count}h", *samples), 8000))


def loud_frames(frames: list[bytes]) -> list[int]:
    return [number for number, frame in enumerate(frames) if audio.mulaw_rms(frame) > 300]


def signals(detector: TurnDetector, frames: list[bytes], pauses: bool = False) -> list[tuple[int, str]]:
    """Where the detector says a turn starts and ends (and where the caller pauses, if asked)."""
    found = [(number, signal) for number, frame in enumerate(frames) if (signal := detector.push(frame)) is not None]
    return [(number, signal) for number, signal in found if pauses or signal is not TurnDetector.PAUSE]


def test_a_sentence_is_one_turn_from_its_start_to_the_silence_after_it():
    speech = frames_of(caller_says("I would like to book an appointment for next Tuesday."))
    detector = TurnDetector()

    found = signals(detector, quiet(1000) + speech + quiet(1500))

    assert [signal for _, signal in found] == [TurnDetector.SPEECH, TurnDetector.END]
    (started, _), (ended, _) = found
    lead = 1000 // FRAME
    onset, last_word = lead + loud_frames(speech)[0], lead + loud_frames(speech)[-1]
    assert onset <= started <= onset + 200 // FRAME
    assert last_word + END_SILENCE_MS // FRAME <= ended <= last_word + (END_SILENCE_MS + 300) // FRAME
    turn_frames = len(detector.take_turn()) // audio.MULAW_FRAME_BYTES
    # The speech, from a little before its first word to its last, without the silence that ended it.
    assert last_word - onset <= turn_frames <= last_word - onset + 600 // FRAME


def test_a_short_pause_between_sentences_does_not_end_the_turn():
    first, second = caller_says("My name is Jane Doe."), caller_says("I am a new patient.")
    detector = TurnDetector()

    found = signals(detector, frames_of(first) + quiet(300) + frames_of(second) + quiet(1500))

    assert [signal for _, signal in found] == [TurnDetector.SPEECH, TurnDetector.END]


def test_silence_is_never_speech():
    assert signals(TurnDetector(), quiet(5000)) == []


def test_line_noise_is_never_speech():
    assert signals(TurnDetector(), hiss(5000)) == []


def test_mains_hum_is_never_speech():
    assert signals(TurnDetector(), hum(5000)) == []


def test_speech_over_line_noise_is_still_found():
    speech = frames_of(caller_says("Yes, that works for me."))
    noisy = [
        audio.pcm_to_mulaw(audio.mix(audio.mulaw_to_pcm(frame), audio.mulaw_to_pcm(noise)))
        for frame, noise in zip(speech, hiss(len(speech) * FRAME, level=300))
    ]

    found = signals(TurnDetector(), hiss(1000, level=300) + noisy + hiss(1500, level=300))

    assert [signal for _, signal in found] == [TurnDetector.SPEECH, TurnDetector.END]


def test_after_a_reset_a_turn_in_progress_is_forgotten():
    detector = TurnDetector()
    signals(detector, frames_of(caller_says("Hello there, I would like")))

    detector.reset()

    assert signals(detector, quiet(1500)) == []
    assert detector.take_turn() == b""


def test_a_pause_is_said_once_and_the_turn_so_far_is_the_turn_if_it_ends_there():
    speech = frames_of(caller_says("Jane Doe."))
    detector = TurnDetector()
    so_far = None
    found = []
    for number, frame in enumerate(quiet(500) + speech + quiet(1500)):
        signal = detector.push(frame)
        if signal is TurnDetector.PAUSE:
            so_far = detector.turn_so_far()
        if signal is not None:
            found.append((number, signal))

    assert [signal for _, signal in found] == [TurnDetector.SPEECH, TurnDetector.PAUSE, TurnDetector.END]
    assert found[2][0] - found[1][0] == (END_SILENCE_MS - PAUSE_MS) // FRAME
    assert so_far and so_far == detector.take_turn()


def test_after_a_question_for_a_short_answer_the_turn_ends_on_a_shorter_silence():
    speech = frames_of(caller_says("Jane Doe."))
    detector = TurnDetector()
    detector.expect_short_answer(True)

    found = signals(detector, quiet(500) + speech + quiet(1500))

    assert [signal for _, signal in found] == [TurnDetector.SPEECH, TurnDetector.END]
    last_word = 500 // FRAME + loud_frames(speech)[-1]
    assert last_word + SHORT_END_SILENCE_MS // FRAME <= found[1][0] < last_word + END_SILENCE_MS // FRAME


def test_a_short_answer_with_a_pause_in_it_is_still_one_turn():
    detector = TurnDetector()
    detector.expect_short_answer(True)

    second = frames_of(caller_says("at ten."))
    # About 300 ms between the words: the voice's own trailing silence, the pause, none before "at".
    found = signals(
        detector, frames_of(caller_says("Tuesday,")) + quiet(200) + second[loud_frames(second)[0] :] + quiet(1500)
    )

    assert [signal for _, signal in found] == [TurnDetector.SPEECH, TurnDetector.END]


def test_an_open_question_keeps_the_full_end_of_turn_silence():
    speech = frames_of(caller_says("Jane Doe."))
    detector = TurnDetector()
    detector.expect_short_answer(False)

    (_, _), (ended, _) = signals(detector, quiet(500) + speech + quiet(1500))

    assert ended >= 500 // FRAME + loud_frames(speech)[-1] + END_SILENCE_MS // FRAME
