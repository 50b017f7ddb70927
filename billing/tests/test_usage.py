"""Usage metering: a finished call's billable seconds become one UsageRecord of its tenant (public schema),
idempotent across repeated analyses and Twilio's later duration, summed per day by GET /api/billing/usage."""

from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing.models import UsageRecord
from calls import services
from calls.tasks import analyse_call
from calls.tests.factories import CallFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def answered_call(duration=75, started_at=None, **fields):
    return CallFactory(
        status="completed",
        duration_seconds=duration,
        started_at=started_at or timezone.now() - timedelta(seconds=duration),
        **fields,
    )


def test_analysing_a_call_twice_records_its_usage_once(acme):
    with tenant_context(acme):
        call = answered_call(75)
        analyse_call(call.pk)
        analyse_call(call.pk)
    [record] = UsageRecord.objects.filter(tenant=acme)
    assert (record.kind, record.quantity, record.call_id) == ("call_seconds", 75, call.pk)
    assert record.idempotency_key == f"{acme.schema_name}:call:{call.pk}"


def test_a_duration_twilio_corrects_later_updates_the_record(acme):
    with tenant_context(acme):
        call = answered_call(75)
        analyse_call(call.pk)
        services.apply_status(call, "completed", duration_seconds=80)
    assert list(UsageRecord.objects.filter(tenant=acme).values_list("quantity", flat=True)) == [80]


def test_unanswered_and_test_calls_record_no_usage(acme):
    with tenant_context(acme):
        analyse_call(CallFactory(status="no_answer").pk)
        analyse_call(answered_call(30, is_test=True).pk)
    assert not UsageRecord.objects.filter(tenant=acme).exists()


def test_the_same_call_id_in_two_tenants_is_two_records(acme, globex):
    for tenant in (acme, globex):
        with tenant_context(tenant):
            call = answered_call(60, id=424242)
            analyse_call(call.pk)
    tenants = UsageRecord.objects.filter(call_id=424242).values_list("tenant__slug", flat=True)
    assert sorted(tenants) == ["acme", "globex"]


def at(day, hour=12):
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def usage(acme):
    """Acme: 120 s and 60 s today, 30 s the day before yesterday."""
    with tenant_context(acme):
        for day, duration in ((TODAY, 120), (TODAY, 60), (TODAY - timedelta(days=2), 30)):
            analyse_call(answered_call(duration, started_at=at(day)).pk)


def test_usage_is_per_day_with_totals(api, alice, acme, usage):
    body = api(alice, acme).get(f"/api/billing/usage?date_from={TODAY - timedelta(days=2)}&date_to={TODAY}").json()
    assert (body["call_seconds"], body["call_minutes"], body["calls"]) == (210, 3.5, 3)
    assert body["per_day"] == [
        {"date": (TODAY - timedelta(days=2)).isoformat(), "seconds": 30, "calls": 1},
        {"date": (TODAY - timedelta(days=1)).isoformat(), "seconds": 0, "calls": 0},
        {"date": TODAY.isoformat(), "seconds": 180, "calls": 2},
    ]


def test_usage_defaults_to_the_current_month(api, amy, acme, usage):
    body = api(amy, acme).get("/api/billing/usage").json()
    assert (body["date_from"], body["date_to"]) == (TODAY.replace(day=1).isoformat(), TODAY.isoformat())


@pytest.mark.parametrize(
    "query, field",
    [
        ("date_from=2026-13-01", "date_from"),
        ("date_from=2026-02-01&date_to=2026-01-01", "date_to"),
        ("date_from=2020-01-01&date_to=2026-01-01", "date_from"),
    ],
)
def test_a_bad_period_is_400_naming_the_field(api, alice, acme, query, field):
    response = api(alice, acme).get(f"/api/billing/usage?{query}")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_members_cannot_see_usage(api, mike, acme):
    response = api(mike, acme).get("/api/billing/usage")
    assert (response.status_code, response.json()["error_code"]) == (403, "role_forbidden")


def test_bob_sees_none_of_alices_usage(api, bob, globex, acme, usage):
    assert api(bob, globex).get("/api/billing/usage").json()["call_seconds"] == 0
    assert api(bob, acme).get("/api/billing/usage").status_code == 403


def test_usage_needs_a_login(api, acme):
    assert api(None, acme).get("/api/billing/usage").status_code == 401


def test_operators_read_usage_in_the_admin_but_cannot_edit_it(acme, usage):
    operator = get_user_model().objects.create_superuser("ops@example.com", "Ops-Pass-123", name="Ops")
    client = Client(HTTP_HOST="localhost")
    client.force_login(operator)
    record = UsageRecord.objects.filter(tenant=acme).first()
    assert client.get("/admin/billing/usagerecord/").status_code == 200
    assert client.get("/admin/billing/usagerecord/add/").status_code == 403
    assert client.post(f"/admin/billing/usagerecord/{record.pk}/change/", {"quantity": 1}).status_code == 403
    assert UsageRecord.objects.get(pk=record.pk).quantity == record.quantity
