"""A tenant's IP allow-list: its API and dashboard answer only clients inside the listed CIDR ranges, checked before
authentication, with the client IP found behind our trusted proxies (a client cannot claim one with X-Forwarded-For)."""

import pytest
from django.test import Client
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from accounts.tests.factories import access_token
from compliance.models import AuditEvent
from conftest import host_of
from tenants.models import Tenant
from tenants.services import set_ip_allowlist

pytestmark = pytest.mark.django_db

OFFICE = "203.0.113.0/24"
PROXY = "10.0.0.5"
ALLOWLIST = "/api/tenant/ip-allowlist"


@pytest.fixture
def office_only(acme):
    set_ip_allowlist(acme, [OFFICE])


def client(user, tenant, *, remote="127.0.0.1", forwarded=None):
    api = APIClient()
    extra = {"HTTP_HOST": host_of(tenant), "REMOTE_ADDR": remote}
    if user is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {access_token(user)}"
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    api.credentials(**extra)
    return api


def test_a_client_inside_the_list_is_served(alice, acme, office_only):
    assert client(alice, acme, remote="203.0.113.7").get("/api/team/members").status_code == 200


def test_a_client_outside_the_list_is_refused_before_authentication(alice, acme, office_only):
    response = client(alice, acme, remote="198.51.100.1").get("/api/team/members")
    assert (response.status_code, response.json()["error_code"]) == (403, "ip_not_allowed")
    anonymous = client(None, acme, remote="198.51.100.1").get("/api/team/members")
    assert (anonymous.status_code, anonymous.json()["error_code"]) == (403, "ip_not_allowed")


def test_an_api_key_from_outside_the_list_is_refused(acme, alice, office_only, make_api_key):
    _, secret = make_api_key(acme, alice)
    api = APIClient()
    api.credentials(HTTP_HOST=host_of(acme), REMOTE_ADDR="198.51.100.1", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/team/members").json()["error_code"] == "ip_not_allowed"


def test_the_dashboard_and_admin_are_refused_too(acme, office_only):
    assert Client(HTTP_HOST=host_of(acme), REMOTE_ADDR="198.51.100.1").get("/admin/login/").status_code == 403


def test_behind_a_trusted_proxy_the_forwarded_client_is_checked(alice, acme, office_only, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    inside = client(alice, acme, remote=PROXY, forwarded="203.0.113.7")
    outside = client(alice, acme, remote=PROXY, forwarded="198.51.100.1")
    assert inside.get("/api/team/members").status_code == 200
    assert outside.get("/api/team/members").status_code == 403


def test_a_client_cannot_claim_an_allowed_address_through_an_untrusted_peer(alice, acme, office_only, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    spoofed = client(alice, acme, remote="198.51.100.1", forwarded="203.0.113.7")
    assert spoofed.get("/api/team/members").status_code == 403


def test_other_tenants_are_not_affected(bob, globex, office_only):
    assert client(bob, globex, remote="198.51.100.1").get("/api/team/members").status_code == 200


def test_twilios_webhooks_are_not_behind_the_list(acme, office_only):
    response = Client(HTTP_HOST=host_of(acme), REMOTE_ADDR="198.51.100.1").post("/webhooks/twilio/acme/voice", {})
    assert b"ip_not_allowed" not in response.content and b"not reachable" not in response.content


def test_health_checks_are_not_behind_the_list(acme, office_only):
    assert Client(HTTP_HOST=host_of(acme), REMOTE_ADDR="198.51.100.1").get("/health").status_code == 200


# Setting it -----------------------------------------------------------------------------------------


def test_an_admin_sets_the_list_normalised_and_it_is_audited(amy, acme):
    body = {"ranges": ["203.0.113.9/24", "127.0.0.1", "127.0.0.1"]}
    response = client(amy, acme).put(ALLOWLIST, body, format="json")
    assert response.json() == {"ranges": [OFFICE, "127.0.0.1/32"]}
    assert Tenant.objects.get(pk=acme.pk).ip_allowlist == [OFFICE, "127.0.0.1/32"]
    with tenant_context(acme):
        entry = AuditEvent.objects.get(action="tenant.ip_allowlist_changed")
        assert (entry.actor_label, entry.data["to"]) == ("amy@example.com", [OFFICE, "127.0.0.1/32"])


def test_a_list_that_leaves_out_the_callers_own_address_is_refused(amy, acme):
    response = client(amy, acme).put(ALLOWLIST, {"ranges": [OFFICE]}, format="json")
    assert (response.status_code, response.json()["error_code"]) == (409, "ip_allowlist_excludes_you")
    assert Tenant.objects.get(pk=acme.pk).ip_allowlist == []


def test_a_bad_range_is_400_naming_the_field(amy, acme):
    response = client(amy, acme).put(ALLOWLIST, {"ranges": ["10.0.0.0/33", "not an ip"]}, format="json")
    assert (response.status_code, response.json()["error_code"]) == (400, "invalid_ip_range")
    assert len(response.json()["errors"]["ranges"]) == 2


def test_an_empty_list_opens_the_tenant_again(amy, acme, office_only):
    assert client(amy, acme, remote="203.0.113.7").put(ALLOWLIST, {"ranges": []}, format="json").status_code == 200
    assert client(amy, acme, remote="198.51.100.1").get("/api/team/members").status_code == 200


def test_members_cannot_change_the_list(mike, acme):
    assert client(mike, acme).put(ALLOWLIST, {"ranges": ["127.0.0.1"]}, format="json").status_code == 403
