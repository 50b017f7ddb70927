"""Outlook calendars through Microsoft Graph v1.0 and the Microsoft identity platform, faked at the HTTP boundary."""

from datetime import UTC, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from scheduling.models import CalendarIntegration, ExternalEvent
from scheduling.services import appointments, sync
from scheduling.services.availability import free_slots

from .conftest import NEW_YORK, at
from .fakes import GRAPH_PATH, MS_AUTHORITY_PATH, graph_event, graph_me, graph_schedule, oauth_token, use_fake_providers

pytestmark = pytest.mark.django_db
TOKEN = f"{MS_AUTHORITY_PATH}/oauth2/v2.0/token"
MAILBOX = "alice@acme.onmicrosoft.com"


@pytest.fixture
def graph(settings, fake_http):
    use_fake_providers(settings, fake_http)
    return fake_http


def connect(calendar):
    return CalendarIntegration.objects.create(
        calendar=calendar,
        provider="microsoft",
        account=MAILBOX,
        credentials={"access_token": "eyJ0eXAi.current", "refresh_token": "M.R3_BAY", "expires_in": 3600},
        token_expires_at=timezone.now() + timedelta(hours=1),
    )


def test_the_auth_url_asks_for_offline_calendar_access(api, alice, acme, graph, settings):
    body = api(alice, acme).get("/api/calendar/auth-url/microsoft").json()
    url = urlsplit(body["url"])
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert url.path == f"{MS_AUTHORITY_PATH}/oauth2/v2.0/authorize"
    assert (query["client_id"], query["response_type"], query["state"]) == (
        settings.MICROSOFT_OAUTH_CLIENT_ID,
        "code",
        body["state"],
    )
    assert {"offline_access", "Calendars.ReadWrite"} <= set(query["scope"].split())


def test_connect_exchanges_the_code_and_names_the_mailbox(api, alice, acme, graph, settings):
    graph.add("POST", TOKEN, json=oauth_token(access_token="eyJ0eXAi.first", refresh_token="M.R3_BAY"))
    graph.add("GET", f"{GRAPH_PATH}/me", json=graph_me(MAILBOX))
    client = api(alice, acme)
    state = client.get("/api/calendar/auth-url/microsoft").json()["state"]
    response = client.post(
        "/api/calendar/connect", {"provider": "microsoft", "code": "OAQABAAIA", "state": state}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["provider"], response.json()["account"]) == ("microsoft", MAILBOX)
    form = {key: values[0] for key, values in parse_qs(graph.requests_to("POST", TOKEN)[0].body.decode()).items()}
    assert (form["grant_type"], form["code"], form["client_secret"]) == ("authorization_code", "OAQABAAIA", "ms-secret")
    assert graph.requests_to("GET", f"{GRAPH_PATH}/me")[0].headers["authorization"] == "Bearer eyJ0eXAi.first"


def test_a_google_state_does_not_connect_microsoft(api, alice, acme, graph):
    client = api(alice, acme)
    state = client.get("/api/calendar/auth-url/google").json()["state"]
    response = client.post(
        "/api/calendar/connect", {"provider": "microsoft", "code": "c", "state": state}, format="json"
    )
    assert response.status_code == 400 and "state" in response.json()["errors"]


def test_busy_schedule_items_in_outlook_are_not_offered(acme, calendar, monday, graph):
    graph.add(
        "POST",
        f"{GRAPH_PATH}/me/calendar/getSchedule",
        json=graph_schedule(MAILBOX, busy=[(at(monday, 11), at(monday, 12))]),
    )
    with tenant_context(acme):
        connect(calendar)
        slots = [slot.start.astimezone(NEW_YORK).strftime("%H:%M") for slot in free_slots(calendar, monday, monday)]
    assert slots == ["09:00", "09:30", "10:00", "10:30"]
    [request] = graph.requests_to("POST", f"{GRAPH_PATH}/me/calendar/getSchedule")
    assert request.json["schedules"] == [MAILBOX] and request.json["startTime"]["timeZone"] == "UTC"


def test_a_booking_becomes_an_outlook_event_and_cancelling_deletes_it(acme, calendar, monday, graph):
    graph.add("POST", f"{GRAPH_PATH}/me/events", status=201, json=graph_event("AAMkAD1="))
    # Graph ids are base64: the id goes into the path percent-encoded.
    graph.add("DELETE", f"{GRAPH_PATH}/me/events/AAMkAD1%3D", status=204)
    with tenant_context(acme):
        connect(calendar)
        appointment = appointments.book(
            calendar, start=at(monday, 10), title="Cleaning", contact_name="Ann Lee", contact_email="ann@example.com"
        )
        sync.push(appointment)
        assert ExternalEvent.objects.get().external_id == "AAMkAD1="
        uid = sync.uid_of(appointment)
        sync.push(appointments.cancel(appointment))
        assert not ExternalEvent.objects.exists()
    [created] = graph.requests_to("POST", f"{GRAPH_PATH}/me/events")
    start_utc = at(monday, 10).astimezone(UTC)
    assert created.json["subject"] == "Cleaning" and created.json["transactionId"] == uid
    assert created.json["start"] == {"dateTime": f"{start_utc:%Y-%m-%dT%H:%M:%S}", "timeZone": "UTC"}
    assert created.json["attendees"] == [
        {"emailAddress": {"address": "ann@example.com", "name": "Ann Lee"}, "type": "required"}
    ]
    assert len(graph.requests_to("DELETE", f"{GRAPH_PATH}/me/events/AAMkAD1%3D")) == 1
