"""Free slots: weekly hours in the calendar's time zone, slot length, buffers, notice, horizon, bookings."""

from datetime import timedelta

import pytest
from django_tenants.utils import tenant_context

from agents.tests.factories import AgentFactory
from config.errors import DomainError
from scheduling.services import appointments
from scheduling.services.availability import free_slots

from .conftest import NEW_YORK, at, make_calendar

pytestmark = pytest.mark.django_db


def starts(slots):
    return [slot.start.astimezone(NEW_YORK).strftime("%H:%M") for slot in slots]


def test_slots_follow_the_weekly_hours_in_the_calendars_time_zone(acme, calendar, monday):
    with tenant_context(acme):
        slots = free_slots(calendar, monday, monday)
    assert starts(slots) == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert slots[0].start == at(monday, 9) and slots[0].end == at(monday, 9, 30)


def test_a_day_with_several_opening_ranges_has_slots_in_each(acme, calendar, monday):
    tuesday = monday + timedelta(days=1)
    with tenant_context(acme):
        slots = starts(free_slots(calendar, tuesday, tuesday))
    assert slots[:6] == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert slots[6:] == ["13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30"]


def test_a_closed_day_has_no_slots(acme, calendar, monday):
    sunday = monday - timedelta(days=1)
    with tenant_context(acme):
        assert free_slots(calendar, sunday, sunday) == []


def test_a_longer_duration_must_fit_before_closing(acme, calendar, monday):
    with tenant_context(acme):
        slots = free_slots(calendar, monday, monday, duration=timedelta(minutes=90))
    assert starts(slots) == ["09:00", "09:30", "10:00", "10:30"]


def test_booked_time_and_its_buffers_are_not_offered(acme, calendar, monday):
    with tenant_context(acme):
        calendar.buffer_before_minutes = calendar.buffer_after_minutes = 15
        calendar.save()
        appointments.book(calendar, start=at(monday, 10), title="Cleaning")
        slots = starts(free_slots(calendar, monday, monday))
    # 10:00–10:30 plus 15 minutes either side blocks 9:30 (ends 10:00, +15 after) and 10:30 (starts 10:30, −15 before).
    assert slots == ["09:00", "11:00", "11:30"]


def test_a_cancelled_appointment_frees_its_time(acme, calendar, monday):
    with tenant_context(acme):
        appointment = appointments.book(calendar, start=at(monday, 10), title="Cleaning")
        appointments.cancel(appointment, reason="caller asked")
        assert "10:00" in starts(free_slots(calendar, monday, monday))


def test_minimum_notice_hides_slots_too_soon(acme, calendar, monday):
    now = at(monday, 9, 10)
    with tenant_context(acme):
        slots = starts(free_slots(calendar, monday, monday, now=now))
    assert slots == ["10:30", "11:00", "11:30"]


def test_nothing_is_offered_beyond_the_booking_horizon(acme, calendar, monday):
    with tenant_context(acme):
        calendar.max_days_ahead = 1
        calendar.save()
        assert free_slots(calendar, monday + timedelta(days=7), monday + timedelta(days=7)) == []


def test_another_calendars_bookings_do_not_block(acme, calendar, monday):
    with tenant_context(acme):
        other = make_calendar(name="Dr. Who", agent=AgentFactory())
        appointments.book(other, start=at(monday, 10), title="Check-up")
        assert "10:00" in starts(free_slots(calendar, monday, monday))


def test_a_range_ending_before_it_starts_is_refused(acme, calendar, monday):
    with tenant_context(acme), pytest.raises(DomainError) as refused:
        free_slots(calendar, monday, monday - timedelta(days=1))
    assert "date_to" in refused.value.errors


def test_a_range_longer_than_a_month_is_refused(acme, calendar, monday):
    with tenant_context(acme), pytest.raises(DomainError) as refused:
        free_slots(calendar, monday, monday + timedelta(days=40))
    assert "date_to" in refused.value.errors
