"""Provider names → implementations, per kind, and the checks the agents API runs before saving.

Credentials arrive as a plain dict (stored encrypted by the caller); options are the non-secret
settings (model, sample rate, voice...). Every problem is a `ProviderConfigError`: a `DomainError`
(400) whose `field` says what is wrong ("provider", "voice", "credentials.api_key",
"options.sample_rate"), for the API to report under its own field name.

Implementations are imported on first use, so that importing the registry stays cheap.
"""

import importlib
from dataclasses import dataclass

from config.errors import DomainError
from config.outbound import check_public_url

KINDS = ("llm", "stt", "tts", "embeddings")


class ProviderConfigError(DomainError):
    error_code = "invalid_provider_config"

    def __init__(self, message: str, *, field: str):
        super().__init__(message, errors={field: [message]})
        self.field = field


def _int(value, minimum=1, maximum=None):
    if isinstance(value, bool) or int(value) != float(value):
        raise ValueError("must be a whole number")
    number = int(value)
    if number < minimum or (maximum is not None and number > maximum):
        raise ValueError("is out of range")
    return number


def _retries(value):
    return _int(value, minimum=0, maximum=10)


def _sample_rate(value):
    return _int(value, minimum=8000, maximum=48000)


def _beam_size(value):
    return _int(value, minimum=1, maximum=5)


def _float(value):
    if isinstance(value, bool) or not 0 < float(value) <= 600:
        raise ValueError("is out of range")
    return float(value)


def _str(value):
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def _url(value):
    check_public_url(_str(value))
    return value


@dataclass(frozen=True)
class ProviderInfo:
    kind: str
    name: str
    target: str  # "module:Class"
    required_credentials: tuple[str, ...] = ()
    optional_credentials: tuple[str, ...] = ()
    # option name → converter that returns the clean value or raises ValueError
    options: tuple[tuple[str, object], ...] = ()
    offline: bool = False
    # The service whose credentials it uses, when not its own name (Whisper uses the "openai" key).
    account: str = ""

    def load(self):
        module, _, attribute = self.target.partition(":")
        return getattr(importlib.import_module(module), attribute)


_CLIENT = (("timeout", _float), ("max_retries", _retries))
_OPENAI = "agents.providers.openai_compat"
_PROVIDERS = [
    ProviderInfo(
        "llm", "openai", f"{_OPENAI}:OpenAIChat", ("api_key",), ("base_url",), options=(("model", _str), *_CLIENT)
    ),
    ProviderInfo(
        "llm",
        "openai_compatible",
        f"{_OPENAI}:OpenAICompatibleChat",
        ("base_url",),
        ("api_key",),
        options=(("model", _str), *_CLIENT),
    ),
    ProviderInfo(
        "stt", "whisper", "agents.providers.whisper:WhisperSTT", options=(("beam_size", _beam_size),), offline=True
    ),
    # Low CPU, but accurate only on what a node's grammar allows.
    ProviderInfo("stt", "pocketsphinx", "agents.providers.sphinx:PocketsphinxSTT", offline=True),
    ProviderInfo(
        "stt",
        "openai_whisper",
        f"{_OPENAI}:OpenAIWhisperSTT",
        ("api_key",),
        ("base_url",),
        options=(("model", _str), *_CLIENT),
        account="openai",
    ),
    # The most natural offline voice (docs/licences.md has the measured table).
    ProviderInfo(
        "tts",
        "festival",
        "agents.providers.festival:FestivalTTS",
        options=(("sample_rate", _sample_rate), ("voice", _str)),
        offline=True,
    ),
    ProviderInfo(
        "tts",
        "espeak",
        "agents.providers.espeak:EspeakTTS",
        options=(("sample_rate", _sample_rate), ("speed", _int), ("voice", _str)),
        offline=True,
    ),
    ProviderInfo(
        "tts",
        "flite",
        "agents.providers.flite:FliteTTS",
        options=(("sample_rate", _sample_rate), ("voice", _str)),
        offline=True,
    ),
    ProviderInfo(
        "tts",
        "openai",
        f"{_OPENAI}:OpenAITTS",
        ("api_key",),
        ("base_url",),
        options=(("model", _str), ("voice", _str), ("sample_rate", _sample_rate), *_CLIENT),
    ),
    ProviderInfo(
        "tts",
        "elevenlabs",
        "agents.providers.elevenlabs:ElevenLabsTTS",
        ("api_key",),
        ("base_url",),
        options=(("model", _str), ("voice", _str), ("sample_rate", _sample_rate), ("timeout", _float)),
    ),
    ProviderInfo(
        "embeddings",
        "hashing",
        "agents.providers.hashing:HashingEmbeddings",
        options=(("dimensions", _int),),
        offline=True,
    ),
    ProviderInfo(
        "embeddings",
        "openai",
        f"{_OPENAI}:OpenAIEmbeddings",
        ("api_key",),
        ("base_url",),
        options=(("model", _str), ("dimensions", _int), *_CLIENT),
    ),
]
_BY_KEY = {(info.kind, info.name): info for info in _PROVIDERS}
DEFAULTS = {"stt": "whisper", "tts": "festival", "embeddings": "hashing"}
_CREDENTIAL_CHECKS = {"base_url": _url}


