"""Reminders before appointments, by e-mail and by SMS (through the tenant's Twilio account).

A reminder row is planned per channel and lead time when an appointment is booked or moved. The beat
task sends due ones; each row is claimed under a row lock (SKIP LOCKED) and marked in the same
transaction, so overlapping runs or a retried task never send one reminder twice.
"""

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from scheduling.models import Appointment, Reminder
from scheduling.services import sms
from scheduling.spoken import say_date, say_time
from tenants.branding import send_mail as branded_mail

log = logging.getLogger(__name__)
BATCH = 100


def plan(appointment: Appointment, *, now: datetime | None = None) -> list[Reminder]:
    """Replaces the appointment's pending reminders with ones matching its current time, status and contact."""
    now = now or timezone.now()
    appointment.reminders.filter(status=Reminder.Status.PENDING).delete()
    if appointment.status != Appointment.Status.SCHEDULED:
        return []
    channels = [
        channel
        for channel, address in (
            (Reminder.Channel.EMAIL, appointment.contact_email),
            (Reminder.Channel.SMS, appointment.contact_phone),
        )
        if address
    ]
    planned = []
    for minutes in sorted(set(appointment.calendar.reminder_minutes)):
        send_at = appointment.start - timedelta(minutes=minutes)
        if send_at <= now:
            continue
        for channel in channels:
            reminder, _ = Reminder.objects.get_or_create(appointment=appointment, channel=channel, send_at=send_at)
            planned.append(reminder)
    return planned


def text_of(appointment: Appointment) -> str:
    local = appointment.start.astimezone(ZoneInfo(appointment.calendar.timezone))
    where = f" at {appointment.location}" if appointment.location else ""
    return (
        f"Reminder: {appointment.title} with {connection.tenant.name} on {say_date(local.date())} "
        f"at {say_time(local)}{where}."
    )


def _send(reminder: Reminder) -> None:
    appointment = reminder.appointment
    body = text_of(appointment)
    if reminder.channel == Reminder.Channel.EMAIL:
        branded_mail(connection.tenant, f"Reminder: {appointment.title}", body, [appointment.contact_email])
        return
    sms.send(to=appointment.contact_phone, body=body, agent_id=appointment.calendar.agent_id)


def send_due(*, now: datetime | None = None) -> int:
    """Sends the reminders that are due; returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        due = (
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("appointment__calendar")
            .filter(
                status=Reminder.Status.PENDING,
                send_at__lte=now,
                appointment__status=Appointment.Status.SCHEDULED,
                appointment__start__gt=now,
            )[:BATCH]
        )
        for reminder in due:
            try:
                _send(reminder)
            except Exception as exc:
                log.warning("reminder %s failed: %s", reminder.pk, exc)
                reminder.status, reminder.error = Reminder.Status.FAILED, str(exc)[:1000]
            else:
                reminder.status, reminder.sent_at = Reminder.Status.SENT, timezone.now()
                sent += 1
            reminder.save(update_fields=["status", "sent_at", "error"])
    return sent
