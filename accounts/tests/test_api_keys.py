"""API keys: shown once, stored hashed, scoped, tenant-bound, revocable."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiKey, User, hash_secret

pytestmark = pytest.mark.django_db


def create(api, user, tenant, **body):
    payload = {"name": "CRM sync", "scopes": ["read", "write"]}
    payload.update(body)
    return api(user, tenant).post("/api/settings/api-keys", payload, format="json")


def test_key_is_shown_once_and_only_its_hash_is_stored(api, alice, acme):
    body = create(api, alice, acme).json()
    key = ApiKey.objects.get(pk=body["id"])
    assert body["key"].startswith(body["prefix"] + "_")
    assert key.key_hash == hash_secret(body["key"])
    listed = api(alice, acme).get("/api/settings/api-keys").json()["results"]
    assert "key" not in listed[0] and "key_hash" not in listed[0]


def test_key_on_shared_host_selects_its_tenant(api, alice, acme):
    secret = create(api, alice, acme).json()["key"]
    response = api(api_key=secret).get("/api/tenant")
    assert response.status_code == 200 and response.json()["slug"] == "acme"


def test_key_records_last_use(api, alice, acme):
    body = create(api, alice, acme).json()
    api(api_key=body["key"]).get("/api/tenant")
    assert ApiKey.objects.get(pk=body["id"]).last_used_at is not None


def test_revoked_key_is_401(api, alice, acme):
    body = create(api, alice, acme).json()
    assert api(alice, acme).delete(f"/api/settings/api-keys/{body['id']}").status_code == 204
    response = api(api_key=body["key"], tenant=acme).get("/api/tenant")
    assert response.status_code == 401
    assert response.json()["error_code"] == "authentication_failed"


def test_expired_key_is_401(api, alice, acme):
    body = create(api, alice, acme).json()
    ApiKey.objects.filter(pk=body["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api(api_key=body["key"], tenant=acme).get("/api/tenant").status_code == 401


def test_unknown_key_is_401(api, acme):
    assert api(api_key="vk_deadbeef_nope", tenant=acme).get("/api/tenant").status_code == 401


def test_read_only_key_cannot_write(api, alice, acme):
    secret = create(api, alice, acme, scopes=["read"]).json()["key"]
    response = api(api_key=secret).patch("/api/tenant", {"name": "Renamed"}, format="json")
    assert response.status_code == 403
    assert response.json()["error_code"] == "missing_scope"


def test_key_of_acme_on_globex_host_is_403_and_changes_nothing(api, alice, acme, globex):
    secret = create(api, alice, acme).json()["key"]
    response = api(api_key=secret, tenant=globex).patch("/api/tenant", {"name": "Hijacked"}, format="json")
    assert response.status_code == 403
    globex.refresh_from_db()
    assert globex.name == "Globex Realty"


def test_key_with_x_tenant_of_another_tenant_is_403(api, alice, acme):
    secret = create(api, alice, acme).json()["key"]
    response = api(api_key=secret, headers={"X-Tenant": "globex"}).get("/api/tenant")
    assert response.status_code == 403


def test_key_stops_working_when_its_creator_leaves(api, alice, amy, acme):
    secret = create(api, amy, acme).json()["key"]
    api(alice, acme).delete(f"/api/team/members/{amy.pk}")
    assert api(api_key=secret).get("/api/tenant").status_code == 401


def test_key_stops_working_when_its_creator_is_deactivated(api, amy, acme):
    secret = create(api, amy, acme).json()["key"]
    User.objects.filter(pk=amy.pk).update(is_active=False)
    response = api(api_key=secret).get("/api/tenant")
    assert (response.status_code, response.json()["error_code"]) == (401, "authentication_failed")


def test_members_cannot_manage_keys(api, mike, acme):
    assert create(api, mike, acme).status_code == 403
    assert api(mike, acme).get("/api/settings/api-keys").status_code == 403


def test_create_rejects_unknown_scope_and_past_expiry(api, alice, acme):
    response = create(api, alice, acme, scopes=["admin"])
    assert response.status_code == 400 and "scopes.0" in response.json()["errors"]
    past = (timezone.now() - timedelta(days=1)).isoformat()
    response = create(api, alice, acme, expires_at=past)
    assert response.status_code == 400 and "expires_at" in response.json()["errors"]


def test_revoking_another_tenants_key_is_404(api, alice, bob, acme, globex):
    body = create(api, bob, globex).json()
    assert api(alice, acme).delete(f"/api/settings/api-keys/{body['id']}").status_code == 404
    assert ApiKey.objects.get(pk=body["id"]).revoked_at is None
