"""Deliveries: every domain event becomes one delivery per endpoint subscribed to its type, written in the
transaction that published the event and queued once it commits; Celery sends it from the `webhooks` queue.

A worker claims a delivery by a conditional UPDATE (pending and due, or held by a lease that ran out) before each
attempt, so one delivery never has two attempts at once, however many tasks name it. A failed attempt is retried
after an exponential backoff with jitter until the delivery's retry window (24 hours) closes; an endpoint whose
deliveries keep failing for WEBHOOK_DISABLE_AFTER_DAYS is disabled (a `webhook.endpoint_disabled` event, which
`notifications` tells the tenant's owners and admins of)."""

import json
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from config import metrics
from config.celery import enqueue_on_commit
from config.errors import Conflict, NotFound
from config.events import publish
from config.outbound import UnsafeURL, public_session
from webhooks import signing
from webhooks.models import Attempt, Delivery, Endpoint

DELIVER_TASK = "webhooks.deliver"
# What the log keeps of a receiver's answer.
RESPONSE_BODY_LIMIT = 2000


def record_event(schema: str, event: dict) -> list[Delivery]:
    """config.events subscriber: a pending delivery of `event` for every active endpoint subscribed to its type."""
    endpoints = Endpoint.objects.filter(is_active=True, event_types__contains=[event["type"]])
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        Delivery(
            endpoint=endpoint,
            url=endpoint.url,
            event_id=event["id"],
            event_type=event["type"],
            payload=event,
            next_attempt_at=now,
            retry_until=now + timedelta(seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS),
        )
        for endpoint in endpoints
    )
    for delivery in deliveries:
        # Robust: the change that published the event must not fail for a broker that is down; beat's sweep sends
        # the delivery later.
        enqueue_on_commit(DELIVER_TASK, delivery.pk, robust=True)
    return deliveries


@dataclass
class Outcome:
    attempt: Attempt
    retry_at: datetime | None  # when the next attempt is due; None when there is none


def claim(delivery_id: int, *, now: datetime) -> bool:
    lease = timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + 30)
    return bool(
        Delivery.objects.filter(pk=delivery_id)
        .filter(Q(endpoint__isnull=True) | Q(endpoint__is_active=True))
        .filter(
            Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=Delivery.Status.DELIVERING, claimed_until__lt=now)
        )
        .update(status=Delivery.Status.DELIVERING, claimed_until=now + lease, attempts=F("attempts") + 1)
    )


def send_now(*, url: str, event_id: str, event_type: str, data: dict, secret: str, timeout: float) -> Outcome:
    """A delivery with no endpoint (a flow's `webhook` action, signed with `secret`): its first attempt is made here
    and now, waiting at most `timeout`; if it fails, its next attempt is queued for its time like any delivery's."""
    now = timezone.now()
    delivery = Delivery.objects.create(
        url=url,
        signing_secret=secret,
        event_id=event_id,
        event_type=event_type,
        payload={"id": event_id, "type": event_type, "occurred_at": now.isoformat(), "data": data},
        next_attempt_at=now,
        retry_until=now + timedelta(seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS),
    )
    outcome = attempt(delivery.pk, now=now, timeout=timeout)
    if outcome.retry_at is not None:
        enqueue_on_commit(DELIVER_TASK, delivery.pk, eta=outcome.retry_at, robust=True)
    return outcome


def attempt(delivery_id: int, *, now: datetime | None = None, timeout: float | None = None) -> Outcome | None:
    """Sends the delivery once if it is due and nobody else holds it (None otherwise), and records the outcome."""
    now = now or timezone.now()
    if not claim(delivery_id, now=now):
        return None
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    # To the endpoint's URL as it is now: a fixed address also serves the deliveries still to come.
    url = delivery.endpoint.url if delivery.endpoint else delivery.url
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    headers = signing.headers(
        secret=delivery.endpoint.secret if delivery.endpoint else delivery.signing_secret,
        timestamp=int(now.timestamp()),
        body=body,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        attempt=delivery.attempts,
    )
    status_code, response_body, error, latency_ms = send(
        url, body, headers, timeout=timeout or settings.WEBHOOK_TIMEOUT_SECONDS
    )
    record = Attempt(
        delivery=delivery,
        number=delivery.attempts,
        started_at=now,
        url=url,
        request_headers=headers,
        response_status=status_code,
        response_body=response_body,
        latency_ms=latency_ms,
        error=error,
    )
    with transaction.atomic():
        record.save()
        retry_at = _finish(delivery, record, now=now)
    return Outcome(record, retry_at)


