"""Calendly with a personal access token, faked at the HTTP boundary: connect (token check and signed webhook
subscription), event types, single-use scheduling links, and invitee webhooks that book and cancel appointments."""

import json
import time

import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import tenant_context

from scheduling.models import Appointment, CalendarIntegration

from .conftest import at
from .fakes import (
    CALENDLY_ORGANIZATION,
    CALENDLY_USER,
    calendly_event_type,
    calendly_invitee_delivery,
    calendly_page,
    calendly_scheduling_link,
    calendly_signature,
    calendly_user,
    calendly_webhook_subscription,
)

pytestmark = pytest.mark.django_db
TOKEN = "eyJraWQiOiIxY2UxZTEzNjE3ZGNmNzY2YjNjZWJjY2Y4ZGM1YmFmYThhNjVlNjg0MDIzZjdjMzJiZTgzNDliMjM4MDEzNWI0"
SIGNING_KEY = "k" * 43
EVENT_TYPE = "https://api.calendly.com/event_types/GBGBDCAADAEDCRZ2"
INVITEE = "https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/invitees/AAAAAAAAAAAAAAAA"
WEBHOOK_URL = "https://api.localhost/api/webhooks/calendly/acme"


@pytest.fixture
def calendly(settings, fake_http):
    settings.CALENDLY_API_BASE_URL = fake_http.url
    return fake_http


def subscription_uri(fake):
    return fake.url + "/webhook_subscriptions/WWWWWWWWWWWWWWWW"


def connect(api, user, tenant, **fields):
    return api(user, tenant).post(
        "/api/calendar/connect", {"provider": "calendly", "token": TOKEN, **fields}, format="json"
    )


def script_connect(fake, scope="user"):
    fake.add("GET", "/users/me", json=calendly_user())
    fake.add(
        "POST",
        "/webhook_subscriptions",
        status=201,
        json=calendly_webhook_subscription(subscription_uri(fake), WEBHOOK_URL, scope=scope),
    )


def test_connect_checks_the_token_and_subscribes_a_signed_invitee_webhook(api, alice, acme, calendly):
    script_connect(calendly)
    response = connect(api, alice, acme)
    assert response.status_code == 201, response.json()
    assert response.json()["provider"] == "calendly" and response.json()["account"] == CALENDLY_USER
    assert TOKEN not in response.content.decode()
    [me] = calendly.requests_to("GET", "/users/me")
    assert me.headers["authorization"] == f"Bearer {TOKEN}"
    [subscribe] = calendly.requests_to("POST", "/webhook_subscriptions")
    body = subscribe.json
    assert body["url"] == WEBHOOK_URL and body["events"] == ["invitee.created", "invitee.canceled"]
    assert (body["scope"], body["user"], body["organization"]) == ("user", CALENDLY_USER, CALENDLY_ORGANIZATION)
    assert len(body["signing_key"]) >= 32
    with tenant_context(acme):
        credentials = CalendarIntegration.objects.get().credentials
    assert credentials["signing_key"] == body["signing_key"] and credentials["token"] == TOKEN


def test_the_token_is_stored_encrypted(acme, alice, api, calendly):
    from django.db import connection

    script_connect(calendly)
    connect(api, alice, acme)
    with tenant_context(acme), connection.cursor() as cursor:
        cursor.execute("SELECT credentials::text FROM scheduling_calendarintegration")
        assert TOKEN not in cursor.fetchone()[0]


def test_organization_scope_subscribes_without_a_user(api, alice, acme, calendly):
    script_connect(calendly, scope="organization")
    assert connect(api, alice, acme, webhook_scope="organization").status_code == 201
    body = calendly.requests_to("POST", "/webhook_subscriptions")[0].json
    assert body["scope"] == "organization" and "user" not in body


def test_reconnecting_replaces_the_previous_subscription(api, alice, acme, calendly):
    script_connect(calendly)
    calendly.add("DELETE", "/webhook_subscriptions/WWWWWWWWWWWWWWWW", status=204)
    connect(api, alice, acme)
    assert connect(api, alice, acme).status_code == 201
    assert len(calendly.requests_to("DELETE", "/webhook_subscriptions/WWWWWWWWWWWWWWWW")) == 1
    with tenant_context(acme):
        assert CalendarIntegration.objects.count() == 1


def test_a_refused_token_is_400_naming_the_token_and_stores_nothing(api, alice, acme, calendly):
    calendly.add(
        "GET", "/users/me", status=401, json={"title": "Unauthenticated", "message": "The access token is invalid"}
    )
    response = connect(api, alice, acme)
    assert response.status_code == 400 and "token" in response.json()["errors"]
    assert not calendly.requests_to("POST", "/webhook_subscriptions")
    with tenant_context(acme):
        assert not CalendarIntegration.objects.exists()


