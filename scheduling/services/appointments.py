"""Booking, changing, rescheduling and cancelling appointments.

Overlapping live bookings of one calendar are refused by PostgreSQL itself (the `no_double_booking`
exclusion constraint on the blocked time range), so two concurrent requests for one slot can never both
succeed; here that refusal becomes a 409 `slot_taken`.

Every write of an appointment's time first locks its calendar's row. Without it two transactions inserting
overlapping ranges can each find the other's uncommitted row in the constraint's index and wait for each
other: PostgreSQL then aborts one with a deadlock (a 500) instead of an exclusion violation (a 409).
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from config.celery import enqueue_on_commit
from config.errors import Conflict, DomainError
from config.events import publish
from scheduling.models import Appointment, Calendar
from scheduling.services import availability, confirmations, reminders

EXCLUSION_VIOLATION = "23P01"


class SlotTaken(Conflict):
    error_code = "slot_taken"


class SlotUnavailable(Conflict):
    error_code = "slot_unavailable"


def _blocked(calendar: Calendar, start: datetime, end: datetime) -> DateTimeTZRange:
    return DateTimeTZRange(
        start - timedelta(minutes=calendar.buffer_before_minutes),
        end + timedelta(minutes=calendar.buffer_after_minutes),
        "[)",
    )


def _check_times(start: datetime, end: datetime) -> None:
    if end <= start:
        raise DomainError("The appointment must end after it starts.", errors={"end": ["Must be after start."]})


def _save(appointment: Appointment, **save_kwargs) -> None:
    """Saves in a savepoint so a refused overlap leaves the caller's transaction usable; writers of one calendar
    take its row lock in turn, so the second one meets the first one's committed row."""
    # FOR NO KEY UPDATE: it queues bookings of this calendar but not the FK checks of other rows pointing at it.
    list(Calendar.objects.select_for_update(no_key=True).filter(pk=appointment.calendar_id).values_list("pk"))
    try:
        with transaction.atomic():
            appointment.save(**save_kwargs)
    except IntegrityError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == EXCLUSION_VIOLATION:
            raise SlotTaken("That time is already booked.", errors={"start": ["That time is already booked."]}) from exc
        raise


def _after_change(appointment: Appointment) -> None:
    reminders.plan(appointment)
    enqueue_on_commit("scheduling.sync_appointment", appointment.pk)


def _publish(event_type: str, appointment: Appointment, **fields) -> None:
    publish(
        event_type,
        {
            "appointment_id": appointment.pk,
            "calendar_id": appointment.calendar_id,
            "title": appointment.title,
            "start": appointment.start,
            "end": appointment.end,
            "status": appointment.status,
            "source": appointment.source,
            "call_id": appointment.call_id,
            "contact_name": appointment.contact_name,
            **fields,
        },
    )


@transaction.atomic
def book(
    calendar: Calendar,
    *,
    start: datetime,
    end: datetime | None = None,
    title: str,
    within_hours: bool = False,
    **fields,
) -> Appointment:
    """Books a time on the calendar. `within_hours` (agent bookings) also requires a free slot of its hours,
    outside the minimum notice and free in integrated external calendars; staff may book any free time."""
    end = end or start + timedelta(minutes=calendar.slot_minutes)
    _check_times(start, end)
    if within_hours and not availability.is_bookable(calendar, start, end):
        raise SlotUnavailable("That time is not available.", errors={"start": ["Not a free slot of this calendar."]})
    appointment = Appointment(
        calendar=calendar, title=title, start=start, end=end, blocked=_blocked(calendar, start, end), **fields
    )
    _save(appointment)
    _after_change(appointment)
    _publish("appointment.booked", appointment)
    confirmations.record(appointment, confirmations.Change.BOOKED)
    return appointment


def replace(appointment: Appointment, *, start: datetime, end: datetime | None = None, calendar=None, **fields):
    """All of an appointment's fields at once (an API PUT): it stays on its calendar, and without an end it lasts
    one slot of that calendar."""
    if calendar is not None and calendar != appointment.calendar:
        raise DomainError(
            "An appointment cannot move to another calendar.", errors={"calendar": ["Cannot be changed."]}
        )
    end = end or start + timedelta(minutes=appointment.calendar.slot_minutes)
    return update(appointment, start=start, end=end, **fields)


@transaction.atomic
def update(appointment: Appointment, **fields) -> Appointment:
    """Changes details, status or times (new times go through the same overlap check as a booking)."""
    if fields.get("status") == Appointment.Status.CANCELLED:
        raise DomainError("Cancel through the cancel action.", errors={"status": ["Use POST …/cancel to cancel."]})
    if appointment.status == Appointment.Status.CANCELLED:
        raise Conflict("A cancelled appointment cannot be changed.", error_code="appointment_cancelled")
    moved_from = (appointment.start, appointment.end)
    for name, value in fields.items():
        setattr(appointment, name, value)
    _check_times(appointment.start, appointment.end)
    appointment.blocked = _blocked(appointment.calendar, appointment.start, appointment.end)
    _save(appointment)
    _after_change(appointment)
    if (appointment.start, appointment.end) != moved_from:
        confirmations.record(appointment, confirmations.Change.RESCHEDULED)
    return appointment


def reschedule(appointment: Appointment, *, start: datetime, end: datetime | None = None) -> Appointment:
    """Moves the appointment, keeping its length unless a new end is given."""
    return update(appointment, start=start, end=end or start + (appointment.end - appointment.start))


def reschedule_within_hours(appointment: Appointment, *, start: datetime) -> Appointment:
    """The attendee's own move (through their signed link): same length, and only to a free slot of the calendar's
    hours, as an agent would book."""
    end = start + (appointment.end - appointment.start)
    if not availability.is_bookable(appointment.calendar, start, end):
        raise SlotUnavailable("That time is not available.", errors={"start": ["Not a free slot of this calendar."]})
    return update(appointment, start=start, end=end)


@transaction.atomic
def cancel(appointment: Appointment, *, reason: str = "") -> Appointment:
    """Frees the time, drops pending reminders and removes the external events; cancelling twice is harmless."""
    if appointment.status == Appointment.Status.CANCELLED:
        return appointment
    appointment.status = Appointment.Status.CANCELLED
    appointment.cancel_reason = reason
    appointment.save(update_fields=["status", "cancel_reason", "updated_at"])
    _after_change(appointment)
    _publish("appointment.cancelled", appointment, reason=reason)
    confirmations.record(appointment, confirmations.Change.CANCELLED)
    return appointment


@transaction.atomic
def delete(appointment: Appointment) -> None:
    """Deletes the appointment; its copies in external calendars are removed after the commit."""
    events = [(event.integration_id, event.external_id) for event in appointment.external_events.all()]
    appointment.delete()
    if events:
        enqueue_on_commit("scheduling.delete_external_events", events)
