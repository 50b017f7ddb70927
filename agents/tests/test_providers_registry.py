import pytest

from agents.providers import registry
from agents.providers.espeak import EspeakTTS
from agents.providers.hashing import HashingEmbeddings
from agents.providers.registry import ProviderConfigError


def test_defaults_are_the_offline_providers():
    assert registry.default("stt") == "pocketsphinx"
    assert registry.default("tts") == "espeak"
    assert registry.default("embeddings") == "hashing"


def test_build_passes_options_to_the_provider():
    tts = registry.build("tts", "espeak", {}, {"sample_rate": "8000"})

    assert isinstance(tts, EspeakTTS)
    assert tts.sample_rate == 8000


def test_build_embeddings_with_dimensions():
    embeddings = registry.build("embeddings", "hashing", {}, {"dimensions": 128})

    assert isinstance(embeddings, HashingEmbeddings)
    assert embeddings.dimensions == 128


def test_unknown_provider_is_rejected_naming_the_provider_and_the_choices():
    with pytest.raises(ProviderConfigError, match="espeak") as error:
        registry.validate("tts", "festival")

    assert error.value.field == "provider"
    assert error.value.status_code == 400


def test_unknown_kind_is_rejected():
    with pytest.raises(ProviderConfigError) as error:
        registry.names("vision")

    assert error.value.field == "kind"


def test_unknown_option_is_rejected_naming_the_option():
    with pytest.raises(ProviderConfigError) as error:
        registry.build("tts", "espeak", {}, {"volume": 11})

    assert error.value.field == "options.volume"


def test_option_of_the_wrong_type_is_rejected_naming_the_option():
    with pytest.raises(ProviderConfigError) as error:
        registry.build("tts", "espeak", {}, {"sample_rate": "fast"})

    assert error.value.errors == {"options.sample_rate": ["Option 'sample_rate' has an invalid value."]}


def test_credentials_a_provider_does_not_take_are_rejected():
    with pytest.raises(ProviderConfigError) as error:
        registry.build("tts", "espeak", {"api_key": "sk-1"}, {})

    assert error.value.field == "credentials.api_key"


def test_unknown_espeak_voice_is_rejected_naming_the_voice():
    with pytest.raises(ProviderConfigError, match="klingon") as error:
        registry.validate_voice("espeak", "klingon")

    assert error.value.field == "voice"


def test_unknown_espeak_variant_is_rejected():
    with pytest.raises(ProviderConfigError):
        registry.validate_voice("espeak", "en-us+nobody")


def test_installed_espeak_voices_and_the_empty_default_are_accepted():
    for voice in ("en-us", "en-gb", "en-us+f3", ""):
        registry.validate_voice("espeak", voice)


def test_voices_lists_espeak_voices_for_a_language():
    assert "en-gb+f2" in registry.voices("espeak", "en")
