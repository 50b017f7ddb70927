"""Calling hours in the recipient's local time: the zones a number may be in, and the earliest instant that
is inside the calling window in every one of them (a number spanning zones must be callable in all)."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as number_timezones

from config.weekly_hours import WEEKDAYS

MIDNIGHT = time(0, 0)
# A week ahead holds every weekday; one more day covers zones ahead of or behind UTC.
HORIZON_DAYS = 8


@dataclass(frozen=True)
class CallingWindow:
    start: time
    end: time  # exclusive; 00:00 means midnight at the end of the day
    days: frozenset[str]


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def recipient_zones(number: str, *, timezone_hint: str = "", fallback: str = "UTC") -> tuple[str, ...]:
    """The recipient's zone when known (a contact's IANA zone), else every zone the number's prefix may be
    in; `fallback` (the tenant's zone) when the numbering plan tells nothing."""
    if timezone_hint and zone(timezone_hint) is not None:
        return (timezone_hint,)
    zones = tuple(
        name for name in number_timezones.time_zones_for_number(phonenumbers.parse(number)) if zone(name) is not None
    )
    return zones or (fallback,)


def _spans(tz: ZoneInfo, around: datetime, window: CallingWindow) -> list[tuple[datetime, datetime]]:
    """The window's open spans in UTC for the local days around `around`, in order."""
    first_day = around.astimezone(tz).date() - timedelta(days=1)
    spans = []
    for offset in range(HORIZON_DAYS + 1):
        day = first_day + timedelta(days=offset)
        if WEEKDAYS[day.weekday()] not in window.days:
            continue
        closing_day = day + timedelta(days=1) if window.end == MIDNIGHT else day
        opens = datetime.combine(day, window.start, tzinfo=tz).astimezone(UTC)
        closes = datetime.combine(closing_day, window.end, tzinfo=tz).astimezone(UTC)
        spans.append((opens, closes))
    return spans


def _intersect(left, right):
    common, i, j = [], 0, 0
    while i < len(left) and j < len(right):
        opens, closes = max(left[i][0], right[j][0]), min(left[i][1], right[j][1])
        if opens < closes:
            common.append((opens, closes))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return common


def next_open(at: datetime, zones: tuple[str, ...], window: CallingWindow) -> datetime | None:
    """The earliest instant >= `at` inside the window in all `zones`; None when they share no window
    within the coming week (e.g. a toll-free number reaching from Guam to Alaska)."""
    common = None
    for name in zones:
        spans = _spans(zone(name), at, window)
        common = spans if common is None else _intersect(common, spans)
    for opens, closes in common or ():
        if closes > at:
            return max(at, opens)
    return None
