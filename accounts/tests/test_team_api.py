"""Team: members, invitations, roles; the last owner is protected."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Invitation, Membership

pytestmark = pytest.mark.django_db


def invite(api, user, tenant, email="newbie@example.com", role="member"):
    return api(user, tenant).post("/api/team/invite", {"email": email, "role": role}, format="json")


def test_members_are_listed_with_roles(api, mike, acme):
    response = api(mike, acme).get("/api/team/members")
    assert response.status_code == 200
    assert {(m["email"], m["role"]) for m in response.json()["results"]} == {
        ("alice@example.com", "owner"),
        ("amy@example.com", "admin"),
        ("mike@example.com", "member"),
    }


def test_members_list_is_paginated_with_per_page(api, alice, acme):
    body = api(alice, acme).get("/api/team/members?per_page=2").json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


def test_permissions_matrix_is_exposed(api, mike, acme):
    body = api(mike, acme).get("/api/team/permissions").json()
    assert body["role"] == "member"
    assert body["matrix"]["team.invite"] == ["owner", "admin"]


@pytest.mark.parametrize("persona, allowed", [("alice", True), ("amy", True), ("mike", False)])
def test_only_owners_and_admins_invite(api, acme, persona, allowed, request):
    user = request.getfixturevalue(persona)
    response = invite(api, user, acme)
    assert response.status_code == (201 if allowed else 403)


def test_invitation_sends_email_with_token(api, alice, acme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        token = invite(api, alice, acme).json()["token"]
    assert mail.outbox[-1].to == ["newbie@example.com"]
    assert token in mail.outbox[-1].body


def test_admin_cannot_invite_an_owner(api, amy, acme):
    response = invite(api, amy, acme, role="owner")
    assert response.status_code == 403


def test_invite_rejects_unknown_role_and_bad_email(api, alice, acme):
    response = api(alice, acme).post("/api/team/invite", {"email": "nope", "role": "king"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email", "role"}


def test_inviting_an_existing_member_is_409(api, alice, acme):
    assert invite(api, alice, acme, email="mike@example.com").status_code == 409


def test_new_user_accepts_invitation_and_gets_tokens(api, alice, acme):
    token = invite(api, alice, acme).json()["token"]
    response = api().post(
        f"/api/team/invitations/{token}/accept", {"name": "Newbie", "password": "Fresh-Pass-1"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["tenant"]["slug"] == "acme" and response.json()["tokens"]["access"]
    assert Membership.objects.get(user__email="newbie@example.com", tenant=acme).role == "member"


def test_existing_user_accepts_invitation_while_logged_in(api, alice, bob, acme):
    token = invite(api, alice, acme, email="bob@example.com", role="admin").json()["token"]
    response = api(bob).post(f"/api/team/invitations/{token}/accept", {}, format="json")
    assert response.status_code == 200
    assert Membership.objects.get(user=bob, tenant=acme).role == "admin"


def test_existing_user_must_log_in_to_accept(api, alice, bob, acme):
    token = invite(api, alice, acme, email="bob@example.com").json()["token"]
    response = api().post(f"/api/team/invitations/{token}/accept", {"password": "Whatever-1x"}, format="json")
    assert response.status_code == 401
    assert not Membership.objects.filter(user=bob, tenant=acme).exists()


def test_invitation_for_someone_else_cannot_be_accepted(api, alice, charlie, acme):
    token = invite(api, alice, acme, email="bob@example.com").json()["token"]
    assert api(charlie).post(f"/api/team/invitations/{token}/accept", {}, format="json").status_code == 403


def test_expired_invitation_cannot_be_accepted(api, alice, acme):
    token = invite(api, alice, acme).json()["token"]
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api().post(f"/api/team/invitations/{token}/accept", {"password": "Fresh-Pass-1"}, format="json")
    assert response.status_code == 410
    assert response.json()["error_code"] == "invitation_expired"


def test_invitation_is_single_use(api, alice, acme):
    token = invite(api, alice, acme).json()["token"]
    api().post(f"/api/team/invitations/{token}/accept", {"password": "Fresh-Pass-1"}, format="json")
    second = api().post(f"/api/team/invitations/{token}/accept", {"password": "Fresh-Pass-1"}, format="json")
    assert second.status_code == 410


def test_invitation_expires_after_seven_days(api, alice, acme):
    invite(api, alice, acme)
    invitation = Invitation.objects.get()
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)


def test_unknown_invitation_token_is_404(api):
    assert api().post("/api/team/invitations/nope/accept", {}, format="json").status_code == 404


def test_invitations_are_listed_with_status(api, alice, acme):
    invite(api, alice, acme)
    body = api(alice, acme).get("/api/team/invitations").json()
    assert [(i["email"], i["status"]) for i in body["results"]] == [("newbie@example.com", "pending")]


def test_revoked_invitation_cannot_be_accepted(api, alice, acme):
    created = invite(api, alice, acme).json()
    assert api(alice, acme).delete(f"/api/team/invitations/{created['id']}").status_code == 204
    response = api().post(
        f"/api/team/invitations/{created['token']}/accept", {"password": "Fresh-Pass-1"}, format="json"
    )
    assert response.status_code == 410


def change_role(api, actor, tenant, target, role):
    return api(actor, tenant).put(f"/api/team/members/{target.pk}/role", {"role": role}, format="json")


def test_admin_changes_member_to_admin(api, amy, mike, acme):
    assert change_role(api, amy, acme, mike, "admin").status_code == 200
    assert Membership.objects.get(user=mike, tenant=acme).role == "admin"


def test_member_cannot_change_roles(api, mike, amy, acme):
    assert change_role(api, mike, acme, amy, "member").status_code == 403


def test_admin_cannot_promote_to_owner(api, amy, mike, acme):
    assert change_role(api, amy, acme, mike, "owner").status_code == 403


def test_admin_cannot_demote_an_owner(api, amy, alice, acme):
    assert change_role(api, amy, acme, alice, "member").status_code == 403
    assert Membership.objects.get(user=alice, tenant=acme).role == "owner"


def test_owner_promotes_admin_to_owner(api, alice, amy, acme):
    assert change_role(api, alice, acme, amy, "owner").status_code == 200


def test_last_owner_cannot_be_demoted(api, alice, acme):
    response = change_role(api, alice, acme, alice, "admin")
    assert response.status_code == 409
    assert response.json()["error_code"] == "last_owner"


def test_owner_can_step_down_when_another_owner_exists(api, alice, amy, acme):
    change_role(api, alice, acme, amy, "owner")
    assert change_role(api, alice, acme, alice, "admin").status_code == 200


def test_role_change_rejects_unknown_role(api, alice, mike, acme):
    response = change_role(api, alice, acme, mike, "king")
    assert response.status_code == 400 and "role" in response.json()["errors"]


def test_role_change_of_non_member_is_404(api, alice, bob, acme):
    assert change_role(api, alice, acme, bob, "admin").status_code == 404


def test_last_owner_cannot_be_removed(api, alice, acme):
    response = api(alice, acme).delete(f"/api/team/members/{alice.pk}")
    assert response.status_code == 409


def test_admin_removes_member(api, amy, mike, acme):
    assert api(amy, acme).delete(f"/api/team/members/{mike.pk}").status_code == 204
    assert not Membership.objects.filter(user=mike, tenant=acme).exists()


def test_admin_cannot_remove_owner(api, amy, alice, acme):
    assert api(amy, acme).delete(f"/api/team/members/{alice.pk}").status_code == 403


def test_member_cannot_remove_others_but_can_leave(api, mike, amy, acme):
    assert api(mike, acme).delete(f"/api/team/members/{amy.pk}").status_code == 403
    assert api(mike, acme).delete(f"/api/team/members/{mike.pk}").status_code == 204


def test_team_stats_count_members_by_role(api, alice, acme):
    invite(api, alice, acme)
    body = api(alice, acme).get("/api/team/stats").json()
    assert body["members"] == 3
    assert body["by_role"] == {"owner": 1, "admin": 1, "member": 1}
    assert body["pending_invitations"] == 1


def test_bob_cannot_touch_acme_team_through_host_or_header(api, bob, acme, mike):
    for client in (api(bob, acme), api(bob, headers={"X-Tenant": "acme"})):
        assert client.get("/api/team/members").status_code == 403
        assert client.delete(f"/api/team/members/{mike.pk}").status_code == 403
        assert client.put(f"/api/team/members/{mike.pk}/role", {"role": "admin"}, format="json").status_code == 403
    assert Membership.objects.get(user=mike, tenant=acme).role == "member"


def test_charlie_without_tenant_sees_nothing(api, charlie, acme):
    assert api(charlie, acme).get("/api/team/members").status_code == 403
