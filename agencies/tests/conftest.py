"""Acme and Globex as agencies on the agency plan (inside each test's transaction): Alice owns Acme (Amy an admin, Mike a member), Bob
owns Globex. Their clients are made by the agencies' own service, as the API makes them."""

import pytest

from agencies.services import create_client
from billing.models import Plan
from billing.services import assign_plan


def as_agency(tenant):
    """On the agency plan, which makes a tenant an agency."""
    assign_plan(tenant, Plan.objects.get(slug="agency"))
    tenant.refresh_from_db()
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
