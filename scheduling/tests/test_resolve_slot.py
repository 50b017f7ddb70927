"""Resolving the slot a caller asked for (`selectors.resolve_slot`), which the agent reads back before the booking
action books that very start, in the calendar's time zone."""

from datetime import UTC, date, timedelta

import pytest
from django_tenants.utils import tenant_context

from agents.engine import ActionContext, AgentConfig, registry
from scheduling import selectors
from scheduling.models import Calendar

from .conftest import at

pytestmark = pytest.mark.django_db


def calendar(zone="America/New_York") -> Calendar:
    return Calendar(name="Front desk", timezone=zone)


def run(name, params, offered=""):
    ctx = ActionContext(agent=AgentConfig(name="Mia"), node_id="n", variables={"answers.offered_slots": offered})
    return registry.run(name, ctx, params)


def test_a_day_and_time_said_resolve_to_that_wall_clock_time_in_the_calendars_zone(change):
    start = selectors.resolve_slot(calendar(), day_said=change.isoformat(), time_said="ten thirty")
    assert (start.date(), start.hour, start.minute) == (change, 10, 30)


def test_across_a_dst_change_ten_am_keeps_its_wall_clock_and_moves_in_utc(change):
    before = selectors.resolve_slot(calendar(), day_said=(change - timedelta(days=1)).isoformat(), time_said="10 am")
    after = selectors.resolve_slot(calendar(), day_said=(change + timedelta(days=1)).isoformat(), time_said="10 am")
    assert (before.hour, after.hour) == (10, 10)
    shift = after.utcoffset() - before.utcoffset()
    assert abs(shift) == timedelta(hours=1)
    # Two days apart on the wall clock, an hour more or less in UTC.
    assert after.astimezone(UTC) - before.astimezone(UTC) == timedelta(days=2) - shift


def test_a_pick_among_the_offered_times_is_that_offered_start():
    offered = [at(date(2026, 12, 8), 9).isoformat(), at(date(2026, 12, 8), 11).isoformat()]
    start = selectors.resolve_slot(calendar(), day_said="tomorrow", time_said="the second one", offered=offered)
    assert start == at(date(2026, 12, 8), 11) and start.tzinfo.key == "America/New_York"


@pytest.mark.parametrize(
    "day, time, error_code", [("whenever", "10 am", "unknown_date"), ("Monday", "whenever suits", "unknown_time")]
)
def test_what_cannot_be_placed_is_a_typed_error_naming_what(day, time, error_code):
    with pytest.raises(selectors.SlotNotUnderstood) as raised:
        selectors.resolve_slot(calendar(), day_said=day, time_said=time)
    assert raised.value.error_code == error_code


def test_the_slot_is_read_back_in_the_calendars_zone_whatever_zone_it_comes_in():
    start = at(date(2026, 12, 8), 10).astimezone(UTC)
    assert selectors.say_slot(start, calendar()) == "Tuesday, December 8 at 10 am"
    assert selectors.say_slot(start, calendar("Europe/London")) == "Tuesday, December 8 at 3 pm"


def test_the_resolve_slot_action_gives_the_read_back_and_the_exact_start(acme, change):
    with tenant_context(acme):
        Calendar.objects.create(name="Default", timezone="America/New_York")
        result = run("resolve_slot", {"date": change.isoformat(), "time": "ten thirty"})
    assert result.ok and result.data == {
        "slot": f"{change:%A}, {change:%B} {change.day} at 10:30 am",
        "slot_start": at(change, 10, 30).isoformat(),
    }


def test_the_resolve_slot_action_asks_again_when_the_time_is_not_understood(acme):
    with tenant_context(acme):
        Calendar.objects.create(name="Default", timezone="America/New_York")
        result = run("resolve_slot", {"date": "Monday", "time": "whenever"})
    assert not result.ok and result.data == {"error": "unknown_time"}
    assert result.say == "Sorry, I didn't catch the day and time for the appointment."
