import pytest

from agents.providers import registry
from agents.providers.espeak import EspeakTTS
from agents.providers.hashing import HashingEmbeddings
from agents.providers.registry import ProviderConfigError
from config.api.errors import status_of


def test_defaults_are_the_offline_providers():
    assert registry.default("stt") == "whisper"
    assert registry.default("tts") == "festival"
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
    with pytest.raises(ProviderConfigError, match="festival, espeak") as error:
        registry.validate("tts", "piper")

    assert error.value.field == "provider"
    assert status_of(error.value) == 400


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


def test_every_kind_has_its_providers():
    assert registry.names("llm") == ["openai", "openai_compatible"]
    assert registry.names("stt") == ["whisper", "pocketsphinx", "openai_whisper"]
    assert registry.names("tts") == ["festival", "espeak", "flite", "openai", "elevenlabs"]
    assert registry.names("embeddings") == ["hashing", "openai"]


def test_openai_needs_an_api_key_and_optionally_takes_a_base_url():
    assert registry.required_credentials("llm", "openai") == ("api_key",)
    assert registry.optional_credentials("llm", "openai") == ("base_url",)


def test_openai_compatible_needs_a_base_url_and_no_key():
    assert registry.required_credentials("llm", "openai_compatible") == ("base_url",)


def test_offline_providers_need_no_credentials():
    assert registry.required_credentials("stt", "pocketsphinx") == ()


def test_a_missing_required_credential_is_rejected_naming_it():
    with pytest.raises(ProviderConfigError, match="api_key") as error:
        registry.build("tts", "elevenlabs", {}, {})

    assert error.value.field == "credentials.api_key"


def test_a_blank_required_credential_is_rejected():
    with pytest.raises(ProviderConfigError):
        registry.build("llm", "openai", {"api_key": "  "}, {})


def test_a_base_url_that_is_not_http_is_rejected():
    with pytest.raises(ProviderConfigError) as error:
        registry.build("llm", "openai_compatible", {"base_url": "file:///etc/passwd"}, {})

    assert error.value.field == "credentials.base_url"


@pytest.mark.parametrize("rate", [0, 4000, 96000, "8k", 8000.5, True])
def test_a_sample_rate_out_of_range_or_not_whole_is_rejected(rate):
    with pytest.raises(ProviderConfigError) as error:
        registry.build("tts", "espeak", {}, {"sample_rate": rate})

    assert error.value.field == "options.sample_rate"


def test_openai_voices_are_the_built_in_ones_or_custom_ids():
    registry.validate_voice("openai", "coral")
    registry.validate_voice("openai", "voice_1234")
    with pytest.raises(ProviderConfigError):
        registry.validate_voice("openai", "en-us+f3")


def test_elevenlabs_voices_must_look_like_voice_ids():
    registry.validate_voice("elevenlabs", "21m00Tcm4TlvDq8ikWAM")
    with pytest.raises(ProviderConfigError):
        registry.validate_voice("elevenlabs", "Rachel from the demo")


def test_a_voice_option_is_checked_when_building():
    with pytest.raises(ProviderConfigError) as error:
        registry.build("tts", "openai", {"api_key": "sk-test"}, {"voice": "robot"})

    assert error.value.field == "voice"


def test_whisper_uses_the_openai_account_and_others_their_own_name():
    assert registry.account("stt", "openai_whisper") == "openai"
    assert registry.account("tts", "elevenlabs") == "elevenlabs"
