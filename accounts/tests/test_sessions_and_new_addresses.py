"""Accounts that show a takeover: a sign-in from an address the user never signed in from is emailed to them, and the
user sees their active sessions (refresh tokens) and can end any one of them."""

import pytest
from django.conf import settings
from django.core import mail
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD, MembershipFactory
from compliance.models import AuditEvent

pytestmark = pytest.mark.django_db

HOME, ELSEWHERE = "203.0.113.7", "198.51.100.23"


def anonymous(ip=HOME, user_agent="Firefox/140"):
    return APIClient(HTTP_HOST=settings.API_HOST, REMOTE_ADDR=ip, HTTP_USER_AGENT=user_agent)


def login(user, ip=HOME, user_agent="Firefox/140"):
    client = anonymous(ip, user_agent)
    response = client.post("/api/auth/login", {"email": user.email, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()["tokens"]


def new_address_mails():
    return [message for message in mail.outbox if message.subject.endswith("New sign-in to your account")]


def test_the_first_sign_in_sends_no_notice(mike):
    login(mike)
    assert new_address_mails() == []


def test_a_sign_in_from_a_known_address_sends_no_notice(mike):
    login(mike)
    login(mike)
    assert new_address_mails() == []


def test_a_sign_in_from_a_new_address_is_emailed_to_the_user(
    mike, notification_emails, django_capture_on_commit_callbacks
):
    login(mike)
    with django_capture_on_commit_callbacks(execute=True):
        login(mike, ip=ELSEWHERE)
    [notice] = new_address_mails()
    assert notice.to == [mike.email] and ELSEWHERE in notice.body


def test_a_failed_sign_in_from_a_new_address_sends_no_notice(mike):
    login(mike)
    anonymous(ELSEWHERE).post("/api/auth/login", {"email": mike.email, "password": "wrong"}, format="json")
    assert new_address_mails() == []


def sessions(api, user, tokens):
    return api(headers={"Authorization": f"Bearer {tokens['access']}"}).get("/api/auth/sessions")


@pytest.fixture
def newcomer(acme):
    """A member of acme whose only sessions are the test's (the personas' logins of committed tests outlive them)."""
    return MembershipFactory(tenant=acme).user


def test_the_user_sees_each_active_session(api, newcomer):
    login(newcomer)
    second = login(newcomer, ip=ELSEWHERE)
    response = sessions(api, newcomer, second)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2
    assert {"id", "created_at", "expires_at", "ip", "user_agent"} == set(response.json()["results"][0])


def test_each_session_shows_the_address_and_browser_it_signed_in_from(api, newcomer):
    login(newcomer, user_agent="Firefox/140")
    tokens = login(newcomer, ip=ELSEWHERE, user_agent="curl/8.5")
    listed = [(each["ip"], each["user_agent"]) for each in sessions(api, newcomer, tokens).json()["results"]]
    assert listed == [(ELSEWHERE, "curl/8.5"), (HOME, "Firefox/140")]


def test_a_refreshed_session_shows_where_it_was_refreshed_from(api, newcomer):
    tokens = login(newcomer, user_agent="Firefox/140")
    refreshed = anonymous(ELSEWHERE, "Safari/18").post(
        "/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json"
    )
    assert refreshed.status_code == 200
    [session] = sessions(api, newcomer, refreshed.json()).json()["results"]
    assert (session["ip"], session["user_agent"]) == (ELSEWHERE, "Safari/18")


def test_a_revoked_session_can_no_longer_refresh(api, newcomer, acme):
    stolen, mine = login(newcomer, ip=ELSEWHERE), login(newcomer)
    client = api(headers={"Authorization": f"Bearer {mine['access']}"})
    oldest = client.get("/api/auth/sessions").json()["results"][-1]["id"]
    assert client.delete(f"/api/auth/sessions/{oldest}").status_code == 204
    refused = anonymous().post("/api/auth/refresh", {"refresh": stolen["refresh"]}, format="json")
    assert refused.status_code == 401
    assert len(client.get("/api/auth/sessions").json()["results"]) == 1
    with tenant_context(acme):
        assert AuditEvent.objects.filter(action="auth.session_revoked", actor_id=newcomer.pk).exists()


def test_another_users_session_cannot_be_revoked(api, mike, amy):
    amys = login(amy)
    amys_session = api(headers={"Authorization": f"Bearer {amys['access']}"}).get("/api/auth/sessions").json()
    mikes = login(mike)
    client = api(headers={"Authorization": f"Bearer {mikes['access']}"})
    assert client.delete(f"/api/auth/sessions/{amys_session['results'][0]['id']}").status_code == 404


def test_sessions_need_a_signed_in_user_not_an_api_key(api, alice, acme, make_api_key):
    assert api().get("/api/auth/sessions").status_code == 401
    _, secret = make_api_key(acme, alice)
    assert api(None, acme, api_key=secret).get("/api/auth/sessions").status_code == 403
