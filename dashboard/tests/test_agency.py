"""The agency console: client workspaces with their usage, a new client, and an audited switch into one."""

import re

import pytest
from django_tenants.utils import tenant_context

from accounts.models import Membership
from billing.models import Plan
from billing.services import assign_plan, set_client_price
from calls.tests.factories import CallFactory
from compliance.models import AuditEvent
from tenants.models import Tenant
from tenants.services import create_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency(acme):
    """Acme as an agency on the agency plan (this test's transaction only): Alice owns it, Mike is a member."""
    assign_plan(acme, Plan.objects.get(slug="agency"))
    acme.refresh_from_db()
    return acme


def test_an_agency_owner_creates_a_client_and_owns_it(browser, alice, agency):
    response = browser(alice, agency).post("/agency/clients", {"name": "Bright Smiles", "slug": "bright-smiles"})
    assert response.status_code == 201
    client = Tenant.objects.get(slug="bright-smiles")
    assert (client.kind, client.parent_id) == ("client", agency.pk)
    assert Membership.objects.get(user=alice, tenant=client).role == "owner"
    page = response.content.decode()
    assert "Bright Smiles is created" in page and re.search(r'data-usage="minutes">0(\.0)?<', page)


def test_a_taken_client_address_is_named(browser, alice, agency):
    response = browser(alice, agency).post("/agency/clients", {"name": "Globex again", "slug": "globex"})
    assert response.status_code == 400 and 'id="id_slug_errors"><li>Already taken.' in response.content.decode()


def test_switching_into_a_client_is_audited_in_the_client_and_leads_to_its_login(browser, alice, agency):
    client = create_tenant(
        name="Bright Smiles", slug="bright-smiles", kind=Tenant.Kind.CLIENT, parent=agency, owner=alice
    )
    response = browser(alice, agency).post(f"/agency/clients/{client.pk}/switch")
    assert response["Location"] == "http://bright-smiles.localhost/login?email=alice%40example.com"
    assert "form-action 'self' *.localhost:*" in response["Content-Security-Policy"]
    with tenant_context(client):
        event = AuditEvent.objects.get()
    assert (event.action, event.actor_label, event.data) == (
        "agency.impersonation",
        "alice@example.com",
        {"agency": "acme"},
    )


def test_a_tenant_that_is_not_an_agency_has_no_clients_page(browser, bob, globex):
    assert browser(bob, globex).get("/agency/clients").status_code == 404


def test_a_tenant_that_is_not_its_client_cannot_be_switched_into(browser, alice, agency, globex):
    assert browser(alice, agency).post(f"/agency/clients/{globex.pk}/switch").status_code == 404


def test_a_member_of_the_agency_sees_the_clients_but_cannot_create_or_switch(browser, agency, mike, globex):
    client = browser(mike, agency)
    assert "No clients yet." in client.get("/agency/clients").content.decode()
    assert client.post("/agency/clients", {"name": "X", "slug": "xxx"}).status_code == 403
    assert client.post(f"/agency/clients/{globex.pk}/switch").status_code == 403


def test_the_clients_page_lets_its_switch_forms_lead_to_the_clients_hosts(browser, alice, agency):
    # Browsers check a form's redirect against the CSP of the page the form is on, not the answer's.
    response = browser(alice, agency).get("/agency/clients")
    assert "form-action 'self' *.localhost:*" in response["Content-Security-Policy"]


def test_the_clients_roll_up_covers_the_period_asked(browser, alice, agency):
    client = create_tenant(name="Bright Smiles", slug="bright-smiles", kind=Tenant.Kind.CLIENT, parent=agency)
    set_client_price(client, monthly_price="50.00")
    with tenant_context(client):
        CallFactory(duration_seconds=120, cost={"total": "0.4000"})
    page = browser(alice, agency).get("/agency/clients").content.decode()
    assert 'data-usage="calls">1<' in page and 'data-usage="cost">0.4000<' in page
    assert 'data-usage="charge">50.00 USD<' in page
    earlier = browser(alice, agency).get("/agency/clients", {"date_from": "2020-01-01", "date_to": "2020-01-31"})
    assert 'data-usage="calls">0<' in earlier.content.decode()


def test_a_bad_period_is_named_and_this_month_shown(browser, alice, agency):
    response = browser(alice, agency).get("/agency/clients", {"date_from": "2026-02-30"})
    assert response.status_code == 200 and 'id="id_date_from_errors"' in response.content.decode()