def send(url: str, body: bytes, headers: dict, *, timeout: float) -> tuple[int | None, str, str, int]:
    """POSTs to a public address only (checked again at connect time): status, start of the answer, error, ms."""
    started = time.monotonic()
    status_code, response_body, error = None, "", ""
    try:
        with public_session() as session:
            response = session.post(
                url,
                data=body,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            )
            with response:
                status_code = response.status_code
                response_body = _read_start(response)
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except UnsafeURL as exc:
        error = f"refused: {exc}"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    return status_code, response_body, error, round((time.monotonic() - started) * 1000)


def _read_start(response) -> str:
    start = b""
    for chunk in response.iter_content(1024):
        start += chunk
        if len(start) >= RESPONSE_BODY_LIMIT:
            break
    return start[:RESPONSE_BODY_LIMIT].decode(errors="replace")


def _finish(delivery: Delivery, record: Attempt, *, now: datetime) -> datetime | None:
    mine = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.DELIVERING, attempts=delivery.attempts)
    if record.succeeded:
        metrics.WEBHOOK_DELIVERIES.labels("succeeded").inc()
        mine.update(status=Delivery.Status.SUCCEEDED, delivered_at=now, claimed_until=None, next_attempt_at=None)
        if delivery.endpoint_id:
            Endpoint.objects.filter(pk=delivery.endpoint_id).update(failing_since=None)
        return None
    retry_at = next_attempt_at(delivery.attempts, now=now, retry_until=delivery.retry_until)
    metrics.WEBHOOK_DELIVERIES.labels("gave_up" if retry_at is None else "retrying").inc()
    if retry_at is None:
        mine.update(status=Delivery.Status.FAILED, claimed_until=None, next_attempt_at=None)
    else:
        mine.update(status=Delivery.Status.PENDING, claimed_until=None, next_attempt_at=retry_at)
    if delivery.endpoint_id:
        _note_failure(delivery.endpoint_id, now=now)
    return retry_at


def next_attempt_at(attempts: int, *, now: datetime, retry_until: datetime) -> datetime | None:
    """Exponential backoff, capped, with jitter so that the retries of many deliveries spread out; None once the
    retry window has closed."""
    backoff = min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1), settings.WEBHOOK_RETRY_MAX_SECONDS)
    at = now + timedelta(seconds=backoff * random.uniform(0.5, 1.0))
    return at if at <= retry_until else None


def _note_failure(endpoint_id: int, *, now: datetime) -> None:
    Endpoint.objects.filter(pk=endpoint_id, failing_since__isnull=True).update(failing_since=now)
    cutoff = now - timedelta(days=settings.WEBHOOK_DISABLE_AFTER_DAYS)
    disabled = Endpoint.objects.filter(pk=endpoint_id, is_active=True, failing_since__lte=cutoff).update(
        is_active=False, disabled_at=now, disabled_reason="failing"
    )
    if disabled:
        endpoint = Endpoint.objects.get(pk=endpoint_id)
        # The tenant's owners and admins are told by `notifications`, a subscriber of the tenant's events.
        publish(
            "webhook.endpoint_disabled",
            {
                "endpoint_id": endpoint.pk,
                "url": endpoint.url,
                "failing_since": endpoint.failing_since,
                "reason": endpoint.disabled_reason,
            },
        )


def redeliver(endpoint: Endpoint, delivery_id: int) -> Delivery:
    """Sends a delivery of this endpoint again, now, with a new retry window (same event id: receivers de-duplicate)."""
    delivery = Delivery.objects.filter(pk=delivery_id, endpoint=endpoint).first()
    if delivery is None:
        raise NotFound("No such delivery of this webhook endpoint.")
    now = timezone.now()
    reset = Delivery.objects.filter(pk=delivery.pk).exclude(status=Delivery.Status.DELIVERING)
    if not reset.update(
        status=Delivery.Status.PENDING,
        next_attempt_at=now,
        retry_until=now + timedelta(seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS),
    ):
        raise Conflict("This delivery is being sent right now.", error_code="delivery_in_progress")
    enqueue_on_commit(DELIVER_TASK, delivery.pk)
    delivery.refresh_from_db()
    return delivery


def due_delivery_ids(*, now: datetime, limit: int = 500) -> list[int]:
    """Deliveries whose attempt is due and not held: queued again by beat in case their task was lost."""
    return list(
        Delivery.objects.filter(Q(endpoint__isnull=True) | Q(endpoint__is_active=True))
        .filter(
            Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=Delivery.Status.DELIVERING, claimed_until__lt=now)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
