"""Confirmations to the person an appointment is with: booked, rescheduled and cancelled, by email (plain text and
HTML in the tenant's brand, with an ICS attachment their calendar app files) and by SMS through the tenant's Twilio
account, each with a signed, expiring link to cancel or reschedule.

`record` writes one message per channel in the transaction of the change, keyed by an idempotency key per
appointment change and channel, and queues it once that commits; `send` claims it by a conditional UPDATE, so a task
run twice, or queued twice, sends it once."""

import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone

from config.celery import enqueue_on_commit
from config.errors import Gone, NotFound
from scheduling.ics import document, escape, utc
from scheduling.models import Appointment, AttendeeMessage
from scheduling.services import sms
from scheduling.services.sync import uid_of
from scheduling.spoken import say_date, say_time
from tenants.branding import branding_of

log = logging.getLogger(__name__)
SEND_TASK = "scheduling.send_attendee_message"
LINK_SALT = "scheduling.attendee-link"
Change = AttendeeMessage.Change


def record(appointment: Appointment, change: str) -> list[AttendeeMessage]:
    """The change's messages, one per channel the appointment has an address for, queued on commit; a change
    recorded again (same key) queues nothing new."""
    # A move is told of each time it happens: its key carries the moment of the change.
    moment = f":{appointment.updated_at.isoformat()}" if change == Change.RESCHEDULED else ""
    messages = []
    for channel, to in (("email", appointment.contact_email), ("sms", appointment.contact_phone)):
        if not to:
            continue
        message, created = AttendeeMessage.objects.get_or_create(
            idempotency_key=f"appointment-{appointment.pk}:{change}{moment}:{channel}",
            defaults={"appointment": appointment, "change": change, "channel": channel, "to": to},
        )
        if created:
            enqueue_on_commit(SEND_TASK, message.pk, robust=True)
        messages.append(message)
    return messages


def send(message_id: int) -> bool:
    """Sends a pending message once; False when another run has it or had it. A failure is kept on the message."""
    if not AttendeeMessage.objects.filter(pk=message_id, status=AttendeeMessage.Status.PENDING).update(
        status=AttendeeMessage.Status.SENDING
    ):
        return False
    message = AttendeeMessage.objects.select_related("appointment__calendar").get(pk=message_id)
    try:
        if message.channel == "email":
            email_of(message).send()
        else:
            sms.send(to=message.to, body=text_of(message), agent_id=message.appointment.calendar.agent_id)
    except Exception as exc:
        log.warning("attendee message %s failed: %s", message.pk, exc)
        message.status, message.error = AttendeeMessage.Status.FAILED, str(exc)[:1000]
    else:
        message.status, message.sent_at = AttendeeMessage.Status.SENT, timezone.now()
    message.save(update_fields=["status", "sent_at", "error"])
    return message.status == AttendeeMessage.Status.SENT


# The link ------------------------------------------------------------------------------------------------


def manage_token(appointment: Appointment) -> str:
    return signing.dumps({"s": connection.schema_name, "a": appointment.pk}, salt=LINK_SALT)


def manage_url(appointment: Appointment) -> str:
    """On the tenant's own host: an agency's client's contacts are sent to its verified custom domain."""
    return f"{branding_of(connection.tenant).base_url}/api/calendar/manage/{manage_token(appointment)}"


def appointment_of_token(token: str) -> Appointment:
    """The appointment a link opens in the current tenant: 404 for anything forged or of another tenant, 410 once
    the link expired, the appointment started or it was cancelled."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=settings.ATTENDEE_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise Gone("This link has expired.", error_code="link_expired")
    except signing.BadSignature:
        raise NotFound("No such appointment.")
    appointment = None
    if data.get("s") == connection.schema_name:
        appointment = Appointment.objects.select_related("calendar").filter(pk=data.get("a")).first()
    if appointment is None:
        raise NotFound("No such appointment.")
    if appointment.status != Appointment.Status.SCHEDULED or appointment.start <= timezone.now():
        raise Gone("This appointment can no longer be changed.", error_code="appointment_closed")
    return appointment


# What is sent --------------------------------------------------------------------------------------------

HEADLINES = {
    Change.BOOKED: "Your appointment is booked",
    Change.RESCHEDULED: "Your appointment has moved",
    Change.CANCELLED: "Your appointment is cancelled",
}


def _context(message: AttendeeMessage) -> dict:
    appointment = message.appointment
    brand = branding_of(connection.tenant)
    local = appointment.start.astimezone(ZoneInfo(appointment.calendar.timezone))
    return {
        "brand": brand.name,
        "from_email": brand.from_email,
        "colour": brand.primary_colour or "#1f6feb",
        "logo_url": brand.logo_url,
        "support_email": brand.support_email,
        "reply_to": brand.reply_to,
        "headline": HEADLINES[message.change],
        "appointment": appointment,
        "when": f"{say_date(local.date())} at {say_time(local)} ({appointment.calendar.timezone})",
        "manage_url": manage_url(appointment) if message.change != Change.CANCELLED else "",
    }


def text_of(message: AttendeeMessage) -> str:
    context = _context(message)
    text = f"{context['brand']}: {context['headline'].lower()}: {message.appointment.title}, {context['when']}."
    if context["manage_url"]:
        text += f" Cancel or reschedule: {context['manage_url']}"
    return text


def email_of(message: AttendeeMessage) -> EmailMultiAlternatives:
    context = _context(message)
    email = EmailMultiAlternatives(
        subject=f"{context['brand']}: {context['headline']} – {message.appointment.title}",
        body=render_to_string("scheduling/attendee_message.txt", context),
        from_email=context["from_email"],
        to=[message.to],
        reply_to=context["reply_to"],
    )
    email.attach_alternative(render_to_string("scheduling/attendee_message.html", context), "text/html")
    method = "CANCEL" if message.change == Change.CANCELLED else "REQUEST"
    email.attach("appointment.ics", ics_of(message, context), f"text/calendar; method={method}; charset=utf-8")
    return email


def ics_of(message: AttendeeMessage, context: dict) -> str:
    """One event (RFC 5546): REQUEST files or moves it in the attendee's calendar, CANCEL removes it. SEQUENCE counts
    the changes told so far, so a later message always wins."""
    appointment = message.appointment
    cancelled = message.change == Change.CANCELLED
    sequence = AttendeeMessage.objects.filter(appointment=appointment, channel="email", pk__lt=message.pk).count()
    organizer = context["support_email"] or settings.DEFAULT_FROM_EMAIL
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Voice Agents//Scheduling//EN",
        f"METHOD:{'CANCEL' if cancelled else 'REQUEST'}",
        "BEGIN:VEVENT",
        f"UID:{uid_of(appointment)}",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{utc(timezone.now())}",
        f"DTSTART:{utc(appointment.start)}",
        f"DTEND:{utc(appointment.end)}",
        f"SUMMARY:{escape(appointment.title)}",
        f"ORGANIZER;CN={escape(context['brand'])}:mailto:{organizer}",
        f"ATTENDEE;CN={escape(appointment.contact_name or message.to)};RSVP=FALSE:mailto:{message.to}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
    ]
    if appointment.location:
        lines.append(f"LOCATION:{escape(appointment.location)}")
    if context["manage_url"]:
        lines.append(f"DESCRIPTION:{escape('Cancel or reschedule: ' + context['manage_url'])}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return document(lines)
