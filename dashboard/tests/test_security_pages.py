"""A member's own sign-in security pages: two-factor sign-in (set up with a QR code and a code, recovery codes shown
once, turned off with the password; reachable where the tenant requires 2FA) and the API sessions, each revocable
by its own user only."""

import re

import pyotp
import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import RecoveryCode
from accounts.services import active_sessions
from accounts.tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db

PAGE = "/settings/two-factor"


def secret_on(response) -> str:
    return re.search(r'id="two-factor-secret">([A-Z2-7]+)<', response.content.decode()).group(1)


def set_up(client):
    started = client.post(PAGE, {"action": "start"})
    assert started.status_code == 200 and "<svg" in started.content.decode()
    return client.post(PAGE, {"action": "confirm", "code": pyotp.TOTP(secret_on(started)).now()})


def test_a_member_sets_up_two_factor_and_sees_the_recovery_codes_once(browser, mike, acme):
    client = browser(mike, acme)
    assert "Set up two-factor sign-in" in client.get(PAGE).content.decode()
    confirmed = set_up(client)
    assert confirmed.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", confirmed.content.decode())
    assert len(codes) == 10 and RecoveryCode.objects.filter(user=mike).count() == 10
    mike.refresh_from_db()
    assert mike.two_factor_enabled
    again = client.get(PAGE).content.decode()
    assert "is <strong>on</strong>" in again and codes[0] not in again


def test_a_wrong_code_leaves_two_factor_off_and_is_named(browser, mike, acme):
    client = browser(mike, acme)
    client.post(PAGE, {"action": "start"})
    response = client.post(PAGE, {"action": "confirm", "code": "000000"})
    assert response.status_code == 400 and "Code from the app" in response.content.decode()
    mike.refresh_from_db()
    assert not mike.two_factor_enabled


def test_two_factor_is_turned_off_with_the_password_only(browser, mike, acme):
    client = browser(mike, acme)
    set_up(client)
    assert client.post(PAGE, {"action": "disable", "password": "not-it"}).status_code == 400
    mike.refresh_from_db()
    assert mike.two_factor_enabled
    assert client.post(PAGE, {"action": "disable", "password": PASSWORD}, follow=True).status_code == 200
    mike.refresh_from_db()
    assert not mike.two_factor_enabled


def test_where_the_tenant_requires_two_factor_the_setup_page_stays_open(browser, mike, acme):
    acme.require_two_factor = True
    acme.save(update_fields=["require_two_factor"])
    client = browser(mike, acme)
    refused = client.get("/calls")
    assert refused.status_code == 403 and PAGE in refused.content.decode()
    assert client.get(PAGE).status_code == 200
    set_up(client)
    assert client.get("/calls").status_code == 200


def test_a_visitor_is_sent_to_log_in(browser, acme):
    assert browser(tenant=acme).get(PAGE)["Location"].startswith("/login")


# Sessions ---------------------------------------------------------------------------------------------


@pytest.fixture
def newcomer(acme):
    """A member of acme with API sessions of their own only (the personas' sessions outlive their tests)."""
    return MembershipFactory(tenant=acme).user


