"""Agencies create client tenants and white-label them on their own domains."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Membership
from billing.models import Plan
from billing.services import assign_plan
from compliance.models import AuditEvent
from config.errors import DomainError
from tenants.models import Tenant
from tenants.services import add_custom_domain, create_tenant, verification_record, verify_pending_domains

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency(alice):
    agency = create_tenant(name="Voice Agency", slug="voice-agency", kind=Tenant.Kind.AGENCY, owner=alice)
    assign_plan(agency, Plan.objects.get(slug="agency"))
    return agency


def test_agency_owner_creates_a_client_tenant_and_owns_it(api, alice, agency):
    response = api(alice, agency).post(
        "/api/agency/clients", {"name": "Smile Dental", "slug": "smile-dental"}, format="json"
    )
    assert response.status_code == 201, response.json()
    client = Tenant.objects.get(slug="smile-dental")
    assert (client.kind, client.parent_id) == ("client", agency.pk)
    assert Membership.objects.get(user=alice, tenant=client).role == "owner"
    assert response.json()["host"] == "smile-dental.localhost"


def test_agency_lists_only_its_own_clients(api, alice, agency, bob):
    other = create_tenant(name="Other Agency", slug="other-agency", kind=Tenant.Kind.AGENCY, owner=bob)
    create_tenant(name="Theirs", slug="their-client", kind=Tenant.Kind.CLIENT, parent=other)
    create_tenant(name="Ours", slug="our-client", kind=Tenant.Kind.CLIENT, parent=agency)
    slugs = [t["slug"] for t in api(alice, agency).get("/api/agency/clients").json()["results"]]
    assert slugs == ["our-client"]


def test_direct_tenant_has_no_clients(api, alice, acme):
    assert api(alice, acme).get("/api/agency/clients").status_code == 403


def test_client_tenant_needs_an_agency_parent(acme):
    with pytest.raises(DomainError):
        create_tenant(name="Orphan", slug="orphan", kind=Tenant.Kind.CLIENT, parent=acme)


def test_a_custom_domain_serves_nobody_until_its_txt_record_holds_its_token(api, alice, agency, fake_dns):
    response = api(alice, agency).post("/api/tenant/domains", {"domain": "calls.voiceagency.com"}, format="json")
    assert response.status_code == 201
    record = response.json()["verification"]
    assert (response.json()["status"], record["type"], record["name"]) == (
        "pending",
        "TXT",
        "_domain-verification.calls.voiceagency.com",
    )
    assert api(alice, host="calls.voiceagency.com").get("/api/tenant").status_code == 404
    assert verify_pending_domains() == []
    fake_dns.publish(record["name"], "someone-else's-token")
    fake_dns.publish(record["name"], record["value"])
    assert verify_pending_domains() == ["calls.voiceagency.com"]
    served = api(alice, host="calls.voiceagency.com").get("/api/tenant")
    assert served.json()["slug"] == "voice-agency"
    with tenant_context(agency):
        assert AuditEvent.objects.filter(
            action="tenant.domain_verified", target="domain:calls.voiceagency.com"
        ).exists()


def test_the_owner_checks_a_domain_at_once(api, alice, agency, fake_dns):
    client = api(alice, agency)
    domain = client.post("/api/tenant/domains", {"domain": "calls.voiceagency.com"}, format="json").json()
    assert client.post(f"/api/tenant/domains/{domain['id']}/verify").json()["status"] == "pending"
    fake_dns.publish(domain["verification"]["name"], domain["verification"]["value"])
    checked = client.post(f"/api/tenant/domains/{domain['id']}/verify").json()
    assert (checked["status"], checked["verified_at"] is not None) == ("verified", True)


def test_a_domain_unchecked_for_longer_than_the_verification_window_is_no_longer_asked(agency, fake_dns):
    domain = add_custom_domain(agency, "calls.voiceagency.com")
    fake_dns.publish(verification_record(domain)["name"], domain.verification_token)
    later = timezone.now() + timedelta(days=settings.DOMAIN_VERIFICATION_DAYS, minutes=1)
    assert verify_pending_domains(now=later) == [] and fake_dns.questions == []


def test_another_tenants_domain_cannot_be_verified_from_here(api, alice, bob, agency, globex, fake_dns):
    domain = add_custom_domain(agency, "calls.voiceagency.com")
    assert api(bob, globex).post(f"/api/tenant/domains/{domain.pk}/verify").status_code == 404


def test_custom_domain_cannot_be_taken_twice_or_be_a_platform_host(api, alice, agency):
    api(alice, agency).post("/api/tenant/domains", {"domain": "calls.voiceagency.com"}, format="json")
    assert (
        api(alice, agency).post("/api/tenant/domains", {"domain": "calls.voiceagency.com"}, format="json").status_code
        == 409
    )
    assert api(alice, agency).post("/api/tenant/domains", {"domain": "x.localhost"}, format="json").status_code == 400


def test_direct_tenant_cannot_add_custom_domains(api, alice, acme):
    assert api(alice, acme).post("/api/tenant/domains", {"domain": "acme-calls.com"}, format="json").status_code == 400


def test_branding_is_updated_by_admins_not_members(api, amy, mike, acme):
    body = {"product_name": "Acme Voice", "primary_colour": "#1a73e8", "support_email": "help@acme.com"}
    assert api(mike, acme).patch("/api/tenant", body, format="json").status_code == 403
    response = api(amy, acme).patch("/api/tenant", body, format="json")
    assert response.status_code == 200
    assert response.json()["product_name"] == "Acme Voice"
