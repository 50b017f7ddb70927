"""ICS feeds (RFC 5545) any calendar can subscribe to, one per calendar, behind a signed URL.

The token names the tenant's schema, the calendar and its current `feed_key`: it opens only that tenant's
calendar on that tenant's host, and rotating the key revokes it.
"""

from datetime import UTC, datetime

from django.core import signing
from django.db import connection

from config.errors import NotFound
from scheduling import selectors
from scheduling.ics import document, escape, utc
from scheduling.models import Calendar
from scheduling.services.sync import uid_of

FEED_SALT = "scheduling.ics-feed"


def feed_token(calendar: Calendar) -> str:
    return signing.dumps({"s": connection.schema_name, "c": calendar.pk, "k": calendar.feed_key}, salt=FEED_SALT)


def calendar_of_token(token: str) -> Calendar:
    """The calendar a feed token opens in the current tenant; anything else is a 404 that reveals nothing."""
    try:
        data = signing.loads(token, salt=FEED_SALT)
    except signing.BadSignature:
        raise NotFound("No such feed.")
    calendar = Calendar.objects.filter(pk=data.get("c")).first() if data.get("s") == connection.schema_name else None
    if calendar is None or calendar.feed_key != data.get("k"):
        raise NotFound("No such feed.")
    return calendar


def render(calendar: Calendar, *, now: datetime | None = None) -> str:
    stamp = utc(now or datetime.now(UTC))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Voice Agents//Scheduling//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(f'{connection.tenant.name} – {calendar.name}')}",
        f"X-WR-TIMEZONE:{calendar.timezone}",
    ]
    for appointment in selectors.feed_appointments(calendar):
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid_of(appointment)}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{utc(appointment.start)}",
            f"DTEND:{utc(appointment.end)}",
            f"SUMMARY:{escape(appointment.title)}",
            "STATUS:CONFIRMED",
            f"LAST-MODIFIED:{utc(appointment.updated_at)}",
        ]
        if appointment.location:
            lines.append(f"LOCATION:{escape(appointment.location)}")
        details = "\n".join(
            part for part in (appointment.description, appointment.contact_name, appointment.contact_phone) if part
        )
        if details:
            lines.append(f"DESCRIPTION:{escape(details)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return document(lines)
