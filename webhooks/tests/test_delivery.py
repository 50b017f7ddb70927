"""Deliveries end to end: a domain event becomes one signed delivery per subscribed endpoint, sent by a real Celery
worker from the webhooks queue to a real receiver, retried until it succeeds, and never sent to a private address,
not even when DNS changes its answer between the check and the connect."""

import json
import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from config import outbound
from config.celery import app
from config.events import publish
from tenants.models import Tenant
from webhooks import signing
from webhooks.models import Delivery
from webhooks.services import deliveries
from webhooks.tests.receiver import Receiver

FINISHED = {"call_id": 7, "direction": "inbound", "status": "completed", "duration_seconds": 42}


def publish_in(tenant, event_type="call.finished", data=FINISHED):
    with tenant_context(tenant), transaction.atomic():
        return publish(event_type, data)


def webhooks_queue() -> str:
    return app.amqp.router.route({}, "webhooks.deliver")["queue"].name


def wait_for(condition, seconds=15):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def fast_retries(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.05


@pytest.mark.slow
def test_a_receiver_failing_twice_gets_three_signed_attempts_and_acts_once(
    committed_db, make_endpoint, settings, fast_retries
):
    acme = Tenant.objects.get(slug="acme")
    settings.OUTBOUND_PRIVATE_HOSTS = ["127.0.0.1"]  # the receiver of this test listens on loopback
    with Receiver(failures=(500, 503)) as receiver:
        endpoint = make_endpoint(receiver.url)
        receiver.secret = endpoint.secret
        # Every queue, as a worker without -Q: `queues=` would narrow the app's queues for later workers too.
        app.control.purge()
        with start_worker(app, pool="solo", perform_ping_check=False):
            event = publish_in(acme)
            wait_for(lambda: receiver.effects)
            time.sleep(0.3)  # room for an attempt too many, were one coming
    assert receiver.effects == [event["id"]]
    assert len(receiver.received) == 3 and all(r.signature_ok for r in receiver.received)
    assert [r.headers["webhook-attempt"] for r in receiver.received] == ["1", "2", "3"]
    assert {r.headers["webhook-id"] for r in receiver.received} == {event["id"]}
    assert json.loads(receiver.received[0].body) == event
    with tenant_context(acme):
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.attempts) == ("succeeded", 3)
        assert [(a.response_status, a.error) for a in delivery.attempt_log.all()] == [
            (500, "HTTP 500"),
            (503, "HTTP 503"),
            (200, ""),
        ]


def test_the_delivery_task_is_routed_to_the_webhooks_queue():
    assert webhooks_queue().endswith("webhooks") and webhooks_queue() != settings.CELERY_TASK_DEFAULT_QUEUE


@pytest.mark.django_db
def test_a_receiver_on_a_private_address_is_refused_and_never_reached(acme, make_endpoint, settings):
    with Receiver() as receiver:
        endpoint = make_endpoint(receiver.url)  # saved while the operator allowed loopback
        settings.OUTBOUND_PRIVATE_HOSTS = []
        publish_in(acme)
        with tenant_context(acme):
            outcome = deliveries.attempt(Delivery.objects.get(endpoint=endpoint).pk)
    assert receiver.received == []
    assert outcome.attempt.response_status is None
    assert outcome.attempt.error == "refused: points to a private or reserved address (127.0.0.1); not allowed"
    assert outcome.retry_at is not None


@pytest.mark.django_db
def test_a_dns_answer_that_turns_private_after_the_check_is_not_connected_to(acme, api, amy, settings, monkeypatch):
    settings.OUTBOUND_PRIVATE_HOSTS = []
    answers = iter([["93.184.215.14"], ["127.0.0.1"]])  # public when checked, loopback when connecting
    looked_up = []

    def rebinding_resolver(host, port):
        looked_up.append(host)
        return next(answers)

    monkeypatch.setattr(outbound, "resolve", rebinding_resolver)
    with Receiver() as receiver:
        created = api(amy, acme).post(
            "/api/settings/webhooks",
            {"url": f"http://crm.rebind.example:{receiver.port}/hooks", "event_types": ["call.finished"]},
            format="json",
        )
        assert created.status_code == 201
        publish_in(acme)
        with tenant_context(acme):
            outcome = deliveries.attempt(Delivery.objects.get().pk)
    assert looked_up == ["crm.rebind.example", "crm.rebind.example"]
    assert receiver.received == []
    assert "private or reserved address (127.0.0.1)" in outcome.attempt.error


@pytest.mark.django_db
def test_the_connection_goes_to_the_address_checked_with_the_name_in_the_host_header(
    acme, make_endpoint, settings, monkeypatch
):
    settings.OUTBOUND_PRIVATE_HOSTS = ["crm.internal.example"]
    monkeypatch.setattr(outbound, "resolve", lambda host, port: ["127.0.0.1"])
    with Receiver() as receiver:
        endpoint = make_endpoint(f"http://crm.internal.example:{receiver.port}/hooks")
        receiver.secret = endpoint.secret
        publish_in(acme)
        with tenant_context(acme):
            outcome = deliveries.attempt(Delivery.objects.get().pk)
    assert outcome.attempt.response_status == 200
    assert receiver.received[0].headers["host"] == f"crm.internal.example:{receiver.port}"


