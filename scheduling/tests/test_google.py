"""Google Calendar through its documented HTTP API, faked at the HTTP boundary: OAuth 2.0 authorization code flow
with a CSRF state, token refresh, free/busy, and events created, updated and deleted."""

import hashlib
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from scheduling.calendars.base import CalendarAPIError
from scheduling.models import CalendarIntegration, ExternalEvent
from scheduling.services import appointments, sync
from scheduling.services.availability import free_slots

from .conftest import NEW_YORK, at
from .fakes import (
    GOOGLE_CALENDAR_PATH,
    GOOGLE_TOKEN_PATH,
    google_calendar,
    google_error,
    google_event,
    google_freebusy,
    oauth_token,
    use_fake_providers,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def google(settings, fake_http):
    use_fake_providers(settings, fake_http)
    return fake_http


def connect(calendar, *, expires_in=timedelta(hours=1), access_token="ya29.current"):
    return CalendarIntegration.objects.create(
        calendar=calendar,
        provider="google",
        account="alice@acme.example",
        external_calendar_id="primary",
        credentials={"access_token": access_token, "refresh_token": "1//refresh", "expires_in": 3600},
        token_expires_at=timezone.now() + expires_in,
    )


def authorize(client, provider="google"):
    return client.get(f"/api/calendar/auth-url/{provider}").json()


def test_the_auth_url_asks_google_for_offline_calendar_access_with_a_state(api, alice, acme, google, settings):
    body = authorize(api(alice, acme))
    url = urlsplit(body["url"])
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == settings.GOOGLE_OAUTH_AUTHORIZE_URL
    assert query["client_id"] == settings.GOOGLE_OAUTH_CLIENT_ID
    assert (query["response_type"], query["access_type"], query["prompt"]) == ("code", "offline", "consent")
    assert query["redirect_uri"] == settings.CALENDAR_OAUTH_REDIRECT_URI
    assert "https://www.googleapis.com/auth/calendar.events" in query["scope"].split()
    assert query["state"] == body["state"]


def test_an_unknown_provider_is_404(api, alice, acme, google):
    assert api(alice, acme).get("/api/calendar/auth-url/yahoo").status_code == 404


def test_an_unconfigured_provider_is_503_saying_so(api, alice, acme, settings):
    settings.GOOGLE_OAUTH_CLIENT_ID = ""
    response = api(alice, acme).get("/api/calendar/auth-url/google")
    assert response.status_code == 503 and response.json()["error_code"] == "calendar_provider_not_configured"


def test_connect_exchanges_the_code_and_stores_the_tokens_encrypted(api, alice, acme, google, settings):
    google.add("POST", GOOGLE_TOKEN_PATH, json=oauth_token(access_token="ya29.first"))
    google.add("GET", f"{GOOGLE_CALENDAR_PATH}/calendars/primary", json=google_calendar("alice@acme.example"))
    client = api(alice, acme)
    state = authorize(client)["state"]
    response = client.post(
        "/api/calendar/connect", {"provider": "google", "code": "4/0Acode", "state": state}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["account"], response.json()["status"]) == ("alice@acme.example", "active")
    assert "credentials" not in response.json() and "ya29" not in response.content.decode()
    [token_request] = google.requests_to("POST", GOOGLE_TOKEN_PATH)
    form = {key: values[0] for key, values in parse_qs(token_request.body.decode()).items()}
    assert form == {
        "code": "4/0Acode",
        "redirect_uri": settings.CALENDAR_OAUTH_REDIRECT_URI,
        "grant_type": "authorization_code",
        "client_id": settings.GOOGLE_OAUTH_CLIENT_ID,
        "client_secret": settings.GOOGLE_OAUTH_CLIENT_SECRET,
    }
    [account_request] = google.requests_to("GET", f"{GOOGLE_CALENDAR_PATH}/calendars/primary")
    assert account_request.headers["authorization"] == "Bearer ya29.first"
    with tenant_context(acme), connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM scheduling_calendarintegration")
        [(stored,)] = cursor.fetchall()
        assert "ya29.first" not in stored and "1//refresh" not in stored
        assert CalendarIntegration.objects.get().credentials["refresh_token"] == "1//refresh"


def test_a_state_we_did_not_issue_is_400_naming_state(api, alice, acme, google):
    response = api(alice, acme).post(
        "/api/calendar/connect", {"provider": "google", "code": "c", "state": "forged"}, format="json"
    )
    assert response.status_code == 400 and "state" in response.json()["errors"]
    assert google.requests == []


def test_a_state_cannot_be_used_twice(api, alice, acme, google):
    google.add("POST", GOOGLE_TOKEN_PATH, json=oauth_token())
    google.add("GET", f"{GOOGLE_CALENDAR_PATH}/calendars/primary", json=google_calendar())
    client = api(alice, acme)
    state = authorize(client)["state"]
    assert (
        client.post(
            "/api/calendar/connect", {"provider": "google", "code": "c", "state": state}, format="json"
        ).status_code
        == 201
    )
    again = client.post("/api/calendar/connect", {"provider": "google", "code": "c", "state": state}, format="json")
    assert again.status_code == 400 and again.json()["error_code"] == "invalid_oauth_state"


def test_a_state_issued_to_another_user_is_refused(api, alice, amy, acme, google):
    state = authorize(api(amy, acme))["state"]
    response = api(alice, acme).post(
        "/api/calendar/connect", {"provider": "google", "code": "c", "state": state}, format="json"
    )
    assert response.status_code == 400 and "state" in response.json()["errors"]


def test_a_state_issued_in_acme_does_not_connect_a_calendar_in_globex(api, bob, globex, alice, acme, google):
    state = authorize(api(alice, acme))["state"]
    response = api(bob, globex).post(
        "/api/calendar/connect", {"provider": "google", "code": "c", "state": state}, format="json"
    )
    assert response.status_code == 400
    with tenant_context(globex):
        assert not CalendarIntegration.objects.exists()


def test_google_refusing_the_code_is_a_502_and_nothing_is_stored(api, alice, acme, google):
    google.add(
        "POST", GOOGLE_TOKEN_PATH, status=400, json={"error": "invalid_grant", "error_description": "Bad Request"}
    )
    client = api(alice, acme)
    response = client.post(
        "/api/calendar/connect", {"provider": "google", "code": "c", "state": authorize(client)["state"]}, format="json"
    )
    assert response.status_code == 502 and response.json()["error_code"] == "calendar_provider_error"
    with tenant_context(acme):
        assert not CalendarIntegration.objects.exists()


def test_members_list_integrations_and_bob_cannot_see_or_delete_them(api, mike, bob, globex, acme, calendar):
    with tenant_context(acme):
        integration = connect(calendar)
    listed = api(mike, acme).get("/api/calendar/integrations").json()["results"]
    assert [(item["id"], item["provider"]) for item in listed] == [(integration.pk, "google")]
    assert "credentials" not in listed[0]
    assert api(bob, globex).get("/api/calendar/integrations").json()["results"] == []
    assert api(bob, globex).delete(f"/api/calendar/integrations/{integration.pk}").status_code == 404
    with tenant_context(acme):
        assert CalendarIntegration.objects.filter(pk=integration.pk).exists()


def test_deleting_an_integration_forgets_it(api, alice, acme, calendar):
    with tenant_context(acme):
        integration = connect(calendar)
    assert api(alice, acme).delete(f"/api/calendar/integrations/{integration.pk}").status_code == 204
    with tenant_context(acme):
        assert not CalendarIntegration.objects.exists()


def test_busy_times_in_google_are_not_offered(acme, calendar, monday, google):
    google.add(
        "POST",
        f"{GOOGLE_CALENDAR_PATH}/freeBusy",
        json=google_freebusy(at(monday, 0), at(monday, 23), busy=[(at(monday, 9, 15), at(monday, 10, 15))]),
    )
    with tenant_context(acme):
        connect(calendar)
        slots = [slot.start.astimezone(NEW_YORK).strftime("%H:%M") for slot in free_slots(calendar, monday, monday)]
    assert slots == ["10:30", "11:00", "11:30"]
    [request] = google.requests_to("POST", f"{GOOGLE_CALENDAR_PATH}/freeBusy")
    assert request.json["items"] == [{"id": "primary"}]
    assert request.headers["authorization"] == "Bearer ya29.current"


def test_an_unreadable_google_calendar_means_no_slots_are_offered_502(api, alice, acme, calendar, monday, google):
    google.add(
        "POST", f"{GOOGLE_CALENDAR_PATH}/freeBusy", status=503, json=google_error(503, "Backend Error", "UNAVAILABLE")
    )
    with tenant_context(acme):
        integration = connect(calendar)
    response = api(alice, acme).post(
        "/api/calendar/availability", {"date_from": monday.isoformat(), "calendar": calendar.pk}, format="json"
    )
    assert response.status_code == 502 and "Backend Error" in response.json()["detail"]
    with tenant_context(acme):
        integration.refresh_from_db()
        assert integration.status == "error" and "Backend Error" in integration.last_error


def test_an_expired_token_is_refreshed_before_the_request(acme, calendar, monday, google, settings):
    google.add("POST", GOOGLE_TOKEN_PATH, json=oauth_token(access_token="ya29.fresh", refresh_token=None))
    google.add("POST", f"{GOOGLE_CALENDAR_PATH}/freeBusy", json=google_freebusy(at(monday, 0), at(monday, 23)))
    with tenant_context(acme):
        integration = connect(calendar, expires_in=-timedelta(minutes=5))
        free_slots(calendar, monday, monday)
        integration.refresh_from_db()
        # Google sends no new refresh token on refresh: the old one is kept.
        assert integration.credentials == {
            "access_token": "ya29.fresh",
            "refresh_token": "1//refresh",
            "expires_in": 3599,
            "scope": "",
        }
        assert integration.token_expires_at > timezone.now() + timedelta(minutes=50)
    [refresh] = google.requests_to("POST", GOOGLE_TOKEN_PATH)
    assert parse_qs(refresh.body.decode())["grant_type"] == ["refresh_token"]
    assert parse_qs(refresh.body.decode())["refresh_token"] == ["1//refresh"]
    assert (
        google.requests_to("POST", f"{GOOGLE_CALENDAR_PATH}/freeBusy")[0].headers["authorization"]
        == "Bearer ya29.fresh"
    )


def test_a_refused_token_is_refreshed_once_and_the_request_retried(acme, calendar, monday, google):
    google.add("POST", f"{GOOGLE_CALENDAR_PATH}/freeBusy", status=401, json=google_error())
    google.add("POST", f"{GOOGLE_CALENDAR_PATH}/freeBusy", json=google_freebusy(at(monday, 0), at(monday, 23)))
    google.add("POST", GOOGLE_TOKEN_PATH, json=oauth_token(access_token="ya29.fresh"))
    with tenant_context(acme):
        connect(calendar)
        assert len(free_slots(calendar, monday, monday)) == 6
    calls = google.requests_to("POST", f"{GOOGLE_CALENDAR_PATH}/freeBusy")
    assert [c.headers["authorization"] for c in calls] == ["Bearer ya29.current", "Bearer ya29.fresh"]


def test_a_booking_becomes_a_google_event_with_the_appointments_details(acme, calendar, monday, google):
    events = f"{GOOGLE_CALENDAR_PATH}/calendars/primary/events"
    google.add("POST", events, json=google_event())
    with tenant_context(acme):
        connect(calendar)
        appointment = appointments.book(
            calendar,
            start=at(monday, 10),
            title="Cleaning – Ann Lee",
            contact_name="Ann Lee",
            contact_email="ann@example.com",
            location="Room 2",
        )
        sync.push(appointment)
        event = ExternalEvent.objects.get(appointment=appointment)
        uid = sync.uid_of(appointment)
    [request] = google.requests_to("POST", events)
    assert request.json == {
        "id": event.external_id,
        "summary": "Cleaning – Ann Lee",
        "description": "Contact: Ann Lee",
        "location": "Room 2",
        "start": {"dateTime": at(monday, 10).isoformat(), "timeZone": "America/New_York"},
        "end": {"dateTime": at(monday, 10, 30).isoformat(), "timeZone": "America/New_York"},
        "attendees": [{"email": "ann@example.com", "displayName": "Ann Lee"}],
        "extendedProperties": {"private": {"voiceagents_uid": uid}},
    }


def test_a_retried_create_updates_the_event_instead_of_duplicating_it(acme, calendar, monday, google):
    events = f"{GOOGLE_CALENDAR_PATH}/calendars/primary/events"
    google.add(
        "POST", events, status=409, json=google_error(409, "The requested identifier already exists.", "duplicate")
    )
    with tenant_context(acme):
        connect(calendar)
        appointment = appointments.book(calendar, start=at(monday, 10), title="Cleaning")
        event_id = hashlib.sha1(sync.uid_of(appointment).encode()).hexdigest()
        google.add("PUT", f"{events}/{event_id}", json=google_event(event_id))
        sync.push(appointment)
        assert ExternalEvent.objects.get(appointment=appointment).external_id == event_id
    assert len(google.requests_to("PUT", f"{events}/{event_id}")) == 1


def test_rescheduling_updates_and_cancelling_deletes_the_same_google_event(acme, calendar, monday, google):
    events = f"{GOOGLE_CALENDAR_PATH}/calendars/primary/events"
    google.add("POST", events, json=google_event())
    with tenant_context(acme):
        connect(calendar)
        appointment = appointments.book(calendar, start=at(monday, 10), title="Cleaning")
        sync.push(appointment)
        event_id = ExternalEvent.objects.get().external_id
        google.add("PUT", f"{events}/{event_id}", json=google_event(event_id))
        google.add("DELETE", f"{events}/{event_id}", status=204)
        sync.push(appointments.reschedule(appointment, start=at(monday, 11)))
        sync.push(appointments.cancel(appointment))
        assert not ExternalEvent.objects.exists()
    [update] = google.requests_to("PUT", f"{events}/{event_id}")
    assert update.json["start"]["dateTime"] == at(monday, 11).isoformat()
    assert len(google.requests_to("DELETE", f"{events}/{event_id}")) == 1
    assert len(google.requests_to("POST", events)) == 1


def test_a_failed_push_raises_for_a_retry_and_records_the_error(acme, calendar, monday, google):
    with tenant_context(acme):
        integration = connect(calendar)
        appointment = appointments.book(calendar, start=at(monday, 10), title="Cleaning")
        with pytest.raises(CalendarAPIError):
            sync.push(appointment)
        integration.refresh_from_db()
        assert integration.status == "error" and not ExternalEvent.objects.exists()
