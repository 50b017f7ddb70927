"""GET /api/admin/metrics: the platform's operators see every tenant's figures; nobody else sees any."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from billing.models import UsageRecord
from config import metrics

pytestmark = pytest.mark.django_db
URL = "/api/admin/metrics"


@pytest.fixture
def operator():
    return UserFactory(email="ops@example.com", is_staff=True)


def usage(tenant, seconds, *, when, key):
    return UsageRecord.objects.create(
        tenant=tenant, kind="call_seconds", quantity=seconds, idempotency_key=key, occurred_at=when
    )


def test_an_operator_sees_tenants_by_status_and_plan(api, operator, acme, globex):
    globex.status = "suspended"
    globex.save(update_fields=["status"])
    body = api(operator).get(URL).json()
    assert body["tenants"]["by_status"]["suspended"] >= 1 and body["tenants"]["by_status"]["active"] >= 1
    assert body["tenants"]["total"] == sum(body["tenants"]["by_plan"].values())


def test_calls_and_minutes_per_day_add_up_every_tenants_usage(api, operator, acme, globex):
    today = timezone.now().astimezone(UTC).replace(hour=12)
    usage(acme, 120, when=today, key="a1")
    usage(globex, 60, when=today, key="g1")
    usage(acme, 600, when=today - timedelta(days=1), key="a2")
    body = api(operator).get(URL, {"date_from": (today - timedelta(days=1)).date(), "date_to": today.date()}).json()
    assert body["usage"]["per_day"] == [
        {"date": (today - timedelta(days=1)).date().isoformat(), "calls": 1, "minutes": 10.0},
        {"date": today.date().isoformat(), "calls": 2, "minutes": 3.0},
    ]
    assert (body["usage"]["calls"], body["usage"]["call_minutes"]) == (3, 13.0)


def test_top_tenants_are_ordered_by_minutes_used(api, operator, acme, globex):
    now = timezone.now()
    usage(acme, 60, when=now, key="a1")
    usage(globex, 600, when=now, key="g1")
    top = api(operator).get(URL, {"top": 2}).json()["top_tenants"]
    assert [(t["slug"], t["minutes"], t["calls"]) for t in top] == [("globex", 10.0, 1), ("acme", 1.0, 1)]


def test_usage_outside_the_period_is_left_out(api, operator, acme):
    usage(acme, 60, when=datetime(2020, 1, 1, tzinfo=UTC), key="old")
    assert api(operator).get(URL).json()["usage"]["calls"] == 0


def test_error_rates_come_from_the_request_counters(api, operator, monkeypatch):
    metrics.HTTP_REQUESTS.labels("/api/x", "GET", "500").inc()
    errors = api(operator).get(URL).json()["errors"]
    assert errors["http_requests"] >= 1 and 0 < errors["http_5xx_rate"] <= 1
    assert set(errors) == {
        "http_requests",
        "http_4xx_rate",
        "http_5xx_rate",
        "webhook_attempts",
        "webhook_failure_rate",
        "celery_task_failures",
    }


def test_a_tenant_owner_is_refused(api, alice, acme):
    assert api(alice, acme).get(URL).status_code == 403
    assert api(alice).get(URL).status_code == 403


def test_a_staff_users_api_key_is_refused(api, acme, make_api_key):
    from accounts.models import Membership

    staff = UserFactory(email="staffer@example.com", is_staff=True)
    Membership.objects.create(user=staff, tenant=acme, role="owner")
    _, secret = make_api_key(acme, staff)
    assert api(api_key=secret).get(URL).status_code == 403


def test_an_anonymous_request_is_refused(api):
    assert api().get(URL).status_code == 401


def test_a_bad_period_is_a_400_naming_the_field(api, operator):
    response = api(operator).get(URL, {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert response.status_code == 400 and "date_to" in response.json()["errors"]
