"""Acme and Globex as agencies (inside each test's transaction): Alice owns Acme (Amy an admin, Mike a member), Bob
owns Globex. Their clients are made by the agencies' own service, as the API makes them."""

import pytest

from agencies.services import create_client
from tenants.models import Tenant


def as_agency(tenant):
    tenant.kind = Tenant.Kind.AGENCY
    tenant.save(update_fields=["kind"])
    return tenant


@pytest.fixture
def acme_agency(acme):
    return as_agency(acme)


@pytest.fixture
def globex_agency(globex):
    return as_agency(globex)


@pytest.fixture
def smile(acme_agency, alice):
    """Acme's client."""
    return create_client(acme_agency, actor=alice, name="Smile Dental", slug="smile-dental")


@pytest.fixture
def homes(globex_agency, bob):
    """Globex's client."""
    return create_client(globex_agency, actor=bob, name="Sunny Homes", slug="sunny-homes")
