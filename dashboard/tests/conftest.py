import pytest
from django.conf import settings
from django.test import Client

from calls.tests.factories import twilio_api  # noqa: F401 (the fake api.twilio.com, a fixture)
from conftest import host_of


@pytest.fixture
def browser():
    """`browser(user, tenant)`: a Django test client on the tenant's host (the platform's host without a tenant),
    logged in with a session when a user is given; `csrf=True` enforces CSRF checks as a real browser meets them."""

    def make(user=None, tenant=None, *, csrf=False):
        client = Client(HTTP_HOST=host_of(tenant) if tenant else settings.BASE_DOMAIN, enforce_csrf_checks=csrf)
        if user is not None:
            client.force_login(user)
        return client

    return make
