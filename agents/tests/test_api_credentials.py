"""Provider credentials: per tenant, encrypted at rest, never in any API response."""

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from agents.models import ProviderCredential
from agents.providers import registry
from agents.providers.registry import ProviderInfo

pytestmark = pytest.mark.django_db

SECRET = "sk-live-very-secret-0123456789"
URL = "/api/provider-credentials"


@pytest.fixture(autouse=True)
def keyed_provider(monkeypatch):
    """A hosted LLM that needs an API key, registered the way the registry lists its providers."""
    info = ProviderInfo(
        "llm",
        "keyed-llm",
        "agents.providers.hashing:HashingEmbeddings",
        required_credentials=("api_key",),
        optional_credentials=("base_url",),
    )
    monkeypatch.setattr(registry, "_PROVIDERS", [*registry._PROVIDERS, info])
    monkeypatch.setitem(registry._BY_KEY, ("llm", "keyed-llm"), info)


def put(client, credentials, provider="keyed-llm"):
    return client.put(f"{URL}/{provider}", {"credentials": credentials}, format="json")


def test_admin_sets_credentials_and_sees_only_the_key_names(api, amy, acme):
    response = put(api(amy, acme), {"api_key": SECRET, "base_url": "https://llm.example.com/v1"})
    assert response.status_code == 200
    assert response.json()["keys"] == ["api_key", "base_url"]
    assert SECRET not in response.content.decode()


def test_credentials_are_encrypted_in_the_database(api, alice, acme):
    put(api(alice, acme), {"api_key": SECRET})
    with tenant_context(acme):
        with connection.cursor() as cursor:
            cursor.execute("SELECT credentials FROM agents_providercredential WHERE provider = 'keyed-llm'")
            [(raw,)] = cursor.fetchall()
        assert SECRET not in raw and "api_key" not in raw
        assert ProviderCredential.objects.get(provider="keyed-llm").credentials == {"api_key": SECRET}


def test_no_response_of_the_agents_api_shows_the_secret(api, alice, acme):
    client = api(alice, acme)
    put(client, {"api_key": SECRET})
    agent = client.post("/api/agents", {"name": "R", "llm_provider": "keyed-llm"}, format="json")
    responses = [
        agent,
        client.get(URL),
        client.get("/api/providers"),
        client.get("/api/agents"),
        client.get(f"/api/agents/{agent.json()['id']}"),
    ]
    assert all(r.status_code in (200, 201) for r in responses)
    assert not [r for r in responses if SECRET in r.content.decode()]


def test_a_missing_required_credential_is_rejected_naming_it(api, alice, acme):
    response = put(api(alice, acme), {"base_url": "https://llm.example.com"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["credentials.api_key"]


def test_an_unknown_credential_is_rejected_naming_it(api, alice, acme):
    response = put(api(alice, acme), {"api_key": SECRET, "password": "x"})
    assert list(response.json()["errors"]) == ["credentials.password"]


def test_credentials_for_an_unknown_provider_are_rejected(api, alice, acme):
    response = put(api(alice, acme), {"api_key": SECRET}, provider="nobody")
    assert (response.status_code, list(response.json()["errors"])) == (400, ["provider"])


def test_an_agent_needs_its_providers_credentials_first(api, alice, acme):
    client = api(alice, acme)
    refused = client.post("/api/agents", {"name": "R", "llm_provider": "keyed-llm"}, format="json")
    assert (refused.status_code, list(refused.json()["errors"])) == (400, ["llm_provider"])
    put(client, {"api_key": SECRET})
    assert client.post("/api/agents", {"name": "R", "llm_provider": "keyed-llm"}, format="json").status_code == 201


def test_the_catalog_says_which_providers_are_configured(api, alice, acme):
    client = api(alice, acme)
    put(client, {"api_key": SECRET})
    [entry] = [p for p in client.get("/api/providers").json()["llm"] if p["name"] == "keyed-llm"]
    assert (entry["configured"], entry["required_credentials"]) == (True, ["api_key"])


def test_deleting_credentials_removes_them(api, alice, acme):
    client = api(alice, acme)
    put(client, {"api_key": SECRET})
    assert client.delete(f"{URL}/keyed-llm").status_code == 204
    assert client.get(URL).json()["count"] == 0


def test_members_cannot_see_or_set_credentials(api, alice, mike, acme):
    put(api(alice, acme), {"api_key": SECRET})
    client = api(mike, acme)
    assert client.get(URL).status_code == 403
    assert put(client, {"api_key": "sk-mine"}).status_code == 403


def test_bob_cannot_see_or_change_alices_credentials(api, alice, bob, acme, globex):
    put(api(alice, acme), {"api_key": SECRET})
    assert api(bob, acme).get(URL).status_code == 403
    assert api(bob, globex).get(URL).json()["count"] == 0
    api(bob, globex).delete(f"{URL}/keyed-llm")
    with tenant_context(acme):
        assert ProviderCredential.objects.filter(provider="keyed-llm").exists()


def test_a_base_url_on_the_platforms_own_network_is_refused_naming_it(api, alice, acme, settings):
    settings.OUTBOUND_PRIVATE_HOSTS = []
    response = put(api(alice, acme), {"api_key": SECRET, "base_url": "http://169.254.169.254/latest"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["credentials.base_url"]
    with tenant_context(acme):
        assert not ProviderCredential.objects.exists()
