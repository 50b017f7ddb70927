"""An answer is synthesized and played sentence by sentence: the caller hears the first sentence while the next
is being synthesized."""

import uuid

import orjson

from agents.providers.base import Audio
from calls.media.speech import pieces, sentences
from calls.tests.media_helpers import bare_session

ANSWER = "Sure. May I have the patient's full name?"


class CountingVoice:
    """A TTS that notes, for each text, how many media messages had gone to Twilio before it was asked."""

    def __init__(self, sent: list):
        self.sent, self.asked = sent, []

    def synthesize(self, text, *, voice="", language="en-US"):
        self.asked.append((text, sum(message["event"] == "media" for message in self.sent)))
        return Audio(b"\x00\x10" * 8000, 8000)


def session_with_voice():
    sent = []
    # A schema of its own per test: nothing is in the speech cache for it yet.
    call = bare_session(lambda text: sent.append(orjson.loads(text)), schema=f"sentences_{uuid.uuid4().hex[:8]}")
    call.speech.tts = CountingVoice(sent)
    call.player.start()
    return call


async def test_the_first_sentence_is_playing_before_the_second_is_synthesized():
    call = session_with_voice()

    await call._speak([ANSWER])

    assert call.speech.tts.asked[0] == ("Sure.", 0)
    assert call.speech.tts.asked[1][0] == "May I have the patient's full name?"
    assert call.speech.tts.asked[1][1] > 0
    await call.player.stop()


async def test_the_answer_keeps_its_words_one_segment_per_sentence():
    call = session_with_voice()

    response = await call._speak([ANSWER, "Take your time."])

    assert [segment.text for segment in response.segments] == [*pieces(ANSWER), "Take your time."]
    assert response.text == f"{ANSWER} Take your time."
    await call.player.stop()


async def test_the_synthesis_before_the_first_audio_is_timed_apart_from_the_whole():
    call = session_with_voice()

    response = await call._speak([ANSWER])

    assert 0 < response.first_synthesis_ms < response.synthesis_ms
    await call.player.stop()


async def test_sentences_said_before_come_from_the_cache_without_synthesis():
    call = session_with_voice()
    await call._speak([ANSWER])
    call.speech.tts.asked.clear()

    assert call._speak_at_once([ANSWER]) is not None
    assert call.speech.tts.asked == []
    await call.player.stop()


def test_sentences_end_at_full_stops_questions_and_exclamations_but_not_after_titles():
    assert sentences("Hello!  How are you? Dr. Smith sees you at 10 a.m. on Tuesday. 3 slots left.") == [
        "Hello!",
        "How are you?",
        "Dr. Smith sees you at 10 a.m. on Tuesday.",
        "3 slots left.",
    ]


def test_text_without_a_sentence_end_is_one_sentence_and_blank_text_none():
    assert sentences("  the 3.5 mile walk  ") == ["the 3.5 mile walk"]
    assert sentences("  ") == []


def test_a_short_opening_clause_is_said_apart_so_the_first_audio_comes_sooner():
    assert pieces("Thank you, Jane Doe. What is the visit for?") == [
        "Thank you,",
        "Jane Doe.",
        "What is the visit for?",
    ]
    assert pieces("Sorry, I didn't quite catch that.") == ["Sorry,", "I didn't quite catch that."]


def test_a_sentence_without_a_short_opening_clause_is_said_whole():
    assert pieces("Sure. May I have the patient's full name?") == ["Sure.", "May I have the patient's full name?"]
    assert pieces("We accept Delta Dental, Aetna and Cigna.") == ["We accept Delta Dental, Aetna and Cigna."]
    assert pieces("It costs 1,000 dollars.") == ["It costs 1,000 dollars."]
    assert pieces("") == []


async def test_the_opening_clause_is_playing_before_the_rest_of_its_sentence_is_synthesized():
    call = session_with_voice()

    response = await call._speak(["Thank you, Jane Doe. What is the visit for?"])

    assert [text for text, _ in call.speech.tts.asked[:2]] == ["Thank you,", "Jane Doe."]
    assert call.speech.tts.asked[1][1] > 0
    assert response.text == "Thank you, Jane Doe. What is the visit for?"
    await call.player.stop()
