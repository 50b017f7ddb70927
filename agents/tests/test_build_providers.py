"""agents.services.credentials.build_providers: a live call's STT and TTS, built at every stream start."""

import pytest
from django_tenants.utils import tenant_context

from agents.providers import registry
from agents.providers.registry import ProviderInfo
from agents.services.credentials import build_providers, set_credentials

pytestmark = pytest.mark.django_db


class KeyedSTT:
    """A hosted speech recognizer that needs an API key."""

    def __init__(self, api_key):
        self.api_key = api_key


@pytest.fixture
def keyed_stt(monkeypatch):
    info = ProviderInfo("stt", "keyed-stt", f"{__name__}:KeyedSTT", required_credentials=("api_key",))
    monkeypatch.setattr(registry, "_PROVIDERS", [*registry._PROVIDERS, info])
    monkeypatch.setitem(registry._BY_KEY, ("stt", "keyed-stt"), info)


def test_the_offline_defaults_are_built_without_a_query(acme, django_assert_num_queries):
    with tenant_context(acme), django_assert_num_queries(0):
        stt, tts = build_providers(("stt", registry.default("stt")), ("tts", registry.default("tts")))
    assert stt is not None and tts is not None


def test_a_provider_that_takes_credentials_gets_the_tenants_in_one_query(acme, keyed_stt, django_assert_num_queries):
    with tenant_context(acme):
        set_credentials("keyed-stt", {"api_key": "acme-key"})
        with django_assert_num_queries(1):
            stt, _ = build_providers(("stt", "keyed-stt"), ("tts", registry.default("tts")))
    assert stt.api_key == "acme-key"
