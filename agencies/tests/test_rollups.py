"""An agency's roll-ups over a date range: per client (`/api/agency/clients/{id}/stats`) and in total
(`/api/agency/usage`): calls, minutes, bookings, what the calls cost, and what the agency charges at its price."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from agencies.services import create_client
from billing.models import UsageRecord
from billing.services import set_client_price
from calls.models import Call
from calls.tests.factories import CallFactory
from scheduling.services import appointments
from scheduling.tests.conftest import at, make_calendar, next_weekday
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def call(tenant, *, seconds, cost, days_ago=0, key):
    """A finished call with its cost and its usage record, `days_ago` days back."""
    when = timezone.now() - timedelta(days=days_ago)
    with tenant_context(tenant):
        made = CallFactory(started_at=when, duration_seconds=seconds, cost={"total": cost, "currency": "usd"})
        Call.objects.filter(pk=made.pk).update(created_at=when)
    UsageRecord.objects.create(
        tenant=tenant,
        kind=UsageRecord.Kind.CALL_SECONDS,
        quantity=seconds,
        billable_minutes=-(-seconds // 60),
        call_id=made.pk,
        idempotency_key=f"{tenant.schema_name}:call:{key}",
        occurred_at=when,
    )


def booking(tenant, hour):
    with tenant_context(tenant):
        appointments.book(make_calendar(name=f"Desk {hour}"), start=at(next_weekday(0), hour), title="Check-up")


@pytest.fixture
def busy(smile, alice, acme_agency):
    """Smile: two calls today (90 s and 30 s, $0.50 and $0.25), one 40 days ago, one booking; priced by the
    agency at $100 a month and $0.10 a minute. A second client, quiet."""
    call(smile, seconds=90, cost="0.5000", key=1)
    call(smile, seconds=30, cost="0.2500", key=2)
    call(smile, seconds=600, cost="9.0000", days_ago=40, key=3)
    booking(smile, 10)
    set_client_price(smile, monthly_price="100.00", minute_price="0.1000")
    create_client(acme_agency, actor=alice, name="Quiet Clinic", slug="quiet-clinic")
    return smile


def period(days_back=0):
    today = timezone.localdate(timezone=ZoneInfo(Tenant.objects.get(slug="acme").timezone))
    return {"date_from": (today - timedelta(days=days_back)).isoformat(), "date_to": today.isoformat()}


def test_a_clients_stats_count_its_calls_minutes_bookings_cost_and_charge(api, alice, acme_agency, busy):
    response = api(alice, acme_agency).get(f"/api/agency/clients/{busy.pk}/stats", period())
    assert response.status_code == 200, response.json()
    stats = response.json()
    assert (stats["calls"], stats["minutes"], stats["bookings"], stats["cost"]) == (2, 2.0, 1, "0.7500")
    # 90 s and 30 s are 2 + 1 billable minutes (rounded up), at $0.10 each, plus the monthly price.
    assert stats["charge"] == {
        "monthly_price": "100.00",
        "minute_price": "0.1000",
        "billable_minutes": 3,
        "minutes_amount": "0.30",
        "total": "100.30",
        "currency": "usd",
    }


def test_the_date_range_decides_which_calls_count(api, alice, acme_agency, busy):
    stats = api(alice, acme_agency).get(f"/api/agency/clients/{busy.pk}/stats", period(days_back=60)).json()
    assert (stats["calls"], stats["minutes"], stats["cost"], stats["charge"]["billable_minutes"]) == (
        3,
        12.0,
        "9.7500",
        13,
    )


def test_the_agency_usage_lists_every_client_and_the_totals(api, alice, acme_agency, busy):
    usage = api(alice, acme_agency).get("/api/agency/usage", period()).json()
    assert [row["client"]["slug"] for row in usage["clients"]] == ["quiet-clinic", "smile-dental"]
    assert usage["clients"][0]["calls"] == 0 and usage["clients"][0]["charge"]["total"] == "0.00"
    assert usage["total"] == {"calls": 2, "minutes": 2.0, "bookings": 1, "cost": "0.7500", "charge": "100.30"}


def test_the_usage_of_another_agencys_clients_is_never_counted(api, bob, globex_agency, homes, busy):
    usage = api(bob, globex_agency).get("/api/agency/usage", period()).json()
    assert [row["client"]["slug"] for row in usage["clients"]] == ["sunny-homes"]
    assert usage["total"]["calls"] == 0


@pytest.mark.parametrize(
    "query, field",
    [({"date_from": "2026-13-01"}, "date_from"), ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "date_to")],
)
def test_a_bad_date_range_is_a_400_naming_it(api, alice, acme_agency, smile, query, field):
    response = api(alice, acme_agency).get("/api/agency/usage", query)
    assert response.status_code == 400 and field in response.json()["errors"]
