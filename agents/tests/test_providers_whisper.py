"""Offline Whisper: phone audio (8 kHz mu-law) → 16 kHz → the bundled tiny.en model, verified before it loads."""

import hashlib

import numpy
import pytest

from agents import audio
from agents.providers import registry, whisper
from agents.providers.base import Audio, Expectation, ProviderError
from agents.providers.espeak import EspeakTTS
from agents.providers.whisper import ModelMismatch, WhisperSTT

MENU = Expectation(phrases=("Book an appointment", "Cancel my appointment", "Speak to a person"))


def over_the_phone(text, voice="en-us+m3"):
    return audio.from_telephony(audio.to_telephony(EspeakTTS(sample_rate=8000).synthesize(text, voice=voice)))


@pytest.fixture
def own_model(settings, tmp_path):
    """An operator's model directory holding a `model.bin`; returns the file's sha256."""
    (tmp_path / "model.bin").write_bytes(b"not really a model")
    settings.STT_WHISPER_MODEL_DIR = str(tmp_path)
    return hashlib.sha256(b"not really a model").hexdigest()


def test_a_sentence_over_the_phone_is_transcribed_and_matched_to_the_options():
    stt = registry.build("stt", registry.default("stt"))

    result = stt.transcribe(over_the_phone("I would like to cancel my appointment please"), expect=MENU)

    assert result.text == "cancel my appointment"
    assert 0 < result.confidence <= 1


def test_silence_and_line_noise_give_no_text():
    noise = numpy.random.default_rng(1).normal(0, 300, 16000).astype("<i2").tobytes()

    assert WhisperSTT().transcribe(audio.silence(2000, 8000)).text == ""
    assert WhisperSTT().transcribe(audio.from_telephony(audio.pcm_to_mulaw(noise))).text == ""


def test_the_bundled_model_is_the_one_whose_hash_the_code_names():
    config = whisper.configured_model()

    assert config.sha256 == whisper.MODEL_SHA256
    whisper.verify(config)


def test_a_model_file_with_another_hash_is_refused_naming_the_file_and_both_hashes(own_model, settings):
    settings.STT_WHISPER_MODEL_SHA256 = "0" * 64
    config = whisper.configured_model()

    with pytest.raises(ModelMismatch) as refused:
        whisper.load(config)

    assert str(config.directory / "model.bin") in str(refused.value)
    assert own_model in str(refused.value) and "0" * 64 in str(refused.value)


def test_a_model_file_that_is_missing_is_refused(own_model, settings, tmp_path):
    settings.STT_WHISPER_MODEL_SHA256 = own_model
    (tmp_path / "model.bin").unlink()

    with pytest.raises(ProviderError, match="does not exist"):
        whisper.load(whisper.configured_model())


def test_an_own_model_directory_needs_its_hash(own_model):
    with pytest.raises(ProviderError, match="STT_WHISPER_MODEL_SHA256"):
        whisper.configured_model()


def test_an_own_model_directory_with_its_hash_is_used(own_model, settings, tmp_path):
    settings.STT_WHISPER_MODEL_SHA256 = own_model.upper()

    config = whisper.configured_model()

    assert config.directory == tmp_path and config.sha256 == own_model
    whisper.verify(config)


def test_phone_audio_is_resampled_to_16_khz_for_whisper():
    tone = numpy.sin(2 * numpy.pi * 440 * numpy.arange(8000) / 8000) * 8000

    samples = whisper.samples(Audio(tone.astype("<i2").tobytes(), 8000))

    assert samples.dtype == numpy.float32 and abs(len(samples) - 16000) <= 1
    spectrum = numpy.abs(numpy.fft.rfft(samples))
    assert numpy.argmax(spectrum) == 440  # one-second window: bin = Hz
    assert 0.2 < numpy.abs(samples).max() < 0.3


def test_other_languages_are_refused():
    with pytest.raises(ProviderError, match="English"):
        WhisperSTT().transcribe(over_the_phone("hola"), language="es-ES")


def test_no_audio_is_no_text():
    assert WhisperSTT().transcribe(Audio(b"", 8000)).text == ""


def test_the_beam_size_option_is_checked():
    with pytest.raises(registry.ProviderConfigError) as refused:
        registry.build("stt", "whisper", {}, {"beam_size": 9})

    assert refused.value.field == "options.beam_size"


def test_preparing_the_provider_verifies_its_model_before_any_call(own_model, settings):
    settings.STT_WHISPER_MODEL_SHA256 = "0" * 64

    with pytest.raises(ModelMismatch):
        registry.prepare("stt", "whisper")


def test_preparing_a_provider_with_nothing_to_load_does_nothing():
    registry.prepare("stt", "pocketsphinx")
