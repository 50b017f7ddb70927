"""Team: members and roles, invitations; what the accounts services refuse is shown on the page."""

import pytest
from django.core import mail

from accounts.models import ApiKey, Invitation, Membership
from accounts.services import create_api_key

pytestmark = pytest.mark.django_db


def test_the_team_page_lists_the_members_with_their_roles(browser, mike, acme):
    page = browser(mike, acme).get("/team").content.decode()
    for email in ("alice@example.com", "amy@example.com", "mike@example.com"):
        assert email in page
    assert "bob@example.com" not in page
    assert "Invite someone" not in page  # a member does not invite


def test_an_admin_invites_and_sees_the_link_once(browser, amy, acme, django_capture_on_commit_callbacks):
    client = browser(amy, acme)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/team/invite", {"email": "New@Example.com", "role": "member"})
    assert response.status_code == 201
    invitation = Invitation.objects.get(tenant=acme, email="new@example.com")
    assert invitation.role == "member" and mail.outbox[-1].to == ["new@example.com"]
    assert "http://acme.localhost/invitations/" in response.content.decode()
    assert "http://acme.localhost/invitations/" not in client.get("/team").content.decode()


def test_inviting_a_member_again_names_the_email_field(browser, amy, acme):
    response = browser(amy, acme).post("/team/invite", {"email": "mike@example.com", "role": "member"})
    assert response.status_code == 400
    assert 'id="id_email_errors"><li>Already a member.' in response.content.decode()


def test_an_invitation_with_an_unknown_role_names_the_role_field(browser, amy, acme):
    response = browser(amy, acme).post("/team/invite", {"email": "x@example.com", "role": "king"})
    assert response.status_code == 400
    assert 'id="id_role_errors"' in response.content.decode()


def test_an_admin_cannot_invite_an_owner(browser, amy, acme):
    response = browser(amy, acme).post("/team/invite", {"email": "x@example.com", "role": "owner"})
    assert response.status_code == 403
    assert "Only owners can invite owners." in response.content.decode()


def test_an_owner_changes_a_role(browser, alice, mike, acme):
    response = browser(alice, acme).post(f"/team/members/{mike.pk}/role", {"role": "admin"}, follow=True)
    assert "mike@example.com is now admin." in response.content.decode()
    assert Membership.objects.get(user=mike, tenant=acme).role == "admin"


def test_the_last_owner_cannot_be_demoted(browser, alice, acme):
    response = browser(alice, acme).post(f"/team/members/{alice.pk}/role", {"role": "member"})
    assert response.status_code == 400
    assert "The last owner cannot be demoted." in response.content.decode()


def test_a_member_of_another_tenant_cannot_be_changed(browser, alice, bob, acme):
    response = browser(alice, acme).post(f"/team/members/{bob.pk}/role", {"role": "member"})
    assert response.status_code == 404
    assert Membership.objects.get(user=bob).role == "owner"


def test_an_admin_removes_a_member_whose_keys_are_revoked(browser, amy, mike, acme):
    key, _ = create_api_key(tenant=acme, created_by=mike, name="k", scopes=["read"])
    response = browser(amy, acme).post(f"/team/members/{mike.pk}/remove", follow=True)
    assert "The member is removed." in response.content.decode()
    assert not Membership.objects.filter(user=mike, tenant=acme).exists()
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None


def test_a_member_leaves_and_is_logged_out(browser, mike, acme):
    client = browser(mike, acme)
    assert client.post(f"/team/members/{mike.pk}/remove")["Location"] == "/login"
    assert client.get("/")["Location"].startswith("/login")


def test_a_member_cannot_remove_another(browser, mike, amy, acme):
    assert browser(mike, acme).post(f"/team/members/{amy.pk}/remove").status_code == 403


def test_an_admin_revokes_an_invitation(browser, amy, acme):
    client = browser(amy, acme)
    client.post("/team/invite", {"email": "new@example.com", "role": "member"})
    invitation = Invitation.objects.get(email="new@example.com")
    client.post(f"/team/invitations/{invitation.pk}/revoke")
    invitation.refresh_from_db()
    assert invitation.status == "revoked"


def test_the_team_page_paginates_members(browser, alice, acme):
    from accounts.tests.factories import UserFactory

    for _ in range(25):
        Membership.objects.create(user=UserFactory(), tenant=acme, role="member")
    client = browser(alice, acme)
    assert "Page 1 of 2" in client.get("/team").content.decode()
    assert "Page 2 of 2" in client.get("/team?page=2").content.decode()
