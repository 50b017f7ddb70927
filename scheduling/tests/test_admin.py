"""The admin shows a tenant's appointments on its own host, never another tenant's, never integration tokens."""

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from scheduling.models import CalendarIntegration
from scheduling.services import appointments

from .conftest import at

pytestmark = pytest.mark.django_db


def browser(user, host):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return client


def test_the_owner_sees_appointments_on_the_tenant_host(alice, acme, calendar, monday):
    with tenant_context(acme):
        appointments.book(calendar, start=at(monday, 10), title="Cleaning for Ann")
    response = browser(alice, "acme.localhost").get("/admin/scheduling/appointment/")
    assert response.status_code == 200 and b"Cleaning for Ann" in response.content


def test_integration_pages_never_show_tokens(alice, acme, calendar):
    with tenant_context(acme):
        integration = CalendarIntegration.objects.create(
            calendar=calendar, provider="google", account="a@example.com", credentials={"access_token": "ya29.secret"}
        )
    response = browser(alice, "acme.localhost").get(f"/admin/scheduling/calendarintegration/{integration.pk}/change/")
    assert response.status_code == 200 and b"ya29.secret" not in response.content


def test_staff_of_another_tenant_is_sent_to_login(bob, acme):
    response = browser(bob, "acme.localhost").get("/admin/scheduling/appointment/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
