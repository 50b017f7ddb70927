import pytest

from agents import audio
from agents.providers.base import ProviderError
from agents.providers.espeak import EspeakTTS, voices


def test_speech_lasts_about_as_long_as_the_sentence_takes_to_say():
    speech = EspeakTTS().synthesize("Your appointment is confirmed for Monday at ten thirty.", voice="en-us")

    # Nine words at espeak-ng's 160 words per minute: roughly three seconds.
    assert 1800 < speech.duration_ms < 5000
    assert audio.rms(speech.pcm) > 500


def test_longer_text_gives_longer_speech():
    tts = EspeakTTS()

    assert tts.synthesize("Hello there, how can I help you today?").duration_ms > tts.synthesize("Hi.").duration_ms


def test_sample_rate_option_gives_telephony_rate_audio():
    speech = EspeakTTS(sample_rate=8000).synthesize("Hello.")

    assert speech.sample_rate == 8000
    assert speech.duration_ms > 200


def test_a_variant_voice_sounds_different_from_the_plain_one():
    tts = EspeakTTS()

    assert tts.synthesize("Hello.", voice="en-us+f3").pcm != tts.synthesize("Hello.", voice="en-us").pcm


def test_voice_defaults_to_the_language_and_falls_back_to_its_base_language():
    tts = EspeakTTS()

    assert tts.synthesize("Hola.", language="es-MX").pcm == tts.synthesize("Hola.", voice="es").pcm


def test_text_that_looks_like_a_command_line_option_is_spoken_not_obeyed():
    speech = EspeakTTS().synthesize("--version")

    assert speech.duration_ms > 200


def test_blank_text_gives_empty_audio():
    assert EspeakTTS().synthesize("   ").pcm == b""


def test_unknown_voice_is_a_provider_error():
    with pytest.raises(ProviderError, match="voice"):
        EspeakTTS().synthesize("Hello.", voice="xx-nowhere")


def test_language_without_a_voice_is_a_provider_error():
    with pytest.raises(ProviderError, match="language"):
        EspeakTTS().synthesize("Hello.", language="tlh-KL")


def test_voices_lists_installed_english_voices_with_variants():
    english = voices("en")

    assert {"en-us", "en-gb", "en-us+f3"} <= set(english)
    assert all(voice.startswith("en") for voice in english)
