"""Agencies create client tenants and white-label them on their own domains."""

import pytest

from accounts.models import Membership
from config.errors import DomainError
from tenants.models import Domain, Tenant
from tenants.services import create_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency(alice):
    return create_tenant(name="Voice Agency", slug="voice-agency", kind=Tenant.Kind.AGENCY, owner=alice)


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


def test_agency_adds_a_custom_domain_that_then_serves_it(api, alice, agency):
    response = api(alice, agency).post("/api/tenant/domains", {"domain": "calls.voiceagency.com"}, format="json")
    assert response.status_code == 201
    assert Domain.objects.get(domain="calls.voiceagency.com").tenant_id == agency.pk
    served = api(alice, host="calls.voiceagency.com").get("/api/tenant")
    assert served.json()["slug"] == "voice-agency"


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
