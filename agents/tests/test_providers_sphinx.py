"""Round trips through the telephone line: espeak-ng speech → 8 kHz mu-law and back → pocketsphinx."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from agents import audio
from agents.providers.base import Audio, Expectation, ProviderError
from agents.providers.espeak import EspeakTTS
from agents.providers.sphinx import PocketsphinxSTT

YES_NO = Expectation(classes=("yes_no",))
MENU = Expectation(phrases=("Book an appointment", "Cancel my appointment", "Speak to a person"))


def over_the_phone(text, voice="en-us"):
    speech = EspeakTTS(sample_rate=8000).synthesize(text, voice=voice)
    return audio.from_telephony(audio.to_telephony(speech))


@pytest.mark.parametrize("voice", ["en-us", "en-gb", "en-us+f3"])
def test_yes_and_no_are_recognised_in_several_voices(voice):
    stt = PocketsphinxSTT()

    assert stt.transcribe(over_the_phone("yes", voice), expect=YES_NO).text == "yes"
    assert stt.transcribe(over_the_phone("no", voice), expect=YES_NO).text == "no"


@pytest.mark.parametrize("voice", ["en-us", "en-us+f3"])
def test_an_option_from_a_list_is_recognised_as_the_normalised_phrase(voice):
    result = PocketsphinxSTT().transcribe(over_the_phone("Cancel my appointment", voice), expect=MENU)

    assert result.text == "cancel my appointment"
    assert 0 < result.confidence <= 1


def test_digits_are_recognised_as_words():
    result = PocketsphinxSTT().transcribe(over_the_phone("1 2 3 4", "en-gb"), expect=Expectation(classes=("digits",)))

    assert result.text == "one two three four"


@pytest.mark.parametrize(("spoken", "voice"), [("three p m", "en-us"), ("half past two", "en-us+f3")])
def test_a_time_is_recognised(spoken, voice):
    result = PocketsphinxSTT().transcribe(over_the_phone(spoken, voice), expect=Expectation(classes=("time",)))

    assert result.text == spoken


def test_a_date_is_recognised_among_dates_and_times():
    expect = Expectation(classes=("date", "time"))

    assert PocketsphinxSTT().transcribe(over_the_phone("March 5th", "en-us+m3"), expect=expect).text == "march fifth"


def test_open_vocabulary_returns_some_text():
    result = PocketsphinxSTT().transcribe(over_the_phone("I would like to book an appointment for tomorrow"))

    assert "appointment" in result.text.split() or len(result.text.split()) >= 3


def test_results_repeat_for_the_same_audio():
    speech = over_the_phone("Speak to a person")
    stt = PocketsphinxSTT()

    first, second = stt.transcribe(speech, expect=MENU), stt.transcribe(speech, expect=MENU)

    assert (first.text, first.confidence) == (second.text, second.confidence)


def test_transcriptions_from_several_threads_at_once_do_not_interfere():
    answers = {"yes": over_the_phone("yes"), "cancel my appointment": over_the_phone("Cancel my appointment")}
    jobs = [(expected, speech) for expected, speech in answers.items()] * 3
    stt = PocketsphinxSTT()

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(
            pool.map(
                lambda job: stt.transcribe(job[1], expect=Expectation(phrases=MENU.phrases, classes=("yes_no",))).text,
                jobs,
            )
        )

    assert results == [expected for expected, _ in jobs]


def test_empty_audio_gives_empty_text():
    assert PocketsphinxSTT().transcribe(Audio(b"", 8000), expect=YES_NO).text == ""


def test_an_unknown_expectation_class_is_a_provider_error():
    with pytest.raises(ProviderError, match="colour"):
        PocketsphinxSTT().transcribe(over_the_phone("red"), expect=Expectation(classes=("colour",)))


def test_a_language_other_than_english_is_a_provider_error():
    with pytest.raises(ProviderError, match="English"):
        PocketsphinxSTT().transcribe(over_the_phone("hola"), language="es-ES")


def test_an_expectation_built_with_lists_works_like_one_built_with_tuples():
    expect = Expectation(phrases=["Book an appointment", "Speak to a person"], classes=["yes_no"])

    assert PocketsphinxSTT().transcribe(over_the_phone("yes"), expect=expect).text == "yes"
