"""Calendars: their business hours, time zone and booking rules; one per agent plus the tenant's default."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import IntegrityError, connection, transaction

from config.errors import Conflict, DomainError
from config.weekly_hours import weekly_hours_problems
from scheduling.models import Calendar, new_feed_key


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(f"Unknown time zone '{name}'.", errors={"timezone": [f"Unknown time zone '{name}'."]})
    return name


def check_weekly_hours(hours) -> dict:
    problems = weekly_hours_problems(hours)
    if problems:
        raise DomainError(problems[0], errors={"weekly_hours": problems})
    return hours


def _check(fields: dict) -> None:
    if "timezone" in fields:
        check_timezone(fields["timezone"])
    if "weekly_hours" in fields:
        check_weekly_hours(fields["weekly_hours"])


def create_calendar(**fields) -> Calendar:
    _check(fields)
    try:
        with transaction.atomic():
            return Calendar.objects.create(**fields)
    except IntegrityError:
        which = "this agent" if fields.get("agent") else "the tenant (the default calendar)"
        raise Conflict(
            f"There is already a calendar for {which}.",
            error_code="calendar_exists",
            errors={"agent": ["Already has a calendar."]},
        )


def update_calendar(calendar: Calendar, **fields) -> Calendar:
    _check(fields)
    for name, value in fields.items():
        setattr(calendar, name, value)
    calendar.save()
    return calendar


def rotate_feed_key(calendar: Calendar) -> Calendar:
    """Revokes every feed URL of this calendar handed out so far."""
    calendar.feed_key = new_feed_key()
    calendar.save(update_fields=["feed_key", "updated_at"])
    return calendar


def tenant_timezone() -> str:
    """The time zone of the tenant whose schema is in use ("UTC" outside one)."""
    return getattr(connection.tenant, "timezone", "") or "UTC"


def default_calendar(*, timezone_name: str = "") -> Calendar:
    """The tenant's default calendar, made on first use in `timezone_name`, else the tenant's time zone."""
    calendar = Calendar.objects.filter(agent__isnull=True).first()
    if calendar is not None:
        return calendar
    try:
        with transaction.atomic():
            return Calendar.objects.create(name="Default", timezone=timezone_name or tenant_timezone())
    except IntegrityError:
        # Created by a concurrent request in the meantime.
        return Calendar.objects.get(agent__isnull=True)


def calendar_for(agent) -> Calendar:
    """The agent's own calendar, else the tenant's default one (made on first use in the agent's time zone, else the
    tenant's)."""
    if agent is not None:
        own = Calendar.objects.filter(agent=agent).first()
        if own is not None:
            return own
    return default_calendar(timezone_name=(getattr(agent, "business_hours", None) or {}).get("timezone") or "")
