"""Shared reads of the scheduling app; every query runs in the current tenant's schema."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.utils import timezone

from config.errors import DomainError, NotFound
from scheduling.models import Appointment, Calendar, CalendarIntegration
from scheduling.spoken import parse_choice, parse_date, parse_time, say_date, say_time


def _get(queryset, pk, label):
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise NotFound(f"No such {label}.")
    return found


def calendars():
    return Calendar.objects.select_related("agent")


def get_calendar(calendar_id) -> Calendar:
    return _get(calendars(), calendar_id, "calendar")


def appointments(
    *,
    calendar_id=None,
    contact_id=None,
    status=None,
    start_from: datetime | None = None,
    start_to: datetime | None = None,
):
    found = Appointment.objects.select_related("calendar")
    if calendar_id is not None:
        found = found.filter(calendar_id=calendar_id)
    if contact_id is not None:
        found = found.filter(contact_id=contact_id)
    if status:
        found = found.filter(status=status)
    if start_from is not None:
        found = found.filter(start__gte=start_from)
    if start_to is not None:
        found = found.filter(start__lt=start_to)
    return found


class SlotNotUnderstood(DomainError):
    """The day or the time a caller said is not one the calendar can place (`error_code` says which)."""


def calendar_today(calendar: Calendar) -> date:
    return timezone.now().astimezone(ZoneInfo(calendar.timezone)).date()


def resolve_slot(calendar: Calendar, *, day_said: str, time_said: str, offered: list[str] = ()) -> datetime:
    """The exact start a caller means, in the calendar's time zone: one of the `offered` starts (ISO) picked by
    its place ("the second one"), else the day and time as said ("Tuesday", "ten thirty")."""
    zone = ZoneInfo(calendar.timezone)
    choice = parse_choice(time_said) if offered else None
    if choice is not None and -len(offered) <= choice < len(offered):
        return datetime.fromisoformat(offered[choice]).astimezone(zone)
    wanted_day = parse_date(day_said, calendar_today(calendar))
    if wanted_day is None:
        raise SlotNotUnderstood("Which day was not understood.", error_code="unknown_date")
    at = parse_time(time_said)
    if at is None:
        raise SlotNotUnderstood("Which time was not understood.", error_code="unknown_time")
    # Built from the wall-clock time in the zone, so the offset is the one in force on that day (DST included).
    return datetime.combine(wanted_day, at, tzinfo=zone)


def say_slot(start: datetime, calendar: Calendar) -> str:
    """ "Tuesday, December 8 at 10 am": a start as the agent reads it back, in the calendar's time zone."""
    local = start.astimezone(ZoneInfo(calendar.timezone))
    return f"{say_date(local.date())} at {say_time(local)}"


def get_appointment(appointment_id) -> Appointment:
    return _get(appointments(), appointment_id, "appointment")


def busy_appointments(calendar: Calendar, start: datetime, end: datetime):
    """Live appointments whose blocked time (buffers included) overlaps [start, end)."""
    return Appointment.objects.filter(calendar=calendar, blocked__overlap=(start, end)).exclude(
        status=Appointment.Status.CANCELLED
    )


def feed_appointments(calendar: Calendar, *, days_back: int = 30):
    since = timezone.now() - timedelta(days=days_back)
    return Appointment.objects.filter(calendar=calendar, end__gte=since).exclude(status=Appointment.Status.CANCELLED)


def integrations():
    return CalendarIntegration.objects.select_related("calendar")


def get_integration(integration_id) -> CalendarIntegration:
    return _get(integrations(), integration_id, "calendar integration")


def stats(*, start_from: datetime | None = None, start_to: datetime | None = None, now: datetime | None = None) -> dict:
    """Counts over the appointments starting in [start_from, start_to) (default: all of them)."""
    now = now or timezone.now()
    counts = appointments(start_from=start_from, start_to=start_to).aggregate(
        total=Count("id"),
        upcoming=Count("id", filter=Q(status=Appointment.Status.SCHEDULED, start__gte=now)),
        next_7_days=Count(
            "id", filter=Q(status=Appointment.Status.SCHEDULED, start__gte=now, start__lt=now + timedelta(days=7))
        ),
        **{f"status_{status}": Count("id", filter=Q(status=status)) for status in Appointment.Status.values},
        **{f"source_{source}": Count("id", filter=Q(source=source)) for source in Appointment.Source.values},
    )
    attended = counts[f"status_{Appointment.Status.COMPLETED}"] + counts[f"status_{Appointment.Status.NO_SHOW}"]
    return {
        "total": counts["total"],
        "upcoming": counts["upcoming"],
        "next_7_days": counts["next_7_days"],
        "booked_by_agents": counts[f"source_{Appointment.Source.AGENT}"],
        # Staff book through the API (and the dashboard on it); Calendly bookings are the invitees' own.
        "booked_by_staff": counts[f"source_{Appointment.Source.API}"],
        "by_source": {source: counts[f"source_{source}"] for source in Appointment.Source.values},
        "by_status": {status: counts[f"status_{status}"] for status in Appointment.Status.values},
        # Of the appointments whose outcome is known, the share nobody came to.
        "no_show_rate": round(counts[f"status_{Appointment.Status.NO_SHOW}"] / attended, 3) if attended else None,
    }
