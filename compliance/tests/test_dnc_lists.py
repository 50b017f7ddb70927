"""blocked_numbers: the tenant's own DNC list and its agency's, in one set-based query; never another tenant's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from compliance.selectors import dnc_matches
from compliance.services import blocked_numbers
from compliance.tests.factories import DncEntryFactory
from config.errors import DomainError
from tenants.models import Tenant
from tenants.services import create_tenant

pytestmark = pytest.mark.django_db

LISTED, AGENCY_LISTED, FREE = "+12125550101", "+12125550102", "+12125550103"


@pytest.fixture
def agency(alice):
    agency = create_tenant(name="Voice Agency", slug="voice-agency", kind=Tenant.Kind.AGENCY, owner=alice)
    with tenant_context(agency):
        DncEntryFactory(number=AGENCY_LISTED)
    return agency


@pytest.fixture
def client_tenant(agency):
    client = create_tenant(name="Smile Dental", slug="smile-dental", kind=Tenant.Kind.CLIENT, parent=agency)
    with tenant_context(client):
        DncEntryFactory(number=LISTED)
    return client


def test_a_number_on_the_tenants_own_list_is_blocked(acme):
    with tenant_context(acme):
        DncEntryFactory(number=LISTED)
        assert blocked_numbers([LISTED, FREE]) == {LISTED}


def test_an_empty_input_blocks_nothing(acme):
    with tenant_context(acme):
        assert blocked_numbers([]) == set()


def test_the_agency_list_blocks_its_clients_numbers(client_tenant):
    with tenant_context(client_tenant):
        assert blocked_numbers([LISTED, AGENCY_LISTED, FREE]) == {LISTED, AGENCY_LISTED}
        assert sorted(dnc_matches([LISTED, AGENCY_LISTED])) == [(LISTED, "own"), (AGENCY_LISTED, "agency")]


def test_a_clients_list_does_not_block_the_agency(agency, client_tenant):
    with tenant_context(agency):
        assert blocked_numbers([LISTED, AGENCY_LISTED]) == {AGENCY_LISTED}


def test_another_tenants_list_blocks_nothing(acme, globex):
    with tenant_context(globex):
        DncEntryFactory(number=LISTED)
    with tenant_context(acme):
        assert blocked_numbers([LISTED]) == set()
    assert blocked_numbers([LISTED], tenant=globex) == {LISTED}


def test_another_agencys_list_does_not_block_a_client(agency, client_tenant, bob):
    other = create_tenant(name="Other Agency", slug="other-agency", kind=Tenant.Kind.AGENCY, owner=bob)
    with tenant_context(other):
        DncEntryFactory(number=FREE)
    assert blocked_numbers([FREE], tenant=client_tenant) == set()


def test_many_numbers_are_checked_in_one_query(client_tenant):
    numbers = [f"+1212555{n:04d}" for n in range(2000)]
    with tenant_context(client_tenant), CaptureQueriesContext(connection) as queries:
        assert blocked_numbers(numbers) == {LISTED, AGENCY_LISTED}
    # django-tenants' own `SET search_path` aside.
    assert len([q for q in queries if not q["sql"].startswith("SET search_path")]) == 1


def test_without_a_tenant_it_fails_closed(db):
    with pytest.raises(DomainError) as error:
        blocked_numbers([LISTED])
    assert error.value.error_code == "tenant_required"
