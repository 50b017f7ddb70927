"""Registration, login, tokens, password reset and profile."""

import re

import pytest
from django.core import mail
from django_tenants.utils import schema_exists

from accounts.models import Membership, User
from tenants.models import Domain, Tenant

pytestmark = pytest.mark.django_db

STRONG = "Sup3rSecret!"


def register(api, **overrides):
    body = {
        "email": "dana@example.com",
        "password": STRONG,
        "name": "Dana",
        "company": "Dana Plumbing",
        "slug": "dana-plumbing",
    }
    body.update(overrides)
    return api().post("/api/auth/register", body, format="json")


def login(api, email, password):
    return api().post("/api/auth/login", {"email": email, "password": password}, format="json")


def test_register_creates_user_tenant_schema_domain_and_owner(api):
    response = register(api)
    assert response.status_code == 202, response.json()
    tenant = Tenant.objects.get(slug="dana-plumbing")
    assert Domain.objects.filter(domain="dana-plumbing.localhost", tenant=tenant).exists()
    assert schema_exists(tenant.schema_name)
    assert Membership.objects.get(user__email="dana@example.com", tenant=tenant).role == "owner"


def test_registered_owner_logs_in_and_uses_the_new_tenant_at_once(api):
    register(api)
    tokens = login(api, "dana@example.com", STRONG).json()["tokens"]
    response = api(host="dana-plumbing.localhost", headers={"Authorization": f"Bearer {tokens['access']}"}).get(
        "/api/team/members"
    )
    assert response.status_code == 200
    assert [m["role"] for m in response.json()["results"]] == ["owner"]


@pytest.mark.parametrize(
    "password, reason",
    [("Sh0rt", "too short"), ("alllowercase1", "uppercase"), ("ALLUPPERCASE1", "lowercase"), ("NoDigitsHere", "digit")],
)
def test_register_rejects_weak_password_naming_the_field(api, password, reason):
    response = register(api, password=password)
    assert response.status_code == 400
    assert "password" in response.json()["errors"]
    assert not User.objects.filter(email="dana@example.com").exists()


@pytest.mark.parametrize(
    "field, value",
    [("email", "not-an-email"), ("slug", "Bad Slug!"), ("slug", "api"), ("timezone", "Mars/Olympus"), ("company", "")],
)
def test_register_rejects_bad_field(api, field, value):
    response = register(api, **{field: value})
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert response.json()["error_code"] in {"validation_error", "slug_reserved"}


def test_register_with_taken_slug_is_409_and_creates_no_user(api):
    response = register(api, slug="acme")
    assert response.status_code == 409
    assert response.json()["errors"] == {"slug": ["Already taken."]}
    assert not User.objects.filter(email="dana@example.com").exists()


def test_register_with_a_taken_email_answers_as_for_a_new_one(api, alice):
    taken = register(api, email="alice@example.com", slug="alice-again")
    new = register(api, email="dana@example.com", slug="dana-plumbing")
    assert taken.status_code == new.status_code == 202
    assert taken.json() == {key: value.replace("dana@", "alice@") for key, value in new.json().items()}


def test_register_with_a_taken_email_emails_its_owner_and_creates_nothing(api, alice):
    register(api, email="alice@example.com", slug="alice-again")
    assert not Tenant.objects.filter(slug="alice-again").exists()
    assert User.objects.filter(email="alice@example.com").count() == 1
    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == "Someone tried to sign up with your address"
    assert "/reset-password" in message.body


def test_register_with_a_taken_email_refuses_bad_input_as_for_a_new_one(api, alice):
    for email in ("alice@example.com", "dana@example.com"):
        weak = register(api, email=email, password="Sh0rt")
        assert (weak.status_code, list(weak.json()["errors"])) == (400, ["password"])
        slug_taken = register(api, email=email, slug="acme")
        assert (slug_taken.status_code, slug_taken.json()["errors"]) == (409, {"slug": ["Already taken."]})
    assert mail.outbox == []