# Which deliveries an event makes ---------------------------------------------------------------


@pytest.mark.django_db
def test_an_event_makes_one_delivery_per_endpoint_subscribed_to_its_type(acme, make_endpoint):
    first = make_endpoint("https://crm.example.com/a", ["call.finished", "call.started"])
    second = make_endpoint("https://crm.example.com/b", ["call.finished"])
    make_endpoint("https://crm.example.com/c", ["appointment.booked"])
    make_endpoint("https://crm.example.com/d", ["call.finished"], is_active=False)
    event = publish_in(acme)
    with tenant_context(acme):
        made = Delivery.objects.order_by("endpoint_id")
        assert [(d.endpoint_id, d.event_id, d.status) for d in made] == [
            (first.pk, event["id"], "pending"),
            (second.pk, event["id"], "pending"),
        ]


@pytest.mark.django_db
def test_a_change_that_rolls_back_makes_no_delivery(acme, make_endpoint):
    make_endpoint("https://crm.example.com/a")

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), tenant_context(acme), transaction.atomic():
        publish("call.finished", FINISHED)
        raise Rollback
    with tenant_context(acme):
        assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_another_tenants_events_never_reach_an_endpoint(acme, globex, make_endpoint):
    make_endpoint("https://crm.example.com/a")
    publish_in(globex)
    with tenant_context(acme):
        assert not Delivery.objects.exists()


# Claims, retries, giving up ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_delivery_held_by_one_attempt_cannot_be_claimed_by_another(acme, make_endpoint):
    make_endpoint("https://crm.example.com/a")
    publish_in(acme)
    now = timezone.now()
    with tenant_context(acme):
        delivery = Delivery.objects.get()
        assert deliveries.claim(delivery.pk, now=now) is True
        assert deliveries.claim(delivery.pk, now=now) is False
        assert Delivery.objects.get().attempts == 1


@pytest.mark.django_db
def test_a_claim_whose_worker_died_is_taken_over_once_its_lease_runs_out(acme, make_endpoint):
    make_endpoint("https://crm.example.com/a")
    publish_in(acme)
    now = timezone.now()
    with tenant_context(acme):
        delivery = Delivery.objects.get()
        deliveries.claim(delivery.pk, now=now)
        lease = timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + 31)
        assert deliveries.due_delivery_ids(now=now) == []
        assert deliveries.due_delivery_ids(now=now + lease) == [delivery.pk]
        assert deliveries.claim(delivery.pk, now=now + lease) is True


def test_retries_back_off_exponentially_with_jitter_up_to_a_cap(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS, settings.WEBHOOK_RETRY_MAX_SECONDS = 30, 3600
    now = timezone.now()
    far = now + timedelta(days=1)
    delays = {
        n: {(deliveries.next_attempt_at(n, now=now, retry_until=far) - now).total_seconds() for _ in range(50)}
        for n in (1, 3, 12)
    }
    assert all(15 <= d <= 30 for d in delays[1]) and len(delays[1]) > 1
    assert all(60 <= d <= 120 for d in delays[3])
    assert all(1800 <= d <= 3600 for d in delays[12])


def test_no_retry_is_scheduled_past_the_retry_window():
    now = timezone.now()
    assert deliveries.next_attempt_at(20, now=now, retry_until=now + timedelta(seconds=10)) is None


@pytest.mark.django_db
def test_a_delivery_failing_until_its_window_closes_is_marked_failed(acme, make_endpoint, settings):
    settings.OUTBOUND_PRIVATE_HOSTS = ["127.0.0.1"]
    make_endpoint("http://127.0.0.1:9/hooks")  # nothing listens there
    publish_in(acme)
    with tenant_context(acme):
        delivery = Delivery.objects.get()
        Delivery.objects.filter(pk=delivery.pk).update(retry_until=timezone.now())
        outcome = deliveries.attempt(delivery.pk, now=timezone.now() + timedelta(seconds=1))
        assert outcome.retry_at is None and outcome.attempt.error.startswith("ConnectionError")
        assert Delivery.objects.get().status == "failed"


@pytest.mark.django_db
def test_an_endpoint_failing_for_days_is_disabled_and_its_admins_are_told(
    acme, make_endpoint, settings, notification_emails, django_capture_on_commit_callbacks
):
    settings.OUTBOUND_PRIVATE_HOSTS, settings.WEBHOOK_DISABLE_AFTER_DAYS = [], 3
    endpoint = make_endpoint("http://127.0.0.1:9/hooks")
    publish_in(acme)
    with tenant_context(acme):
        delivery = Delivery.objects.get()
        endpoint.__class__.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(days=3))
        with django_capture_on_commit_callbacks(execute=True):
            deliveries.attempt(delivery.pk)
        endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.disabled_reason) == (False, "failing")
    assert sorted(mail.to[0] for mail in notification_emails) == ["alice@example.com", "amy@example.com"]
    assert all("127.0.0.1:9" in mail.body for mail in notification_emails)