def api_login(user, ip, agent):
    client = APIClient(HTTP_HOST=settings.API_HOST, REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)
    response = client.post("/api/auth/login", {"email": user.email, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    return response.json()["tokens"]


def test_the_sessions_page_lists_each_api_session_with_its_address_and_app(browser, newcomer, acme):
    api_login(newcomer, "203.0.113.7", "curl/8.5")
    api_login(newcomer, "198.51.100.23", "Zapier")
    page = browser(newcomer, acme).get("/settings/sessions").content.decode()
    assert "203.0.113.7" in page and "curl/8.5" in page and "198.51.100.23" in page and "Zapier" in page


def test_a_session_is_signed_out_and_can_no_longer_refresh(browser, newcomer, acme):
    tokens = api_login(newcomer, "203.0.113.7", "curl/8.5")
    [session] = active_sessions(newcomer)
    response = browser(newcomer, acme).post(f"/settings/sessions/{session.pk}/revoke", follow=True)
    assert "That session is signed out" in response.content.decode()
    refused = APIClient(HTTP_HOST=settings.API_HOST).post("/api/auth/refresh", {"refresh": tokens["refresh"]})
    assert refused.status_code == 401


def test_another_users_session_cannot_be_signed_out(browser, newcomer, mike, acme):
    api_login(newcomer, "203.0.113.7", "curl/8.5")
    [session] = active_sessions(newcomer)
    assert browser(mike, acme).post(f"/settings/sessions/{session.pk}/revoke").status_code == 404
    assert active_sessions(newcomer).count() == 1


def test_signing_out_a_session_takes_a_post(browser, newcomer, acme):
    api_login(newcomer, "203.0.113.7", "curl/8.5")
    [session] = active_sessions(newcomer)
    assert browser(newcomer, acme).get(f"/settings/sessions/{session.pk}/revoke").status_code == 405


# The workspace's guards: two-factor sign-in required of every member, and the allowed addresses.

WORKSPACE = "/settings/workspace-security"


def test_an_owner_with_two_factor_requires_it_of_every_member(browser, alice, acme):
    alice.two_factor_enabled = True
    alice.save(update_fields=["two_factor_enabled"])
    response = browser(alice, acme).post(WORKSPACE, {"action": "two_factor", "required": "on"})
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.require_two_factor


def test_an_owner_without_two_factor_is_told_to_turn_it_on_first(browser, alice, acme):
    response = browser(alice, acme).post(WORKSPACE, {"action": "two_factor", "required": "on"})
    assert (
        response.status_code == 400 and "Turn on two-factor sign-in for your own account" in response.content.decode()
    )
    acme.refresh_from_db()
    assert not acme.require_two_factor


def test_an_owner_lifts_the_two_factor_requirement(browser, alice, acme):
    acme.require_two_factor = True
    acme.save(update_fields=["require_two_factor"])
    alice.two_factor_enabled = True
    alice.save(update_fields=["two_factor_enabled"])
    assert browser(alice, acme).post(WORKSPACE, {"action": "two_factor"}).status_code == 302
    acme.refresh_from_db()
    assert not acme.require_two_factor


def test_an_admin_sees_the_requirement_but_cannot_change_it(browser, amy, acme):
    client = browser(amy, acme)
    assert "Only owners change this." in client.get(WORKSPACE).content.decode()
    assert client.post(WORKSPACE, {"action": "two_factor", "required": "on"}).status_code == 403
    acme.refresh_from_db()
    assert not acme.require_two_factor


def test_a_member_gets_the_403_page_on_workspace_security(browser, mike, acme):
    client = browser(mike, acme)
    assert client.get(WORKSPACE).status_code == 403
    assert client.post(WORKSPACE, {"action": "allowlist", "ranges": "10.0.0.0/8"}).status_code == 403
    acme.refresh_from_db()
    assert acme.ip_allowlist == []


def test_an_admin_allows_addresses_that_include_their_own(browser, amy, acme):
    response = browser(amy, acme).post(WORKSPACE, {"action": "allowlist", "ranges": "127.0.0.1\n\n 203.0.113.0/24 "})
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.ip_allowlist == ["127.0.0.1/32", "203.0.113.0/24"]


def test_addresses_that_would_shut_out_the_one_saving_them_are_refused_beside_the_field(browser, amy, acme):
    response = browser(amy, acme).post(WORKSPACE, {"action": "allowlist", "ranges": "203.0.113.0/24"})
    page = response.content.decode()
    assert response.status_code == 400 and 'id="id_ranges_errors"' in page and "Add 127.0.0.1" in page
    assert "203.0.113.0/24</textarea>" in page  # what was typed stays in the field
    acme.refresh_from_db()
    assert acme.ip_allowlist == []


def test_a_range_that_is_not_an_address_is_named(browser, amy, acme):
    response = browser(amy, acme).post(WORKSPACE, {"action": "allowlist", "ranges": "127.0.0.1\nnot-an-ip"})
    assert response.status_code == 400 and "Not an IP address or CIDR range: not-an-ip" in response.content.decode()
    acme.refresh_from_db()
    assert acme.ip_allowlist == []
