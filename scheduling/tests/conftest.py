"""Calendars in the persona tenants, and dates far enough ahead to be bookable whenever the tests run."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import tenant_context

from scheduling.models import Calendar

NEW_YORK = ZoneInfo("America/New_York")


def next_weekday(weekday: int, *, after_days: int = 2) -> date:
    """The first given weekday (0 = Monday) at least `after_days` from today."""
    start = date.today() + timedelta(days=after_days)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def at(day: date, hour: int, minute: int = 0, zone=NEW_YORK) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def make_calendar(**fields) -> Calendar:
    defaults = {
        "name": "Front desk",
        "timezone": "America/New_York",
        "weekly_hours": {"mon": [["09:00", "12:00"]], "tue": [["09:00", "12:00"], ["13:00", "17:00"]]},
        "slot_minutes": 30,
        "min_notice_minutes": 60,
        "max_days_ahead": 60,
    }
    return Calendar.objects.create(**{**defaults, **fields})


def next_offset_change(zone=NEW_YORK) -> date:
    """The first day, from today on, whose noon has another UTC offset than the day before's (a DST change)."""
    day = date.today()
    while at(day + timedelta(days=1), 12, zone=zone).utcoffset() == at(day, 12, zone=zone).utcoffset():
        day += timedelta(days=1)
    return day + timedelta(days=1)


@pytest.fixture
def change() -> date:
    """The next day New York's clocks change on (DST starts or ends)."""
    return next_offset_change()


@pytest.fixture
def calendar(acme):
    with tenant_context(acme):
        return make_calendar()


@pytest.fixture
def monday():
    return next_weekday(0)
