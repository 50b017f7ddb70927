"""Failure drill: a tenant's receiver is down for an hour. On a clock of the test's own, the deliveries queued meanwhile
are retried with backoff, resume once it answers again, and each event reaches it exactly once; none is lost."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from config.events import publish
from webhooks.models import Delivery
from webhooks.services import deliveries
from webhooks.tests.receiver import Receiver

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


def run_beat_and_workers(until, *, start, step=timedelta(minutes=1), on_tick=lambda now: None):
    """Every `step` of fake time from `start`: what a worker would attempt then (each due delivery, as its queued
    task or beat's sweep would). Returns the moments attempts were made."""
    now, moments = start, []
    while now <= until:
        on_tick(now)
        for delivery_id in deliveries.due_delivery_ids(now=now):
            if deliveries.attempt(delivery_id, now=now) is not None:
                moments.append(now)
        now += step
    return moments


def test_deliveries_resume_after_an_hour_down_and_none_is_lost(acme, make_endpoint):
    start = timezone.now()
    clock = {"now": start}
    with Receiver() as receiver:
        receiver.clock = lambda: clock["now"].timestamp()  # signatures are checked at the fake time
        endpoint = make_endpoint(receiver.url, event_types=["call.finished"])
        receiver.secret = endpoint.secret
        receiver.failures = [503] * 10_000  # down: its gateway answers 503 to everything
        with tenant_context(acme), transaction.atomic():
            events = [publish("call.finished", {"call_id": n}) for n in range(5)]

        def tick(now):
            clock["now"] = now
            if now >= start + HOUR and receiver.failures:
                receiver.failures.clear()  # back up

        with tenant_context(acme):
            moments = run_beat_and_workers(start + 4 * HOUR, start=start, on_tick=tick)
            sent = list(Delivery.objects.order_by("pk"))
    assert sorted(receiver.effects) == sorted(event["id"] for event in events)
    assert [d.status for d in sent] == ["succeeded"] * 5
    assert all(d.attempts > 2 and d.delivered_at >= start + HOUR for d in sent)
    assert all(r.signature_ok for r in receiver.received)
    # Resumed within one capped backoff of the receiver coming back; no attempt after the last success.
    assert max(d.delivered_at for d in sent) <= start + HOUR + timedelta(seconds=settings.WEBHOOK_RETRY_MAX_SECONDS)
    assert max(moments) == max(d.delivered_at for d in sent)


def test_an_hour_down_does_not_disable_the_endpoint(acme, make_endpoint):
    start = timezone.now()
    with Receiver(failures=(503,) * 10_000) as receiver:
        endpoint = make_endpoint(receiver.url, event_types=["call.finished"])
        receiver.secret = endpoint.secret
        with tenant_context(acme), transaction.atomic():
            publish("call.finished", {"call_id": 1})
        with tenant_context(acme):
            run_beat_and_workers(start + HOUR, start=start, step=timedelta(minutes=5))
            endpoint.refresh_from_db()
            delivery = Delivery.objects.get()
    assert endpoint.is_active and endpoint.failing_since is not None
    assert delivery.status == "pending" and delivery.next_attempt_at > start + HOUR