def names(kind: str) -> list[str]:
    _check_kind(kind)
    return [info.name for info in _PROVIDERS if info.kind == kind]


def default(kind: str) -> str | None:
    _check_kind(kind)
    return DEFAULTS.get(kind)


def _check_kind(kind):
    if kind not in KINDS:
        raise ProviderConfigError(f"Unknown provider kind {kind!r}; expected one of {', '.join(KINDS)}.", field="kind")


def info(kind: str, name: str) -> ProviderInfo:
    _check_kind(kind)
    try:
        return _BY_KEY[(kind, name)]
    except KeyError:
        raise ProviderConfigError(
            f"Unknown {kind} provider {name!r}; expected one of {', '.join(names(kind))}.", field="provider"
        ) from None


def validate(kind: str, name: str) -> None:
    info(kind, name)


def required_credentials(kind: str, name: str) -> tuple[str, ...]:
    return info(kind, name).required_credentials


def optional_credentials(kind: str, name: str) -> tuple[str, ...]:
    return info(kind, name).optional_credentials


def account(kind: str, name: str) -> str:
    """The name a tenant's credentials for this provider are stored under."""
    provider = info(kind, name)
    return provider.account or provider.name


def validate_credentials(kind: str, name: str, credentials: dict) -> dict:
    provider = info(kind, name)
    allowed = provider.required_credentials + provider.optional_credentials
    for key in credentials:
        if key not in allowed:
            raise ProviderConfigError(f"{name} takes no credential {key!r}.", field=f"credentials.{key}")
    for key in provider.required_credentials:
        if not isinstance(credentials.get(key), str) or not credentials[key].strip():
            raise ProviderConfigError(f"{name} needs the credential {key!r}.", field=f"credentials.{key}")
    clean = {}
    for key, value in credentials.items():
        if value in (None, ""):
            continue
        try:
            clean[key] = _CREDENTIAL_CHECKS.get(key, _str)(value)
        except ValueError as exc:
            raise ProviderConfigError(f"Credential {key!r} {exc}.", field=f"credentials.{key}") from None
    return clean


def validate_options(kind: str, name: str, options: dict) -> dict:
    converters = dict(info(kind, name).options)
    clean = {}
    for key, value in options.items():
        if key not in converters:
            raise ProviderConfigError(f"{name} has no option {key!r}.", field=f"options.{key}")
        try:
            clean[key] = converters[key](value)
        except (TypeError, ValueError):
            raise ProviderConfigError(f"Option {key!r} has an invalid value.", field=f"options.{key}") from None
    return clean


def build(kind: str, name: str, credentials: dict | None = None, options: dict | None = None):
    """A ready provider instance; raises `ProviderConfigError` for anything wrong in the configuration."""
    provider = info(kind, name)
    clean_credentials = validate_credentials(kind, name, credentials or {})
    clean_options = validate_options(kind, name, options or {})
    if kind == "tts" and "voice" in clean_options:
        validate_voice(name, clean_options["voice"])
    try:
        return provider.load()(**clean_credentials, **clean_options)
    except ValueError as exc:
        # A combination of options the provider cannot work with (e.g. an embeddings model of unknown size).
        raise ProviderConfigError(str(exc), field="options") from None


def prepare(kind: str, name: str) -> None:
    """Loads what the provider loads once per process (a local model), if anything; raises what loading raises."""
    getattr(info(kind, name).load(), "prepare", lambda: None)()


def voices(tts_name: str, language: str = "") -> list[str]:
    """Voice ids a picker can offer (an empty list when voices are account-specific)."""
    return info("tts", tts_name).load().voices_for(language)


def validate_voice(tts_name: str, voice: str) -> None:
    """An empty voice means the provider's default for the language."""
    if voice and not info("tts", tts_name).load().is_valid_voice(voice):
        raise ProviderConfigError(f"{tts_name} has no voice {voice!r}.", field="voice")
