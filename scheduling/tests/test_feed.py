"""ICS feeds: a signed URL per calendar that any calendar app can subscribe to, and that opens nothing else."""

from datetime import UTC

import pytest
from django_tenants.utils import tenant_context

from agents.tests.factories import AgentFactory
from scheduling.services import appointments, feeds

from .conftest import at, make_calendar

pytestmark = pytest.mark.django_db


def feed_path(client, calendar):
    url = client.get(f"/api/calendar/calendars/{calendar.pk}").json()["feed_url"]
    return url.removeprefix("http://acme.localhost")


@pytest.fixture
def booked(acme, calendar, monday):
    with tenant_context(acme):
        return appointments.book(
            calendar,
            start=at(monday, 10),
            title="Cleaning; Ann, Lee",
            location="Room 2",
            description="Bring x-rays\nand forms",
            contact_phone="+15550123",
        )


def test_the_feed_is_an_icalendar_with_one_event_per_live_appointment(api, alice, acme, calendar, booked):
    path = feed_path(api(alice, acme), calendar)
    response = api(None, acme).get(path)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert f"UID:appointment-{booked.pk}@t_acme.localhost\r\n" in text
    assert "SUMMARY:Cleaning\\; Ann\\, Lee\r\n" in text
    assert "LOCATION:Room 2\r\n" in text
    assert "DESCRIPTION:Bring x-rays\\nand forms\\n+15550123\r\n" in text


def test_times_are_in_utc(api, alice, acme, calendar, booked, monday):
    text = api(None, acme).get(feed_path(api(alice, acme), calendar)).content.decode()
    start, end = at(monday, 10).astimezone(UTC), at(monday, 10, 30).astimezone(UTC)
    assert f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDTEND:{end:%Y%m%dT%H%M%SZ}\r\n" in text


def test_cancelled_appointments_leave_the_feed(api, alice, acme, calendar, booked):
    with tenant_context(acme):
        appointments.cancel(booked)
    text = api(None, acme).get(feed_path(api(alice, acme), calendar)).content.decode()
    assert "BEGIN:VEVENT" not in text


def test_long_lines_are_folded_at_75_octets(api, alice, acme, calendar, monday):
    with tenant_context(acme):
        appointments.book(calendar, start=at(monday, 11), title="Très long rendez-vous " * 8)
    text = api(None, acme).get(feed_path(api(alice, acme), calendar)).content.decode()
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "SUMMARY:" + ("Très long rendez-vous " * 8).rstrip() in text.replace("\r\n ", "")


def test_a_feed_url_signed_for_acme_does_not_open_on_globex(api, alice, acme, calendar, booked):
    path = feed_path(api(alice, acme), calendar)
    response = api(None, host="globex.localhost").get(path)
    assert response.status_code == 404


def test_a_tampered_token_is_404(api, alice, acme, calendar, booked):
    path = feed_path(api(alice, acme), calendar)
    assert api(None, acme).get(path.replace(".ics", "x.ics")).status_code == 404


def test_the_feed_of_one_calendar_does_not_show_another(api, alice, acme, calendar, booked):
    with tenant_context(acme):
        other = make_calendar(name="Dr. Lee", agent=AgentFactory())
    text = api(None, acme).get(feed_path(api(alice, acme), other)).content.decode()
    assert "BEGIN:VEVENT" not in text


def test_rotating_the_feed_key_revokes_old_urls(api, alice, acme, calendar, booked):
    client = api(alice, acme)
    old = feed_path(client, calendar)
    new = client.post(f"/api/calendar/calendars/{calendar.pk}/feed/rotate").json()["feed_url"]
    assert api(None, acme).get(old).status_code == 404
    assert api(None, acme).get(new.removeprefix("http://acme.localhost")).status_code == 200


def test_only_managers_rotate_and_bob_cannot(api, bob, globex, calendar):
    assert api(bob, globex).post(f"/api/calendar/calendars/{calendar.pk}/feed/rotate").status_code == 404


def test_the_feed_is_not_served_on_the_public_host(api, alice, acme, calendar):
    with tenant_context(acme):
        token = feeds.feed_token(calendar)
    assert api(None).get(f"/api/calendar/feed/{token}.ics").status_code == 404
