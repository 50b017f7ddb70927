"""Calendars (business hours per tenant and agent), free slots and stats through the API."""

from datetime import timedelta

import pytest
from django_tenants.utils import tenant_context

from agents.tests.factories import AgentFactory
from scheduling.services import appointments

from .conftest import at

pytestmark = pytest.mark.django_db


def test_alice_gives_an_agent_its_own_calendar_with_hours_in_its_time_zone(api, alice, acme):
    with tenant_context(acme):
        agent = AgentFactory()
    response = api(alice, acme).post(
        "/api/calendar/calendars",
        {
            "name": "Dr. Lee",
            "agent": agent.pk,
            "timezone": "Europe/Paris",
            "slot_minutes": 20,
            "weekly_hours": {"wed": [["08:00", "12:00"]]},
            "buffer_after_minutes": 10,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["agent"], data["timezone"], data["slot_minutes"]) == (agent.pk, "Europe/Paris", 20)
    assert data["feed_url"].startswith("http://acme.localhost/api/calendar/feed/")


def test_an_unknown_time_zone_is_400_naming_it(api, alice, acme):
    response = api(alice, acme).post(
        "/api/calendar/calendars", {"name": "X", "timezone": "Mars/Olympus"}, format="json"
    )
    assert response.status_code == 400 and "timezone" in response.json()["errors"]


@pytest.mark.parametrize(
    "hours",
    [
        {"someday": [["09:00", "17:00"]]},
        {"mon": [["17:00", "09:00"]]},
        {"mon": [["9am", "5pm"]]},
        {"mon": "all day"},
        ["mon"],
    ],
)
def test_malformed_weekly_hours_are_400_naming_them(api, alice, acme, hours):
    response = api(alice, acme).post("/api/calendar/calendars", {"name": "X", "weekly_hours": hours}, format="json")
    assert response.status_code == 400 and "weekly_hours" in response.json()["errors"]


def test_a_second_default_calendar_is_409(api, alice, acme, calendar):
    response = api(alice, acme).post("/api/calendar/calendars", {"name": "Another"}, format="json")
    assert response.status_code == 409 and response.json()["error_code"] == "calendar_exists"


def test_changing_the_hours_changes_the_slots(api, alice, acme, calendar, monday):
    client = api(alice, acme)
    assert (
        client.patch(
            f"/api/calendar/calendars/{calendar.pk}", {"weekly_hours": {"mon": [["14:00", "15:00"]]}}, format="json"
        ).status_code
        == 200
    )
    slots = client.post("/api/calendar/availability", {"date_from": monday.isoformat()}, format="json").json()
    assert [slot["start"][11:16] for slot in slots["slots"]] == ["14:00", "14:30"]


def test_availability_lists_free_slots_in_the_calendars_time_zone(api, mike, acme, calendar, monday):
    with tenant_context(acme):
        appointments.book(calendar, start=at(monday, 10), title="Cleaning")
    response = api(mike, acme).post(
        "/api/calendar/availability", {"date_from": monday.isoformat(), "calendar": calendar.pk}, format="json"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["timezone"] == "America/New_York"
    assert data["slots"][0] == {"start": at(monday, 9).isoformat(), "end": at(monday, 9, 30).isoformat()}
    assert at(monday, 10).isoformat() not in [slot["start"] for slot in data["slots"]]


def test_availability_with_a_bad_date_is_400_naming_it(api, alice, acme):
    response = api(alice, acme).post("/api/calendar/availability", {"date_from": "someday"}, format="json")
    assert response.status_code == 400 and "date_from" in response.json()["errors"]


def test_availability_of_another_tenants_calendar_is_400(api, bob, globex, calendar, monday):
    response = api(bob, globex).post(
        "/api/calendar/availability", {"date_from": monday.isoformat(), "calendar": calendar.pk}, format="json"
    )
    assert response.status_code == 400 and "calendar" in response.json()["errors"]


def test_bob_cannot_see_or_change_alices_calendar(api, bob, globex, calendar):
    client = api(bob, globex)
    assert client.get(f"/api/calendar/calendars/{calendar.pk}").status_code == 404
    assert client.patch(f"/api/calendar/calendars/{calendar.pk}", {"slot_minutes": 5}, format="json").status_code == 404
    assert client.get("/api/calendar/calendars").json()["results"] == []


def test_stats_count_appointments_by_status_and_source(api, alice, acme, calendar, monday):
    with tenant_context(acme):
        kept = appointments.book(calendar, start=at(monday, 9), title="A", source="agent")
        missed = appointments.book(calendar, start=at(monday, 10), title="B")
        dropped = appointments.book(calendar, start=at(monday, 11), title="C")
        appointments.update(kept, status="completed")
        appointments.update(missed, status="no_show")
        appointments.cancel(dropped)
        appointments.book(calendar, start=at(monday, 11, 30), title="D")
    stats = api(alice, acme).get("/api/calendar/stats").json()
    assert stats["total"] == 4 and (stats["booked_by_agents"], stats["booked_by_staff"]) == (1, 3)
    assert stats["by_source"] == {"api": 3, "agent": 1, "calendly": 0}
    assert stats["by_status"] == {"scheduled": 1, "completed": 1, "cancelled": 1, "no_show": 1}
    assert stats["no_show_rate"] == 0.5
    assert stats["upcoming"] == 1


def test_stats_cover_the_appointments_starting_in_the_date_range(api, alice, acme, calendar, monday):
    with tenant_context(acme):
        appointments.book(calendar, start=at(monday, 9), title="Earlier", source="agent")
        later = appointments.book(calendar, start=at(monday + timedelta(days=7), 9), title="Later")
        appointments.update(later, status="no_show")
    week = {"from": at(monday + timedelta(days=1), 0).isoformat(), "to": at(monday + timedelta(days=8), 0).isoformat()}
    stats = api(alice, acme).get("/api/calendar/stats", week).json()
    assert (stats["total"], stats["booked_by_agents"], stats["booked_by_staff"]) == (1, 0, 1)
    assert stats["by_status"]["no_show"] == 1 and stats["no_show_rate"] == 1.0 and stats["upcoming"] == 0


def test_a_stats_range_ending_before_it_starts_is_400_naming_to(api, alice, acme, monday):
    response = api(alice, acme).get(
        "/api/calendar/stats", {"from": at(monday, 9).isoformat(), "to": at(monday, 8).isoformat()}
    )
    assert response.status_code == 400 and "to" in response.json()["errors"]


def test_a_bad_stats_date_is_400_naming_it(api, alice, acme):
    response = api(alice, acme).get("/api/calendar/stats", {"from": "last week"})
    assert response.status_code == 400 and "from" in response.json()["errors"]


def test_stats_need_a_member_of_the_tenant(api, charlie, acme):
    assert api(charlie, acme).get("/api/calendar/stats").status_code == 403
    assert api(None, acme).get("/api/calendar/stats").status_code == 401


def test_stats_are_per_tenant(api, bob, globex, acme, calendar, monday):
    with tenant_context(acme):
        appointments.book(calendar, start=at(monday, 9), title="A")
    assert api(bob, globex).get("/api/calendar/stats").json()["total"] == 0
