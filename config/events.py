"""Domain events of a tenant, published as they happen.

A service calls `publish(event_type, data)` inside its transaction, next to the write the event reports.
Once that transaction commits, `{"type", "id", "occurred_at", "data"}` goes to the tenant's channel-layer
group `events.<schema>`, which the live dashboard's `/ws/events/` sockets join
(`accounts.consumers.EventStreamConsumer`); a change that rolls back publishes nothing. Outgoing webhooks
consume the same events (`data` is plain JSON and the set of types is closed: `EVENT_TYPES`) through
`subscribe`: a subscriber is called at publish time, inside the caller's transaction, so what it writes (a webhook
delivery to send later) commits or rolls back with the change the event reports and is never lost in between.
"""

import json
import uuid
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from config.celery import TenantRequired

EVENT_TYPES = {
    "call.started": "A real call (not a sandbox or agent test) began: an inbound call was answered or an outbound "
    "dial was queued. data: call_id, direction, status, agent_id, from_number, to_number.",
    "call.finished": "A real call ended. data: as call.started, with end_reason and duration_seconds.",
    "campaign.scheduled": "A campaign will start at starts_at. data: campaign_id, name, status, starts_at.",
    "campaign.started": "A campaign began dialing its list. data: campaign_id, name, status.",
    "campaign.paused": "Staff paused a campaign, or the dialer did because it cannot go on (reason, e.g. "
    "plan_limit:monthly_minutes; blank when staff paused it). data: campaign_id, name, status, reason.",
    "campaign.resumed": "A paused campaign dials again. data: campaign_id, name, status.",
    "campaign.cancelled": "A campaign was cancelled; its undialed attempts are dropped. data: campaign_id, name, status.",
    "campaign.completed": "A campaign has no attempt left to dial. data: campaign_id, name, status, stats (attempts "
    "by status, call outcomes, answer rate, bookings, cost, as GET …/stats).",
    "appointment.booked": "An appointment was booked (staff, agent or Calendly). data: appointment_id, calendar_id, "
    "title, start, end, status, source, call_id, contact_name.",
    "appointment.cancelled": "An appointment was cancelled. data: as appointment.booked, with reason.",
    "call.analyzed": "A real call's post-call analysis is stored (again, when it is re-run). data: call_id, summary, "
    "sentiment, success, extraction.",
    "contact.opted_out": "Someone asked not to be called again (on a call or through the API): their number joined the "
    "Do-Not-Call list. data: number, source, reason.",
    "knowledge.file_failed": "A knowledge-base file could not be indexed. data: file_id, name, reason.",
    "webhook.endpoint_disabled": "A webhook endpoint was turned off because its deliveries kept failing. data: "
    "endpoint_id, url, failing_since, reason.",
    "billing.payment_failed": "A payment of the tenant's subscription failed. data: invoice, grace_ends.",
}

# Events of one user's account rather than of a tenant (a user belongs to any number of tenants): they go to the
# subscribers of `subscribe_account` only, never to a tenant's webhooks.
ACCOUNT_EVENT_TYPES = {
    "account.new_sign_in": "The user signed in from an address never seen for them before. data: ip, at.",
}

# The channel layer message type; consumers handle it in `domain_event`.
MESSAGE_TYPE = "domain.event"


Subscriber = Callable[[str, dict], None]
_subscribers: list[Subscriber] = []
AccountSubscriber = Callable[[int, dict], None]
_account_subscribers: list[AccountSubscriber] = []


def subscribe(subscriber: Subscriber) -> None:
    """Registers `subscriber(schema, event)`, called for every event as it is published, in the publishing
    transaction and the tenant's schema (apps above config register at start-up: `webhooks`)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def subscribe_account(subscriber: AccountSubscriber) -> None:
    """Registers `subscriber(user_id, event)`, called for every account event in the publishing transaction
    (`notifications`)."""
    if subscriber not in _account_subscribers:
        _account_subscribers.append(subscriber)


def group_name(schema: str) -> str:
    return f"events.{schema}"


def user_group_name(user_id: int) -> str:
    """The channel-layer group of one user's event sockets, whatever their tenant: notifications reach it as
    `USER_MESSAGE_TYPE` messages carrying the schema they belong to (None: the user's, on every tenant)."""
    return f"events.user.{user_id}"


USER_MESSAGE_TYPE = "user.event"


def publish(event_type: str, data: dict) -> dict:
    """Publishes the event to the current tenant once the current transaction commits (at once outside one);
    returns it. The schema is read now: by commit time the connection may be back on the public schema."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {event_type!r}; add it to config.events.EVENT_TYPES.")
    schema = connection.schema_name
    if schema == get_public_schema_name():
        raise TenantRequired(f"Event {event_type} was published without a tenant.")
    event = {"type": event_type, "id": str(uuid.uuid4()), "occurred_at": timezone.now(), "data": data}
    # As JSON from here on (ISO 8601 dates, decimals as strings), so every consumer gets the same payload.
    event = json.loads(json.dumps(event, cls=DjangoJSONEncoder))
    for subscriber in _subscribers:
        subscriber(schema, event)
    # robust: the change is committed whatever happens here; a channel layer that is down must not turn the
    # caller's success into an error (Django logs the failure).
    transaction.on_commit(lambda: _send(schema, event), robust=True)
    return event


def _send(schema: str, event: dict) -> None:
    async_to_sync(get_channel_layer().group_send)(group_name(schema), {"type": MESSAGE_TYPE, "event": event})


def publish_account_event(event_type: str, *, user_id: int, data: dict) -> dict:
    """An event of one user's account, to its subscribers now, in the caller's transaction; returns it."""
    if event_type not in ACCOUNT_EVENT_TYPES:
        raise ValueError(f"Unknown account event type {event_type!r}; add it to config.events.ACCOUNT_EVENT_TYPES.")
    event = {"type": event_type, "id": str(uuid.uuid4()), "occurred_at": timezone.now(), "data": data}
    event = json.loads(json.dumps(event, cls=DjangoJSONEncoder))
    for subscriber in _account_subscribers:
        subscriber(user_id, event)
    return event


def send_to_user(user_id: int, schema: str | None, event: dict) -> None:
    """Once the current transaction commits, `event` to the user's sockets: those of `schema`'s tenant, or all of
    them when `schema` is None."""
    message = {"type": USER_MESSAGE_TYPE, "schema": schema, "event": event}
    transaction.on_commit(
        lambda: async_to_sync(get_channel_layer().group_send)(user_group_name(user_id), message), robust=True
    )