def test_the_token_is_required(api, alice, acme):
    response = api(alice, acme).post("/api/calendar/connect", {"provider": "calendly"}, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"token"}


def test_a_token_that_cannot_be_a_header_is_a_400_naming_it(api, alice, acme):
    response = connect(api, alice, acme, token="tok\u00deen with spaces")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"token"}


def test_a_webhook_scope_must_be_user_or_organization(api, alice, acme):
    response = connect(api, alice, acme, webhook_scope="group")
    assert response.status_code == 400 and "webhook_scope" in response.json()["errors"]


# Event types and scheduling links ---------------------------------------------------------------


@pytest.fixture
def integration(acme, calendar, calendly):
    with tenant_context(acme):
        return CalendarIntegration.objects.create(
            calendar=calendar,
            provider="calendly",
            account=CALENDLY_USER,
            credentials={
                "token": TOKEN,
                "signing_key": SIGNING_KEY,
                "webhook": subscription_uri(calendly),
                "organization": CALENDLY_ORGANIZATION,
            },
        )


def test_event_types_of_the_user_are_listed_across_pages(api, mike, acme, integration, calendly):
    second = calendly.url + "/event_types?page_token=sNjq4TvMDfUHEl7zHRR0k0E1PCEJWvdi"
    calendly.add("GET", "/event_types", json=calendly_page([calendly_event_type(EVENT_TYPE)], next_page=second))
    calendly.add("GET", "/event_types", json=calendly_page([calendly_event_type(EVENT_TYPE + "2", "Consultation", 60)]))
    response = api(mike, acme).get("/api/calendar/calendly/event-types")
    assert response.status_code == 200
    assert [(t["uri"], t["name"], t["duration"]) for t in response.json()] == [
        (EVENT_TYPE, "30 Minute Meeting", 30),
        (EVENT_TYPE + "2", "Consultation", 60),
    ]
    first, then = calendly.requests_to("GET", "/event_types")
    assert first.query["user"] == [CALENDLY_USER] and then.query["page_token"] == ["sNjq4TvMDfUHEl7zHRR0k0E1PCEJWvdi"]


