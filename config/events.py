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
}

# The channel layer message type; consumers handle it in `domain_event`.
MESSAGE_TYPE = "domain.event"


Subscriber = Callable[[str, dict], None]
_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> None:
    """Registers `subscriber(schema, event)`, called for every event as it is published, in the publishing
    transaction and the tenant's schema (apps above config register at start-up: `webhooks`)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def group_name(schema: str) -> str:
    return f"events.{schema}"


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
