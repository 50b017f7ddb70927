"""Free slots of a calendar: its weekly hours in its time zone, on its slot grid, minus minimum notice, the
booking horizon, live appointments (with buffers) and busy times read from integrated external calendars."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from config.errors import DomainError
from scheduling import selectors
from scheduling.models import WEEKDAYS, Calendar
from scheduling.services import sync

MAX_RANGE_DAYS = 31


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime


def _clock(value: str) -> time | None:
    """ "HH:MM" → time; "24:00" (end of day) → None."""
    hours, minutes = map(int, value.split(":"))
    return None if hours == 24 else time(hours, minutes)


def _opening_windows(calendar: Calendar, day: date) -> list[tuple[datetime, datetime]]:
    zone = ZoneInfo(calendar.timezone)
    windows = []
    for opens, closes in calendar.weekly_hours.get(WEEKDAYS[day.weekday()], []):
        start = datetime.combine(day, _clock(opens), tzinfo=zone)
        close_time = _clock(closes)
        end = (
            datetime.combine(day, close_time, tzinfo=zone)
            if close_time
            else datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        )
        windows.append((start, end))
    return windows


def _overlaps(start: datetime, end: datetime, busy: list[tuple[datetime, datetime]]) -> bool:
    return any(start < busy_end and busy_start < end for busy_start, busy_end in busy)


def free_slots(
    calendar: Calendar,
    first_day: date,
    last_day: date,
    *,
    duration: timedelta | None = None,
    now: datetime | None = None,
) -> list[Slot]:
    """Bookable slots starting on `first_day` … `last_day` (dates in the calendar's time zone)."""
    if last_day < first_day:
        raise DomainError("The range ends before it starts.", errors={"date_to": ["Must not be before date_from."]})
    if (last_day - first_day).days >= MAX_RANGE_DAYS:
        raise DomainError(
            f"Ask for at most {MAX_RANGE_DAYS} days at a time.",
            errors={"date_to": [f"At most {MAX_RANGE_DAYS} days after date_from."]},
        )
    now = now or timezone.now()
    duration = duration or timedelta(minutes=calendar.slot_minutes)
    step = timedelta(minutes=calendar.slot_minutes)
    before = timedelta(minutes=calendar.buffer_before_minutes)
    after = timedelta(minutes=calendar.buffer_after_minutes)
    earliest = now + timedelta(minutes=calendar.min_notice_minutes)
    latest = now + timedelta(days=calendar.max_days_ahead)

    windows = [
        window
        for offset in range((last_day - first_day).days + 1)
        for window in _opening_windows(calendar, first_day + timedelta(days=offset))
    ]
    if not windows:
        return []
    span_start = min(start for start, _ in windows) - before - after
    span_end = max(end for _, end in windows) + before + after
    booked = [(a.blocked.lower, a.blocked.upper) for a in selectors.busy_appointments(calendar, span_start, span_end)]
    external = sync.busy_times(calendar, span_start, span_end)

    slots = []
    for window_start, window_end in windows:
        start = window_start
        while start + duration <= window_end:
            end = start + duration
            blocked_start, blocked_end = start - before, end + after
            if (
                earliest <= start <= latest
                and not _overlaps(blocked_start, blocked_end, booked)
                and not _overlaps(blocked_start, blocked_end, external)
            ):
                slots.append(Slot(start, end))
            start += step
    return slots


def is_bookable(calendar: Calendar, start: datetime, end: datetime, *, now: datetime | None = None) -> bool:
    day = start.astimezone(ZoneInfo(calendar.timezone)).date()
    return Slot(start, end) in free_slots(calendar, day, day, duration=end - start, now=now)
