import pytest

from agents.providers.base import ProviderError
from agents.providers.flite import FliteTTS, voices


def test_speech_comes_at_the_sample_rate_asked_for():
    speech = FliteTTS(sample_rate=8000).synthesize("Hello, I would like to book an appointment.")

    assert speech.sample_rate == 8000
    assert 1500 < speech.duration_ms < 5000


def test_text_that_looks_like_an_option_is_spoken_not_obeyed():
    assert FliteTTS().synthesize("-voice slt").duration_ms > 300


def test_voices_are_offered_for_english_only():
    assert "slt" in voices("en-US") and "awb_time" not in voices("en-US")
    assert voices("es-ES") == []


def test_an_unknown_voice_is_refused():
    with pytest.raises(ProviderError, match="Unknown flite voice 'nobody'"):
        FliteTTS().synthesize("Hello.", voice="nobody")


def test_another_language_is_refused():
    with pytest.raises(ProviderError, match="English"):
        FliteTTS().synthesize("Hola.", language="es-ES")
