"""An API key never does more than its own scopes and its creator's role of today allow: it cannot mint a stronger
key, manage the team or change roles without the scope for exactly that, and a member cannot mint above their role."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiKey, Invitation, Membership
from accounts.services import create_api_key
from config.errors import Forbidden

pytestmark = pytest.mark.django_db

EVERY_SCOPE = [scope.value for scope in ApiKey.Scope]


def create_key(client, scopes, **body):
    return client.post("/api/settings/api-keys", {"name": "minted", "scopes": scopes, **body}, format="json")


def test_key_without_api_keys_scope_cannot_create_keys(api, make_api_key, acme, alice):
    _, secret = make_api_key(acme, alice, scopes=("read", "write", "calls"))
    response = create_key(api(api_key=secret), ["read"])
    assert response.status_code == 403
    assert response.json()["error_code"] == "missing_scope"
    assert ApiKey.objects.filter(name="minted").count() == 0


def test_key_cannot_create_a_key_with_scopes_it_does_not_hold(api, make_api_key, acme, alice):
    _, secret = make_api_key(acme, alice, scopes=("write", "api_keys"))
    response = create_key(api(api_key=secret), EVERY_SCOPE)
    assert response.status_code == 403
    body = response.json()
    assert body["error_code"] == "scope_escalation"
    assert "team" in body["detail"] and "scopes" in body["errors"]
    assert ApiKey.objects.filter(name="minted").count() == 0


def test_key_may_create_a_key_with_a_subset_of_its_scopes(api, make_api_key, acme, alice):
    _, secret = make_api_key(acme, alice, scopes=("read", "write", "api_keys"))
    response = create_key(api(api_key=secret), ["read"])
    assert response.status_code == 201
    assert response.json()["scopes"] == ["read"]


def test_key_made_by_a_key_does_not_outlive_it(api, make_api_key, acme, alice):
    parent_expiry = timezone.now() + timedelta(days=1)
    _, secret = make_api_key(acme, alice, scopes=("read", "api_keys"), expires_at=parent_expiry)
    assert ApiKey.objects.get(pk=create_key(api(api_key=secret), ["read"]).json()["id"]).expires_at == parent_expiry
    later = (parent_expiry + timedelta(days=30)).isoformat()
    response = create_key(api(api_key=secret), ["read"], expires_at=later)
    assert response.status_code == 403 and "expires_at" in response.json()["errors"]


def test_write_key_cannot_invite_anyone(api, make_api_key, acme, alice):
    _, secret = make_api_key(acme, alice, scopes=("read", "write", "calls"))
    response = api(api_key=secret).post(
        "/api/team/invite", {"email": "eve@example.com", "role": "admin"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["error_code"] == "missing_scope"
    assert not Invitation.objects.filter(email="eve@example.com").exists()


def test_write_key_cannot_change_a_role(api, make_api_key, acme, alice, mike):
    _, secret = make_api_key(acme, alice, scopes=("read", "write", "calls"))
    response = api(api_key=secret).put(f"/api/team/members/{mike.pk}/role", {"role": "admin"}, format="json")
    assert response.status_code == 403
    assert response.json()["error_code"] == "missing_scope"
    assert Membership.objects.get(user=mike, tenant=acme).role == "member"


def test_write_key_cannot_remove_a_member(api, make_api_key, acme, alice, mike):
    _, secret = make_api_key(acme, alice, scopes=("read", "write", "calls"))
    response = api(api_key=secret).delete(f"/api/team/members/{mike.pk}")
    assert response.status_code == 403 and response.json()["error_code"] == "missing_scope"
    assert Membership.objects.filter(user=mike, tenant=acme).exists()


def test_write_key_cannot_revoke_keys(api, make_api_key, acme, alice):
    other, _ = make_api_key(acme, alice, scopes=("read",))
    _, secret = make_api_key(acme, alice, scopes=("read", "write"))
    response = api(api_key=secret).delete(f"/api/settings/api-keys/{other.pk}")
    assert response.status_code == 403 and response.json()["error_code"] == "missing_scope"


def test_team_key_of_an_admin_may_invite_an_admin_but_not_an_owner(api, make_api_key, acme, amy):
    _, secret = make_api_key(acme, amy, scopes=("team",))
    client = api(api_key=secret)
    assert client.post("/api/team/invite", {"email": "new-admin@example.com", "role": "admin"}).status_code == 201
    response = client.post("/api/team/invite", {"email": "new-owner@example.com", "role": "owner"})
    assert response.status_code == 403 and response.json()["error_code"] == "role_forbidden"


def test_member_cannot_mint_a_team_or_api_keys_scoped_key(acme, mike):
    for scope in ("team", "api_keys"):
        with pytest.raises(Forbidden) as refused:
            create_api_key(tenant=acme, created_by=mike, name="mine", scopes=["read", scope])
        assert refused.value.error_code == "scope_exceeds_role"
    assert not ApiKey.objects.filter(created_by=mike).exists()


def test_member_cannot_mint_keys_through_the_api(api, acme, mike):
    response = create_key(api(mike, acme), ["read", "team"])
    assert response.status_code == 403 and response.json()["error_code"] == "role_forbidden"


def test_non_member_cannot_mint_a_key_for_a_tenant(acme, charlie):
    with pytest.raises(Forbidden) as refused:
        create_api_key(tenant=acme, created_by=charlie, name="mine", scopes=["read"])
    assert refused.value.error_code == "not_a_member"


def test_key_loses_team_scope_when_its_creator_is_demoted(api, make_api_key, acme, alice, amy):
    _, secret = make_api_key(acme, amy, scopes=("read", "team"))
    assert api(alice, acme).put(f"/api/team/members/{amy.pk}/role", {"role": "member"}).status_code == 200
    response = api(api_key=secret).post("/api/team/invite", {"email": "late@example.com", "role": "member"})
    assert response.status_code == 403
    assert response.json()["error_code"] == "scope_exceeds_role"
    assert api(api_key=secret).get("/api/team/members").status_code == 200  # read is still within a member's role


def test_key_stops_at_once_when_its_creators_membership_is_gone(api, make_api_key, acme, amy):
    _, secret = make_api_key(acme, amy, scopes=("read", "team"))
    Membership.objects.filter(user=amy, tenant=acme).delete()  # not through remove_member: the key is not revoked
    response = api(api_key=secret).get("/api/team/members")
    assert response.status_code == 403 and response.json()["error_code"] == "not_a_member"


def test_owner_key_with_every_scope_can_do_everything(api, make_api_key, acme, alice, mike):
    _, secret = make_api_key(acme, alice, scopes=EVERY_SCOPE)
    client = api(api_key=secret)
    assert create_key(client, EVERY_SCOPE).status_code == 201
    assert client.post("/api/team/invite", {"email": "co-owner@example.com", "role": "owner"}).status_code == 201
    assert client.put(f"/api/team/members/{mike.pk}/role", {"role": "admin"}).status_code == 200
    assert client.delete(f"/api/team/members/{mike.pk}").status_code == 204


def test_owner_can_mint_a_key_with_every_scope(api, acme, alice):
    response = create_key(api(alice, acme), EVERY_SCOPE)
    assert response.status_code == 201 and response.json()["scopes"] == sorted(EVERY_SCOPE)


@pytest.mark.parametrize(
    "method, url, body",
    [
        ("put", "/api/settings/profile", {"name": "Mallory"}),
        ("put", "/api/settings/password", {"current_password": "x", "new_password": "Brand-New-Pass-7"}),
        ("post", "/api/team/invitations/some-token/accept", {}),
    ],
)
def test_api_keys_cannot_act_on_the_users_account(api, make_api_key, acme, alice, method, url, body):
    _, secret = make_api_key(acme, alice, scopes=EVERY_SCOPE)
    response = getattr(api(api_key=secret), method)(url, body, format="json")
    assert response.status_code == 403 and response.json()["error_code"] == "api_key_not_allowed"