def test_malformed_json_is_400_in_error_format(api):
    response = api().post("/api/auth/login", "{not json", content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "malformed_request"
    assert set(body) == {"detail", "error_code", "errors", "request_id"}


def test_wrong_types_are_400_naming_the_field(api):
    response = api().post("/api/auth/login", {"email": ["a"], "password": {"x": 1}}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email", "password"}


def test_login_returns_tokens(api, alice, password):
    response = login(api, "alice@example.com", password)
    assert response.status_code == 200
    assert response.json()["user"]["email"] == "alice@example.com"


def test_login_with_wrong_password_is_401(api, alice):
    response = login(api, "alice@example.com", "Wrong-pass-1")
    assert response.status_code == 401
    assert response.json()["error_code"] == "invalid_credentials"


def test_inactive_user_cannot_log_in(api, alice, password):
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert login(api, "alice@example.com", password).status_code == 401


def test_refresh_after_logout_fails(api, alice, password):
    tokens = login(api, "alice@example.com", password).json()["tokens"]
    assert api().post("/api/auth/logout", {"refresh": tokens["refresh"]}, format="json").status_code == 204
    response = api().post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 401


def test_refresh_rotates_and_old_refresh_token_stops_working(api, alice, password):
    tokens = login(api, "alice@example.com", password).json()["tokens"]
    first = api().post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert first.status_code == 200 and first.json()["access"]
    assert api().post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json").status_code == 401


def test_logout_with_garbage_token_is_401_naming_the_field(api):
    response = api().post("/api/auth/logout", {"refresh": "garbage"}, format="json")
    assert response.status_code == 401
    assert "refresh" in response.json()["errors"]


def test_me_lists_memberships_and_current_tenant(api, alice, acme):
    body = api(alice, acme).get("/api/auth/me").json()
    assert body["user"]["email"] == "alice@example.com"
    assert [m["tenant"]["slug"] for m in body["memberships"]] == ["acme"]
    assert body["current_tenant"]["slug"] == "acme"
    assert body["current_role"] == "owner"


def test_me_on_another_tenants_host_shows_no_current_tenant(api, alice, globex):
    body = api(alice, globex).get("/api/auth/me").json()
    assert body["current_tenant"] is None


def test_me_needs_authentication(api):
    assert api().get("/api/auth/me").status_code == 401


def _reset_link_parts():
    text = mail.outbox[-1].body
    return re.search(r"uid: (\S+)", text).group(1), re.search(r"token: (\S+)", text).group(1)


def test_password_reset_sends_email_and_token_sets_new_password(api, alice):
    assert api().post("/api/auth/password-reset", {"email": "alice@example.com"}, format="json").status_code == 202
    uid, token = _reset_link_parts()
    response = api().post(
        "/api/auth/password-reset/confirm",
        {"uid": uid, "token": token, "new_password": "Brand-New-Pass1"},
        format="json",
    )
    assert response.status_code == 204
    assert login(api, "alice@example.com", "Brand-New-Pass1").status_code == 200


def test_password_reset_token_is_single_use(api, alice):
    api().post("/api/auth/password-reset", {"email": "alice@example.com"}, format="json")
    uid, token = _reset_link_parts()
    body = {"uid": uid, "token": token, "new_password": "Brand-New-Pass1"}
    assert api().post("/api/auth/password-reset/confirm", body, format="json").status_code == 204
    second = api().post("/api/auth/password-reset/confirm", dict(body, new_password="Other-Pass-22"), format="json")
    assert second.status_code == 400
    assert second.json()["errors"] == {"token": ["Invalid or expired."]}


def test_password_reset_for_unknown_email_looks_the_same_and_sends_nothing(api):
    response = api().post("/api/auth/password-reset", {"email": "ghost@example.com"}, format="json")
    assert response.status_code == 202
    assert mail.outbox == []


def test_password_reset_confirm_rejects_weak_password(api, alice):
    api().post("/api/auth/password-reset", {"email": "alice@example.com"}, format="json")
    uid, token = _reset_link_parts()
    response = api().post(
        "/api/auth/password-reset/confirm", {"uid": uid, "token": token, "new_password": "weak"}, format="json"
    )
    assert response.status_code == 400
    assert "new_password" in response.json()["errors"]


def test_profile_update_changes_name(api, alice, acme):
    response = api(alice, acme).put("/api/settings/profile", {"name": "Alice Liddell"}, format="json")
    assert response.status_code == 200
    assert User.objects.get(pk=alice.pk).name == "Alice Liddell"


def test_password_change_needs_current_password(api, alice, acme):
    response = api(alice, acme).put(
        "/api/settings/password", {"current_password": "wrong", "new_password": "Brand-New-Pass1"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"current_password": ["Incorrect."]}


def test_password_change_revokes_refresh_tokens(api, alice, acme, password):
    tokens = login(api, "alice@example.com", password).json()["tokens"]
    response = api(alice, acme).put(
        "/api/settings/password", {"current_password": password, "new_password": "Brand-New-Pass1"}, format="json"
    )
    assert response.status_code == 204
    assert api().post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json").status_code == 401
