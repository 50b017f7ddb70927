"""Festival with the HTS slt voice: the default offline voice, checked by its model's sha256 before it speaks."""

import pytest

from agents import audio
from agents.providers import festival, hints, registry
from agents.providers.base import ProviderError
from agents.providers.festival import FestivalTTS, ModelMismatch
from agents.providers.whisper import WhisperSTT


def over_the_phone(speech):
    return audio.from_telephony(audio.to_telephony(speech))


@pytest.fixture
def unverified(monkeypatch):
    """The process has not checked any voice yet."""
    monkeypatch.setattr(festival, "_VERIFIED", set())


def test_the_default_voice_is_festival_at_the_telephone_rate():
    speech = registry.build("tts", registry.default("tts")).synthesize("Hello, how can I help you today?")

    assert speech.sample_rate == 8000
    assert 1200 < speech.duration_ms < 4000


def test_what_it_says_the_offline_recogniser_hears_word_for_word_through_the_phone_channel():
    said = "Tuesday the eighth at ten in the morning, is that right?"

    heard = WhisperSTT().transcribe(over_the_phone(FestivalTTS().synthesize(said))).text

    assert hints.normalise(heard) == hints.normalise(said)


def test_quotes_and_parentheses_in_the_text_are_spoken_not_run_as_scheme(tmp_path):
    planted = tmp_path / "planted"
    text = f'Evil ") (system "touch {planted}") (" and a back\\slash'

    assert FestivalTTS().synthesize(text).duration_ms > 1000
    assert not planted.exists()


def test_line_breaks_and_accents_are_spoken():
    assert FestivalTTS().synthesize("Café opening hours:\nnine to five.").duration_ms > 1000


def test_blank_text_is_no_audio():
    assert FestivalTTS().synthesize("  \n").pcm == b""


def test_an_unknown_voice_is_refused():
    with pytest.raises(ProviderError, match="Unknown Festival voice 'kal'"):
        FestivalTTS().synthesize("Hello.", voice="kal")


def test_another_language_is_refused():
    with pytest.raises(ProviderError, match="English"):
        FestivalTTS().synthesize("Hola.", language="es-ES")


def test_voices_are_offered_for_english_only():
    assert registry.voices("festival", "en-US") == ["slt"]
    assert registry.voices("festival", "es-ES") == []


def test_the_installed_voice_file_is_the_one_whose_hash_the_code_names(unverified):
    festival.verify("slt")


def test_a_voice_file_with_another_hash_is_refused_naming_the_file_and_both_hashes(unverified, monkeypatch, tmp_path):
    model = tmp_path / "voice.htsvoice"
    model.write_bytes(b"not the voice")
    voice = festival.VOICES["slt"]
    monkeypatch.setitem(festival.VOICES, "slt", festival.Voice(voice.command, model, voice.sha256, voice.package))

    with pytest.raises(ModelMismatch) as refused:
        festival.verify("slt")

    assert str(model) in str(refused.value) and voice.sha256 in str(refused.value)
    assert "sha256 " + festival.file_sha256(model) in str(refused.value)


def test_a_missing_voice_file_names_the_package_to_install(unverified, monkeypatch, tmp_path):
    voice = festival.VOICES["slt"]
    missing = festival.Voice(voice.command, tmp_path / "gone.htsvoice", voice.sha256, voice.package)
    monkeypatch.setitem(festival.VOICES, "slt", missing)

    with pytest.raises(ProviderError, match="apt-get install festvox-us-slt-hts"):
        festival.verify("slt")
