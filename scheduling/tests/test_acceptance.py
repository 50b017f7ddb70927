"""Acceptance: a simulated call with the library's medical receptionist books an appointment, which a Celery
worker puts into the (fake) Google Calendar and which shows in the calendar's ICS feed."""

from datetime import UTC, timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import User
from agents import services as agent_services
from agents.services import conversations
from config.celery import app
from config.tests.waiting import wait_until
from scheduling.models import Appointment, CalendarIntegration
from tenants.models import Tenant

from .conftest import NEW_YORK, at, make_calendar
from .fakes import GOOGLE_CALENDAR_PATH, google_event, google_freebusy, use_fake_providers

EVENTS = f"{GOOGLE_CALENDAR_PATH}/calendars/primary/events"


@pytest.mark.slow
def test_a_sandbox_call_books_into_google_calendar_and_the_ics_feed(committed_db, settings, fake_http, api):
    use_fake_providers(settings, fake_http)
    acme = Tenant.objects.get(slug="acme")
    today = timezone.now().astimezone(NEW_YORK).date()
    monday = today + timedelta(days=(0 - today.weekday() - 1) % 7 + 1)
    # Google says 9:00–9:30 is busy: the receptionist must not offer it.
    fake_http.add(
        "POST",
        f"{GOOGLE_CALENDAR_PATH}/freeBusy",
        json=google_freebusy(at(monday, 0), at(monday, 23), busy=[(at(monday, 9), at(monday, 9, 30))]),
    )
    fake_http.add("POST", EVENTS, json=google_event())
    with tenant_context(acme):
        calendar = make_calendar(weekly_hours={"mon": [["09:00", "12:00"]]})
        CalendarIntegration.objects.create(
            calendar=calendar,
            provider="google",
            account="alice@acme.example",
            external_calendar_id="primary",
            credentials={"access_token": "ya29.current", "refresh_token": "1//refresh", "expires_in": 3600},
            token_expires_at=timezone.now() + timedelta(hours=1),
        )
        agent = agent_services.seed_demo_agent(acme)

    app.control.purge()  # what earlier tests of this run left in the queues would run first and could take longer
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        with tenant_context(acme):
            turn = conversations.start(agent)
            for said in ("book an appointment", "Ann Smith", "a cleaning", "next Monday"):
                turn = conversations.say(agent, turn.call, said)
            spoken_day = f"{monday:%A}, {monday:%B} {monday.day}"
            assert turn.reply == f"On {spoken_day} we have 9:30 am, 10:30 am or 11:30 am. Which time would you like?"
            turn = conversations.say(agent, turn.call, "half past ten")
            assert turn.reply == f"{spoken_day} at 10:30 am, is that right?"
            turn = conversations.say(agent, turn.call, "yes")
            assert turn.reply.startswith(f"You're booked for {spoken_day} at 10:30 am.")
        assert wait_until(lambda: fake_http.requests_to("POST", EVENTS))

    [created] = fake_http.requests_to("POST", EVENTS)
    assert created.headers["authorization"] == "Bearer ya29.current"
    assert (created.json["summary"], created.json["start"], created.json["end"]) == (
        "A cleaning – Ann Smith",
        {"dateTime": at(monday, 10, 30).isoformat(), "timeZone": "America/New_York"},
        {"dateTime": at(monday, 11).isoformat(), "timeZone": "America/New_York"},
    )
    with tenant_context(acme):
        appointment = Appointment.objects.get()
        assert (appointment.source, appointment.call_id) == ("agent", turn.call.pk)
        assert appointment.external_events.get().external_id == created.json["id"]

    alice = User.objects.get(email="alice@example.com")
    feed_url = api(alice, acme).get(f"/api/calendar/calendars/{calendar.pk}").json()["feed_url"]
    feed = api(None, acme).get(feed_url.removeprefix("http://acme.localhost")).content.decode()
    start = at(monday, 10, 30).astimezone(UTC)
    assert "SUMMARY:A cleaning – Ann Smith\r\nSTATUS:CONFIRMED" in feed
    assert f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\n" in feed
