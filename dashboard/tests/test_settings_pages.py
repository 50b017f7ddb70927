"""Settings: profile and password, API keys shown once, provider credentials never shown back."""

import pytest
from django_tenants.utils import tenant_context

from accounts.models import ApiKey
from agents.services.credentials import credentials_for

pytestmark = pytest.mark.django_db


def test_a_member_changes_their_name(browser, mike, acme):
    response = browser(mike, acme).post("/settings", {"form": "profile", "name": "Michael"}, follow=True)
    assert "Your profile is saved." in response.content.decode()
    mike.refresh_from_db()
    assert mike.name == "Michael"


def test_changing_the_password_keeps_this_session(browser, mike, acme, password):
    client = browser(mike, acme)
    form = {"form": "password", "current_password": password, "new_password": "Quiet-Meadow-77"}
    assert "Your password is changed." in client.post("/settings", form, follow=True).content.decode()
    mike.refresh_from_db()
    assert mike.check_password("Quiet-Meadow-77")
    assert client.get("/").status_code == 200


def test_a_wrong_current_password_is_named(browser, mike, acme):
    form = {"form": "password", "current_password": "nope", "new_password": "Quiet-Meadow-77"}
    response = browser(mike, acme).post("/settings", form)
    assert response.status_code == 400
    assert 'id="id_current_password_errors"><li>Incorrect.' in response.content.decode()


def test_an_api_key_is_shown_once(browser, amy, acme):
    client = browser(amy, acme)
    response = client.post("/settings/api-keys", {"name": "CRM", "scopes": ["read", "calls"]})
    assert response.status_code == 201
    key = ApiKey.objects.get(tenant=acme, name="CRM")
    secret = response.context["secret"]
    assert secret.startswith(key.prefix) and secret in response.content.decode()
    assert key.scopes == ["calls", "read"]
    assert secret not in client.get("/settings/api-keys").content.decode()


def test_an_api_key_without_scopes_names_the_field(browser, amy, acme):
    response = browser(amy, acme).post("/settings/api-keys", {"name": "CRM"})
    assert response.status_code == 400
    assert "This list may not be empty." in response.content.decode()


def test_a_key_is_revoked(browser, amy, acme):
    client = browser(amy, acme)
    client.post("/settings/api-keys", {"name": "CRM", "scopes": ["read"]})
    key = ApiKey.objects.get(tenant=acme, name="CRM")
    client.post(f"/settings/api-keys/{key.pk}/revoke")
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_another_tenants_key_cannot_be_revoked(browser, amy, bob, acme, globex, make_api_key):
    key, _ = make_api_key(globex, bob)
    assert browser(amy, acme).post(f"/settings/api-keys/{key.pk}/revoke").status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_provider_credentials_are_saved_and_never_shown_back(browser, amy, acme):
    client = browser(amy, acme)
    response = client.post("/settings/providers", {"provider": "openai", "api_key": "sk-very-secret"}, follow=True)
    page = response.content.decode()
    assert "The credentials for openai are saved." in page and "Configured (api_key)." in page
    assert "sk-very-secret" not in page
    with tenant_context(acme):
        assert credentials_for("openai") == {"api_key": "sk-very-secret"}


def test_a_missing_required_credential_is_named(browser, amy, acme):
    response = browser(amy, acme).post("/settings/providers", {"provider": "openai"})
    assert response.status_code == 400
    assert "openai needs the credential &#x27;api_key&#x27;." in response.content.decode()


def test_an_unknown_provider_is_refused(browser, amy, acme):
    response = browser(amy, acme).post("/settings/providers", {"provider": "nope", "api_key": "x"})
    assert response.status_code == 400
    assert "Unknown provider &#x27;nope&#x27;." in response.content.decode()
