"""ICS feeds (RFC 5545) any calendar can subscribe to, one per calendar, behind a signed URL.

The token names the tenant's schema, the calendar and its current `feed_key`: it opens only that tenant's
calendar on that tenant's host, and rotating the key revokes it.
"""
from datetime import datetime, timezone

from django.core import signing
from django.db import connection

from config.api.errors import NotFound
from scheduling import selectors
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


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 §3.1)."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, start = [], 0
    while start < len(encoded):
        end = min(start + (75 if not parts else 74), len(encoded))
        while end < len(encoded) and (encoded[end] & 0xC0) == 0x80:  # never split a UTF-8 character
            end -= 1
        parts.append(encoded[start:end].decode())
        start = end
    return "\r\n ".join(parts)


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def render(calendar: Calendar, *, now: datetime | None = None) -> str:
    stamp = _utc(now or datetime.now(timezone.utc))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Voice Agents//Scheduling//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(f'{connection.tenant.name} – {calendar.name}')}",
             f"X-WR-TIMEZONE:{calendar.timezone}"]
    for appointment in selectors.feed_appointments(calendar):
        lines += ["BEGIN:VEVENT", f"UID:{uid_of(appointment)}", f"DTSTAMP:{stamp}",
                  f"DTSTART:{_utc(appointment.start)}", f"DTEND:{_utc(appointment.end)}",
                  f"SUMMARY:{_escape(appointment.title)}", "STATUS:CONFIRMED",
                  f"LAST-MODIFIED:{_utc(appointment.updated_at)}"]
        if appointment.location:
            lines.append(f"LOCATION:{_escape(appointment.location)}")
        details = "\n".join(part for part in (appointment.description, appointment.contact_name,
                                              appointment.contact_phone) if part)
        if details:
            lines.append(f"DESCRIPTION:{_escape(details)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
