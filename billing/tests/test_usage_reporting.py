"""Billable minutes per call, by the plan's rounding rule, reported to Stripe's meter by a Celery task: one meter event
per call and total, its identifier doubling as the request's idempotency key, retried with backoff while Stripe fails.
The real SDK talks to a fake Stripe HTTP server."""

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing import services, tasks
from billing.models import Plan, Subscription, UsageRecord
from billing.tests import stripe_fakes as fake
from calls.tests.factories import CallFactory

pytestmark = pytest.mark.django_db

METER_EVENTS = "/v1/billing/meter_events"


@pytest.mark.parametrize(
    "seconds, rounding, minutes",
    [(61, "up", 2), (60, "up", 1), (1, "up", 1), (89, "nearest", 1), (90, "nearest", 2), (119, "down", 1)],
)
def test_a_calls_seconds_become_whole_minutes_by_the_plans_rounding(seconds, rounding, minutes):
    assert services.billable_minutes(seconds, rounding) == minutes


def paying(tenant, rounding="up"):
    Subscription.objects.filter(tenant=tenant).update(stripe_customer_id="cus_acme")
    Plan.objects.filter(subscriptions__tenant=tenant).update(minute_rounding=rounding)


def finished_call(tenant, seconds, django_capture_on_commit_callbacks):
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        call = CallFactory(
            status="completed",
            duration_seconds=seconds,
            billable_seconds=seconds,
            started_at=timezone.now() - timedelta(seconds=seconds),
        )
        services.record_call_usage(tenant, call)
    return call


def meter_event(identifier="x"):
    return {
        "object": "billing.meter_event",
        "created": 1_765_000_000,
        "event_name": "call_minutes",
        "identifier": identifier,
        "livemode": False,
        "payload": {"stripe_customer_id": "cus_acme", "value": "2"},
        "timestamp": 1_765_000_000,
    }


def report(tenant, key):
    with tenant_context(tenant):
        return tasks.report_usage.apply(args=[key])


def test_a_paying_tenants_call_is_reported_as_a_meter_event_of_its_billable_minutes(
    acme, stripe_api, queued, django_capture_on_commit_callbacks
):
    paying(acme)
    call = finished_call(acme, 61, django_capture_on_commit_callbacks)
    key = services.call_usage_key(acme, call.pk)
    assert queued == [("billing.report_usage", (key,))]
    stripe_api.add("POST", METER_EVENTS, json=meter_event())

    assert report(acme, key).result == 2
    [request] = stripe_api.requests_to("POST", METER_EVENTS)
    sent = {name: values[0] for name, values in parse_qs(request.body.decode()).items()}
    assert sent["event_name"] == "call_minutes"
    assert (sent["payload[stripe_customer_id]"], sent["payload[value]"]) == ("cus_acme", "2")
    assert sent["identifier"] == request.headers["idempotency-key"] == f"{key}:2"
    assert abs(int(sent["timestamp"]) - call.started_at.timestamp()) < 1
    record = UsageRecord.objects.get(idempotency_key=key)
    assert (record.billable_minutes, record.reported_minutes) == (2, 2) and record.reported_at is not None


def test_a_report_run_again_tells_stripe_nothing_more(acme, stripe_api, queued, django_capture_on_commit_callbacks):
    paying(acme)
    key = services.call_usage_key(acme, finished_call(acme, 61, django_capture_on_commit_callbacks).pk)
    stripe_api.add("POST", METER_EVENTS, json=meter_event())
    report(acme, key)
    assert report(acme, key).result == 0
    assert len(stripe_api.requests_to("POST", METER_EVENTS)) == 1


def test_a_longer_duration_later_reports_only_the_minutes_added(
    acme, stripe_api, queued, django_capture_on_commit_callbacks
):
    paying(acme)
    call = finished_call(acme, 61, django_capture_on_commit_callbacks)
    key = services.call_usage_key(acme, call.pk)
    stripe_api.add("POST", METER_EVENTS, json=meter_event())
    report(acme, key)
    with tenant_context(acme):
        call.billable_seconds = 200
        services.record_call_usage(acme, call)
    assert report(acme, key).result == 2  # 4 minutes now, 2 told before
    second = parse_qs(stripe_api.requests_to("POST", METER_EVENTS)[1].body.decode())
    assert (second["payload[value]"], second["identifier"]) == (["2"], [f"{key}:4"])


def test_while_stripe_fails_the_task_retries_with_the_same_identifier_and_counts_once(
    acme, stripe_api, queued, django_capture_on_commit_callbacks, settings
):
    paying(acme)
    key = services.call_usage_key(acme, finished_call(acme, 30, django_capture_on_commit_callbacks).pk)
    failure = fake.error("An error occurred with our connection to Stripe.", code="api_error", param=None)
    for _ in range(3):  # the SDK's own attempts of the task's first run
        stripe_api.add("POST", METER_EVENTS, status=500, json=failure)
    stripe_api.add("POST", METER_EVENTS, json=meter_event())

    result = report(acme, key)
    assert result.successful() and result.result == 1
    requests = stripe_api.requests_to("POST", METER_EVENTS)
    assert len(requests) == 4
    assert {request.headers["idempotency-key"] for request in requests} == {f"{key}:1"}
    assert UsageRecord.objects.get(idempotency_key=key).reported_minutes == 1


def test_a_tenant_not_paying_through_stripe_queues_no_report(
    acme, stripe_api, queued, django_capture_on_commit_callbacks
):
    finished_call(acme, 61, django_capture_on_commit_callbacks)
    assert queued == [] and stripe_api.requests == []


def test_the_plans_rounding_rule_sets_the_minutes(acme, stripe_api, queued, django_capture_on_commit_callbacks):
    paying(acme, rounding="down")
    call = finished_call(acme, 119, django_capture_on_commit_callbacks)
    assert UsageRecord.objects.get(idempotency_key=services.call_usage_key(acme, call.pk)).billable_minutes == 1