@pytest.mark.django_db
def test_an_endpoint_failing_for_less_than_the_limit_stays_on(acme, make_endpoint, settings, mailoutbox):
    settings.OUTBOUND_PRIVATE_HOSTS, settings.WEBHOOK_DISABLE_AFTER_DAYS = [], 3
    endpoint = make_endpoint("http://127.0.0.1:9/hooks")
    publish_in(acme)
    with tenant_context(acme):
        endpoint.__class__.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(days=2))
        deliveries.attempt(Delivery.objects.get().pk)
        endpoint.refresh_from_db()
    assert endpoint.is_active and mailoutbox == []


@pytest.mark.django_db
def test_a_success_clears_the_endpoints_failing_streak(acme, make_endpoint, settings):
    settings.OUTBOUND_PRIVATE_HOSTS = ["127.0.0.1"]
    with Receiver() as receiver:
        endpoint = make_endpoint(receiver.url)
        receiver.secret = endpoint.secret
        publish_in(acme)
        with tenant_context(acme):
            endpoint.__class__.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(days=1))
            deliveries.attempt(Delivery.objects.get().pk)
            endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_a_receiver_can_verify_the_signature_and_refuses_a_stale_or_forged_one():
    body, secret, now = b'{"id":"e1"}', "whsec_test", 1_800_000_000
    header = signing.headers(
        secret=secret, timestamp=now, body=body, event_id="e1", event_type="call.finished", attempt=1
    )["Webhook-Signature"]
    assert signing.verify(secret, header, body, now=now + 10)
    assert not signing.verify(secret, header, body, now=now + 600)
    assert not signing.verify("whsec_other", header, body, now=now)
    assert not signing.verify(secret, header, body + b" ", now=now)


def test_the_verification_snippet_of_the_docs_accepts_our_signature_and_refuses_a_forged_one():
    docs = (settings.BASE_DIR / "docs" / "webhooks.md").read_text()
    namespace = {}
    exec(docs.split("```python\n", 1)[1].split("```", 1)[0], namespace)
    body, secret = b'{"id":"e1","type":"call.finished"}', "whsec_test"
    header = signing.headers(
        secret=secret, timestamp=int(time.time()), body=body, event_id="e1", event_type="call.finished", attempt=1
    )["Webhook-Signature"]
    assert namespace["verify"](secret, header, body) is True
    assert namespace["verify"](secret, header.replace("v1=", "v1=0"), body) is False


@pytest.mark.django_db
def test_a_receiver_down_for_an_hour_gets_every_delivery_once_it_is_back(acme, make_endpoint, settings):
    settings.OUTBOUND_PRIVATE_HOSTS = ["127.0.0.1"]
    with Receiver() as receiver:
        endpoint = make_endpoint(receiver.url)
        receiver.secret = endpoint.secret
        events = [publish_in(acme) for _ in range(3)]
        receiver.failures = [503] * 1000  # down: every request fails
        clock = timezone.now()
        receiver.clock = lambda: clock.timestamp()
        with tenant_context(acme):
            while clock < timezone.now() + timedelta(hours=1):  # what beat's sweep does, minute by minute
                for delivery_id in deliveries.due_delivery_ids(now=clock):
                    deliveries.attempt(delivery_id, now=clock)
                clock += timedelta(minutes=1)
            receiver.failures = []  # back up
            while Delivery.objects.exclude(status="succeeded").exists():
                assert not Delivery.objects.filter(status="failed").exists()
                for delivery_id in deliveries.due_delivery_ids(now=clock):
                    deliveries.attempt(delivery_id, now=clock)
                clock += timedelta(minutes=1)
            attempts = sorted(Delivery.objects.values_list("attempts", flat=True))
    assert sorted(receiver.effects) == sorted(event["id"] for event in events)
    assert all(5 <= n <= 12 for n in attempts), attempts  # backed off: a few attempts in the hour, not sixty


@pytest.mark.django_db
def test_a_delivery_goes_to_the_endpoints_url_as_it_is_when_sent(acme, make_endpoint, settings):
    settings.OUTBOUND_PRIVATE_HOSTS = ["127.0.0.1"]
    with Receiver() as receiver:
        endpoint = make_endpoint("http://127.0.0.1:9/typo")
        receiver.secret = endpoint.secret
        publish_in(acme)
        with tenant_context(acme):
            endpoint.__class__.objects.filter(pk=endpoint.pk).update(url=receiver.url)
            outcome = deliveries.attempt(Delivery.objects.get().pk)
    assert (outcome.attempt.url, outcome.attempt.response_status) == (receiver.url, 200)
