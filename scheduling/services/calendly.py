"""Calendly through a personal access token: connecting it (with an invitee webhook signed by a key we generate),
its event types, single-use scheduling links, and the webhook deliveries that book and cancel appointments."""

import json
import logging
import secrets

from django.conf import settings
from django.db import IntegrityError, connection
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from config.errors import DomainError, Forbidden, NotFound
from scheduling.calendars import calendly
from scheduling.calendars.base import AuthorizationExpired
from scheduling.models import Appointment, Calendar, CalendarIntegration
from scheduling.services import appointments
from scheduling.services.integrations import require_plan

logger = logging.getLogger(__name__)
PROVIDER = CalendarIntegration.Provider.CALENDLY
SCOPES = ("user", "organization")


def webhook_url() -> str:
    """Where Calendly posts this tenant's invitee events (the shared public host, the tenant in the path)."""
    path = reverse("calendly-webhook", kwargs={"tenant_slug": connection.tenant.slug})
    return settings.CALENDLY_WEBHOOK_BASE_URL.rstrip("/") + path


def connect(*, calendar: Calendar, token: str, scope: str = "user", user) -> CalendarIntegration:
    """Checks the token (`GET /users/me`), subscribes our webhook with a fresh signing key and stores both
    encrypted. Reconnecting the same account replaces its previous subscription."""
    require_plan()
    client = calendly.Client(token)
    try:
        me = client.me()
    except AuthorizationExpired:
        raise DomainError(
            "Calendly refused this token.", error_code="calendly_refused", errors={"token": ["Refused by Calendly."]}
        )
    previous = CalendarIntegration.objects.filter(calendar=calendar, provider=PROVIDER, account=me["uri"]).first()
    if previous and previous.credentials.get("webhook"):
        client.delete_webhook(previous.credentials["webhook"])
    signing_key = secrets.token_urlsafe(32)
    webhook = client.create_webhook(
        url=webhook_url(),
        scope=scope,
        user_uri=me["uri"],
        organization_uri=me["current_organization"],
        signing_key=signing_key,
    )
    integration, _ = CalendarIntegration.objects.update_or_create(
        calendar=calendar,
        provider=PROVIDER,
        account=me["uri"],
        defaults={
            "credentials": {
                "token": token,
                "signing_key": signing_key,
                "webhook": webhook,
                "organization": me["current_organization"],
                "email": me.get("email", ""),
            },
            "status": CalendarIntegration.Status.ACTIVE,
            "last_error": "",
            "created_by_id": user.pk,
        },
    )
    return integration


def integration_for(integration_id: int | None) -> CalendarIntegration:
    """The Calendly integration asked for, else the first one connected."""
    found = CalendarIntegration.objects.filter(provider=PROVIDER)
    found = found.filter(pk=integration_id) if integration_id else found
    integration = found.order_by("id").first()
    if integration is None:
        raise NotFound("No such Calendly integration." if integration_id else "Calendly is not connected.")
    return integration


def _client(integration: CalendarIntegration) -> calendly.Client:
    return calendly.Client(integration.credentials["token"])


def event_types(integration: CalendarIntegration) -> list[dict]:
    return _client(integration).event_types(integration.account)


def scheduling_link(integration: CalendarIntegration, event_type: str) -> dict:
    return _client(integration).create_scheduling_link(event_type)


# Webhook deliveries -------------------------------------------------------------------------------------


def receive(*, signature: str, body: bytes) -> Appointment | None:
    """Handles one delivery, in the tenant's schema. Only a signature by one of the tenant's Calendly
    integrations' keys, made in the last three minutes, is accepted; anything else changes nothing."""
    integration = next(
        (
            candidate
            for candidate in CalendarIntegration.objects.filter(provider=PROVIDER)
            if calendly.signature_is_valid(signature, body, candidate.credentials.get("signing_key", ""))
        ),
        None,
    )
    if integration is None:
        raise Forbidden("Invalid or stale Calendly signature.", error_code="invalid_signature")
    try:
        delivery = json.loads(body)
        event, payload = delivery["event"], delivery["payload"]
    except (ValueError, KeyError, TypeError):
        raise DomainError("Not a Calendly webhook delivery.", error_code="invalid_webhook")
    if event == "invitee.created":
        return _invitee_created(integration, payload)
    if event == "invitee.canceled":
        return _invitee_canceled(payload)
    return None


def _location(location: dict | None) -> str:
    location = location or {}
    return str(location.get("location") or location.get("join_url") or "")[:500]


def _description(payload: dict) -> str:
    return "\n".join(
        f"{qa.get('question', '')}: {qa.get('answer', '')}" for qa in payload.get("questions_and_answers") or []
    )


def _invitee_created(integration: CalendarIntegration, payload: dict) -> Appointment:
    uri, event = payload.get("uri"), payload.get("scheduled_event") or {}
    start, end = parse_datetime(event.get("start_time") or ""), parse_datetime(event.get("end_time") or "")
    if not uri or start is None or end is None:
        raise DomainError("The invitee has no URI or no event times.", error_code="invalid_webhook")
    existing = Appointment.objects.filter(external_uri=uri).first()
    if existing:
        return existing
    try:
        return appointments.book(
            integration.calendar,
            start=start,
            end=end,
            title=(event.get("name") or "Calendly booking")[:200],
            source=Appointment.Source.CALENDLY,
            external_uri=uri,
            location=_location(event.get("location")),
            contact_name=(payload.get("name") or "")[:200],
            contact_email=payload.get("email") or "",
            contact_phone=(payload.get("text_reminder_number") or "")[:32],
            description=_description(payload),
        )
    except (IntegrityError, appointments.SlotTaken):
        # The same delivery, handled concurrently, got there first.
        existing = Appointment.objects.filter(external_uri=uri).first()
        if existing:
            return existing
        CalendarIntegration.objects.filter(pk=integration.pk).update(
            status=CalendarIntegration.Status.ERROR,
            last_error=f"A Calendly booking at {start:%Y-%m-%d %H:%M %Z} overlaps an appointment here.",
        )
        raise


def _invitee_canceled(payload: dict) -> Appointment | None:
    appointment = Appointment.objects.filter(external_uri=payload.get("uri") or "").first()
    if appointment is None:
        logger.info("Calendly cancelled invitee %s, which was never booked here", payload.get("uri"))
        return None
    reason = ((payload.get("cancellation") or {}).get("reason") or "Cancelled in Calendly")[:500]
    return appointments.cancel(appointment, reason=reason)
