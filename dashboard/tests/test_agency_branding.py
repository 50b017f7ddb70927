"""The agency's brand editor (with its live preview) and its custom domains, verified by a DNS TXT record."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tenants.models import Domain, Tenant
from tenants.services import add_custom_domain
from tenants.tests.images import SVG, image

pytestmark = pytest.mark.django_db

BRAND = {
    "product_name": "BrightDesk",
    "primary_colour": "#0a7d5a",
    "support_email": "help@brightdesk.example",
    "sender_name": "BrightDesk Support",
}


@pytest.fixture
def agency(acme):
    acme.kind = Tenant.Kind.AGENCY
    acme.save(update_fields=["kind"])
    return acme


def test_the_brand_page_shows_the_form_and_its_live_preview(browser, alice, agency):
    page = browser(alice, agency).get("/agency/branding").content.decode()
    assert 'id="brand-form"' in page and 'data-preview="name">Acme Dental<' in page
    assert "dashboard/branding.js" in page and "<script>" not in page  # the preview runs from a file (CSP)


def test_an_owner_saves_the_brand_and_the_dashboard_wears_it(browser, alice, agency):
    logo = image("WEBP")
    response = browser(alice, agency).post("/agency/branding", {**BRAND, "logo": SimpleUploadedFile("l.webp", logo)})
    assert response.status_code == 200 and "The brand is saved." in response.content.decode()
    agency.refresh_from_db()
    assert {name: getattr(agency, name) for name in BRAND} == BRAND
    page = browser(alice, agency).get("/").content.decode()
    logo_path = f"/brand/logo/{hashlib.sha256(logo).hexdigest()}"
    assert "BrightDesk</title>" in page and f'src="{logo_path}"' in page and "/brand.css" in page


def test_an_svg_logo_is_refused_beside_its_field_and_nothing_is_saved(browser, alice, agency):
    svg = SimpleUploadedFile("l.svg", SVG, content_type="image/svg+xml")
    response = browser(alice, agency).post("/agency/branding", {**BRAND, "logo": svg})
    assert response.status_code == 400 and 'id="id_logo_errors"' in response.content.decode()
    agency.refresh_from_db()
    assert agency.product_name == ""


def test_a_bad_colour_is_named_beside_its_field(browser, alice, agency):
    response = browser(alice, agency).post("/agency/branding", {**BRAND, "primary_colour": "green"})
    assert response.status_code == 400 and 'id="id_primary_colour_errors"' in response.content.decode()
    agency.refresh_from_db()
    assert agency.primary_colour == ""


def test_members_see_the_brand_but_cannot_change_it(browser, mike, agency):
    assert browser(mike, agency).get("/agency/branding").status_code == 200
    assert browser(mike, agency).post("/agency/branding", BRAND).status_code == 403
    assert browser(mike, agency).post("/agency/domains", {"domain": "calls.acme.example"}).status_code == 403


def test_a_tenant_that_is_not_an_agency_has_no_brand_page(browser, bob, globex):
    assert browser(bob, globex).get("/agency/branding").status_code == 404


def test_a_domain_added_shows_its_dns_record_and_serves_once_checked(browser, alice, agency, fake_dns):
    response = browser(alice, agency).post("/agency/domains", {"domain": "calls.acme.example"})
    assert response.status_code == 201
    domain = Domain.objects.get(domain="calls.acme.example")
    record = f'TXT _domain-verification.calls.acme.example "{domain.verification_token}"'
    assert record in response.content.decode().replace("&quot;", '"')
    checked = browser(alice, agency).post(f"/agency/domains/{domain.pk}/verify").content.decode()
    assert "is not found yet" in checked
    fake_dns.publish("_domain-verification.calls.acme.example", domain.verification_token)
    checked = browser(alice, agency).post(f"/agency/domains/{domain.pk}/verify").content.decode()
    assert "calls.acme.example is verified and serves now." in checked


def test_a_domain_taken_already_is_named_beside_the_field(browser, alice, agency):
    add_custom_domain(agency, "calls.acme.example")
    response = browser(alice, agency).post("/agency/domains", {"domain": "calls.acme.example"})
    assert response.status_code == 400 and 'id="id_domain_errors"><li>Already in use.' in response.content.decode()


def test_another_tenants_domain_cannot_be_checked_from_here(browser, alice, agency, globex):
    globex.kind = Tenant.Kind.AGENCY
    globex.save(update_fields=["kind"])
    theirs = add_custom_domain(globex, "calls.globex.example")
    assert browser(alice, agency).post(f"/agency/domains/{theirs.pk}/verify").status_code == 404