def test_a_single_use_scheduling_link_is_created_for_an_event_type(api, alice, acme, integration, calendly):
    calendly.add("POST", "/scheduling_links", status=201, json=calendly_scheduling_link(EVENT_TYPE))
    response = api(alice, acme).post(
        "/api/calendar/calendly/scheduling-links", {"event_type": EVENT_TYPE}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["booking_url"] == "https://calendly.com/d/abcd-brv8/30-minute-meeting"
    [request] = calendly.requests_to("POST", "/scheduling_links")
    assert request.json == {"max_event_count": 1, "owner": EVENT_TYPE, "owner_type": "EventType"}
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


def test_an_event_type_calendly_does_not_know_is_400_naming_it(api, alice, acme, integration, calendly):
    calendly.add(
        "POST",
        "/scheduling_links",
        status=404,
        json={"title": "Resource Not Found", "message": "The server could not find the requested resource."},
    )
    response = api(alice, acme).post(
        "/api/calendar/calendly/scheduling-links", {"event_type": EVENT_TYPE + "X"}, format="json"
    )
    assert response.status_code == 400 and "event_type" in response.json()["errors"]


def test_a_scheduling_link_needs_an_event_type(api, alice, acme, integration):
    response = api(alice, acme).post("/api/calendar/calendly/scheduling-links", {}, format="json")
    assert response.status_code == 400 and "event_type" in response.json()["errors"]


def test_without_calendly_connected_event_types_are_404(api, bob, globex, integration):
    assert api(bob, globex).get("/api/calendar/calendly/event-types").status_code == 404


def test_another_tenants_integration_id_is_404(api, bob, globex, integration):
    response = api(bob, globex).post(
        "/api/calendar/calendly/scheduling-links",
        {"event_type": EVENT_TYPE, "integration": integration.pk},
        format="json",
    )
    assert response.status_code == 404


def test_calendly_endpoints_need_a_tenant_member(api, charlie, acme, integration):
    assert api(charlie, acme).get("/api/calendar/calendly/event-types").status_code == 403
    assert api(None, acme).get("/api/calendar/calendly/event-types").status_code == 401


def test_disconnecting_removes_the_webhook_subscription(api, alice, acme, integration, calendly):
    calendly.add("DELETE", "/webhook_subscriptions/WWWWWWWWWWWWWWWW", status=204)
    assert api(alice, acme).delete(f"/api/calendar/integrations/{integration.pk}").status_code == 204
    assert len(calendly.requests_to("DELETE", "/webhook_subscriptions/WWWWWWWWWWWWWWWW")) == 1
    with tenant_context(acme):
        assert not CalendarIntegration.objects.exists()


# Webhooks -----------------------------------------------------------------------------------------


def deliver(event, monday, *, key=SIGNING_KEY, timestamp=None, tenant="acme", reason=""):
    body = json.dumps(
        calendly_invitee_delivery(
            event, invitee_uri=INVITEE, start=at(monday, 10), end=at(monday, 10, 30), reason=reason
        )
    ).encode()
    signature = calendly_signature(body, key, int(time.time()) if timestamp is None else timestamp)
    return Client(HTTP_HOST=settings.API_HOST).post(
        f"/api/webhooks/calendly/{tenant}",
        body,
        content_type="application/json",
        HTTP_CALENDLY_WEBHOOK_SIGNATURE=signature,
    )


def test_invitee_created_books_the_appointment(acme, integration, monday):
    assert deliver("invitee.created", monday).status_code == 200
    with tenant_context(acme):
        appointment = Appointment.objects.get()
    assert (appointment.start, appointment.end) == (at(monday, 10), at(monday, 10, 30))
    assert (appointment.source, appointment.status, appointment.external_uri) == ("calendly", "scheduled", INVITEE)
    assert (appointment.title, appointment.contact_name, appointment.contact_email, appointment.contact_phone) == (
        "30 Minute Meeting",
        "Ann Lee",
        "ann@example.com",
        "+15550123",
    )
    assert appointment.location == "Main Street 1" and "What is the visit for?: Check-up" in appointment.description
    assert appointment.calendar_id == integration.calendar_id


def test_a_delivery_seen_twice_books_once(acme, integration, monday):
    assert deliver("invitee.created", monday).status_code == 200
    assert deliver("invitee.created", monday).status_code == 200
    with tenant_context(acme):
        assert Appointment.objects.count() == 1


def test_invitee_canceled_cancels_the_appointment(acme, integration, monday):
    deliver("invitee.created", monday)
    assert deliver("invitee.canceled", monday, reason="Feeling better").status_code == 200
    with tenant_context(acme):
        appointment = Appointment.objects.get()
    assert (appointment.status, appointment.cancel_reason) == ("cancelled", "Feeling better")


def test_a_cancellation_of_an_unknown_invitee_changes_nothing(acme, integration, monday):
    assert deliver("invitee.canceled", monday).status_code == 200
    with tenant_context(acme):
        assert not Appointment.objects.exists()


def test_a_forged_signature_is_403_and_writes_nothing(acme, integration, monday):
    response = deliver("invitee.created", monday, key="not-the-key")
    assert response.status_code == 403 and response.json()["error_code"] == "invalid_signature"
    with tenant_context(acme):
        assert not Appointment.objects.exists()


def test_a_stale_signature_is_403_and_writes_nothing(acme, integration, monday):
    response = deliver("invitee.created", monday, timestamp=int(time.time()) - 181)
    assert response.status_code == 403
    with tenant_context(acme):
        assert not Appointment.objects.exists()


def test_a_missing_signature_is_403(acme, integration):
    response = Client(HTTP_HOST=settings.API_HOST).post(
        "/api/webhooks/calendly/acme", b"{}", content_type="application/json"
    )
    assert response.status_code == 403


def test_another_tenants_key_does_not_open_this_tenant(acme, globex, integration, monday):
    """A delivery signed for acme, posted to globex's URL, is refused: globex has no integration with that key."""
    assert deliver("invitee.created", monday, tenant="globex").status_code == 403
    with tenant_context(globex):
        assert not Appointment.objects.exists()


def test_an_unknown_tenant_is_403(integration, monday):
    assert deliver("invitee.created", monday, tenant="nowhere").status_code == 403


def test_a_booking_overlapping_an_appointment_here_is_409_and_flags_the_integration(acme, integration, monday):
    with tenant_context(acme):
        Appointment.objects.create(
            calendar=integration.calendar,
            title="Staff",
            start=at(monday, 10),
            end=at(monday, 11),
            blocked=(at(monday, 10), at(monday, 11)),
        )
    response = deliver("invitee.created", monday)
    assert response.status_code == 409 and response.json()["error_code"] == "slot_taken"
    with tenant_context(acme):
        integration.refresh_from_db()
        assert integration.status == "error" and "overlaps" in integration.last_error
        assert Appointment.objects.count() == 1
