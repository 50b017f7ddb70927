"""Tenant provider credentials (encrypted at rest, never returned) and building providers with them.

One record per provider name: an "openai" key serves its LLM, STT, TTS and embeddings alike.
"""

from agents.models import ProviderCredential
from agents.providers import registry
from config.errors import DomainError


def kinds_of(provider: str) -> list[str]:
    return [kind for kind in registry.KINDS if provider in registry.names(kind)]


def set_credentials(provider: str, credentials: dict) -> ProviderCredential:
    kinds = kinds_of(provider)
    if not kinds:
        raise DomainError(
            f"Unknown provider '{provider}'.",
            error_code="unknown_provider",
            errors={"provider": [f"Unknown provider '{provider}'."]},
        )
    for kind in kinds:
        credentials = registry.validate_credentials(kind, provider, credentials)
    record, _ = ProviderCredential.objects.update_or_create(provider=provider, defaults={"credentials": credentials})
    return record


def delete_credentials(provider: str) -> None:
    ProviderCredential.objects.filter(provider=provider).delete()


def credentials_for(provider: str) -> dict:
    record = ProviderCredential.objects.filter(provider=provider).first()
    return record.credentials if record else {}


def has_credentials(provider: str) -> bool:
    return ProviderCredential.objects.filter(provider=provider).exists()


def build_providers(*wanted: tuple[str, str]) -> list:
    """Providers `(kind, name)` with one query for all their credentials: a live call builds its STT and TTS
    at every stream start."""
    accounts = [registry.account(kind, name) for kind, name in wanted]
    # Providers that take no credentials (the offline ones, the platform's defaults) need no query at all.
    taking = {
        account
        for (kind, name), account in zip(wanted, accounts)
        if registry.required_credentials(kind, name) or registry.optional_credentials(kind, name)
    }
    stored = (
        dict(ProviderCredential.objects.filter(provider__in=taking).values_list("provider", "credentials"))
        if taking
        else {}
    )
    return [registry.build(kind, name, stored.get(account, {}), {}) for (kind, name), account in zip(wanted, accounts)]


def build_provider(kind: str, name: str, options: dict | None = None):
    """A provider instance with this tenant's credentials (run inside the tenant's schema).
    Providers of one account share its credentials (e.g. Whisper uses the "openai" key)."""
    return registry.build(kind, name, credentials_for(registry.account(kind, name)), options or {})
