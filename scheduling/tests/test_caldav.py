"""CalDAV calendars (iCloud and other servers), faked at the HTTP boundary: connect, free/busy, events."""

import base64
import gzip
import hashlib
from datetime import UTC, datetime

import pytest
from django_tenants.utils import tenant_context

from agents.tests.fake_http import FakeHTTP
from scheduling.calendars import caldav
from scheduling.calendars.base import CalendarAPIError
from scheduling.models import CalendarIntegration, ExternalEvent
from scheduling.services import appointments, sync
from scheduling.services.availability import free_slots

from .conftest import NEW_YORK, at
from .fakes import caldav_calendars, caldav_freebusy, caldav_home_set, caldav_principal, caldav_propfind

pytestmark = pytest.mark.django_db
COLLECTION = "/123456789/calendars/work/"


class FakeDAV(FakeHTTP):
    """The shared fake HTTP server, also answering WebDAV's PROPFIND and REPORT methods."""

    def _handler_class(self):
        handler = super()._handler_class()
        handler.do_PROPFIND = handler.do_REPORT = handler.do_GET
        return handler


@pytest.fixture
def server(settings):
    settings.CALDAV_ALLOW_HTTP = True
    with FakeDAV() as fake:
        yield fake


def connect_body(server, **fields):
    return {
        "provider": "caldav",
        "url": server.url + COLLECTION,
        "username": "alice@icloud.com",
        "password": "abcd-efgh-ijkl-mnop",
        **fields,
    }


def test_connect_checks_the_collection_with_basic_auth_and_keeps_the_password_secret(api, alice, acme, server):
    server.add(
        "PROPFIND",
        COLLECTION,
        status=207,
        body=caldav_propfind(COLLECTION).encode(),
        headers={"Content-Type": "application/xml; charset=utf-8"},
    )
    response = api(alice, acme).post("/api/calendar/connect", connect_body(server), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["provider"] == "caldav" and "abcd-efgh" not in response.content.decode()
    [propfind] = server.requests_to("PROPFIND", COLLECTION)
    assert propfind.headers["depth"] == "0"
    assert (
        propfind.headers["authorization"]
        == "Basic " + base64.b64encode(b"alice@icloud.com:abcd-efgh-ijkl-mnop").decode()
    )


def test_refused_credentials_are_400_naming_the_password(api, alice, acme, server):
    server.add("PROPFIND", COLLECTION, status=401, body=b"Unauthorized")
    response = api(alice, acme).post("/api/calendar/connect", connect_body(server), format="json")
    assert response.status_code == 400 and "password" in response.json()["errors"]
    with tenant_context(acme):
        assert not CalendarIntegration.objects.exists()


def test_a_url_that_is_neither_a_calendar_nor_an_account_is_400_naming_the_url(api, alice, acme, server):
    server.add("PROPFIND", COLLECTION, status=207, body=caldav_propfind(COLLECTION, calendar=False).encode())
    response = api(alice, acme).post("/api/calendar/connect", connect_body(server), format="json")
    assert response.status_code == 400 and "not a calendar" in response.json()["errors"]["url"][0]
    assert len(server.requests_to("PROPFIND", "/.well-known/caldav")) == 1
    with tenant_context(acme):
        assert not CalendarIntegration.objects.exists()


# Discovery from the server's URL (RFC 6764, RFC 4791 §6.2.1) ------------------------------------------

PRINCIPAL = "/123456789/principal/"
HOME = "/123456789/calendars/"
ACCOUNT_CALENDARS = [
    (HOME + "home/", "Home", ("VEVENT",)),
    (COLLECTION, "Work", ("VEVENT", "VTODO")),
    (HOME + "tasks/", "Reminders", ("VTODO",)),
]


def script_account(server, *, root="/", calendars=ACCOUNT_CALENDARS):
    """An iCloud-like server: the root names the principal, whose home set is an absolute URL."""
    server.add("PROPFIND", root, status=207, body=caldav_principal(root, PRINCIPAL))
    server.add("PROPFIND", PRINCIPAL, status=207, body=caldav_home_set(PRINCIPAL, server.url + HOME))
    server.add("PROPFIND", HOME, status=207, body=caldav_calendars(HOME, calendars))


def test_from_the_server_url_the_first_event_calendar_of_the_account_is_connected(api, alice, acme, server):
    script_account(server)
    response = api(alice, acme).post("/api/calendar/connect", connect_body(server, url=server.url), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["external_calendar_id"] == server.url + HOME + "home/"
    (root,) = server.requests_to("PROPFIND", "/")
    assert b"current-user-principal" in root.body and root.headers["depth"] == "0"
    (listing,) = server.requests_to("PROPFIND", HOME)
    assert listing.headers["depth"] == "1" and b"supported-calendar-component-set" in listing.body
    assert all(request.headers["authorization"].startswith("Basic ") for request in server.requests)


def test_the_calendar_is_chosen_by_its_name(api, alice, acme, server):
    script_account(server)
    response = api(alice, acme).post(
        "/api/calendar/connect", connect_body(server, url=server.url, calendar_name="work"), format="json"
    )
    assert response.status_code == 201 and response.json()["external_calendar_id"] == server.url + COLLECTION


def test_an_unknown_calendar_name_is_400_listing_the_calendars(api, alice, acme, server):
    script_account(server)
    response = api(alice, acme).post(
        "/api/calendar/connect", connect_body(server, url=server.url, calendar_name="Holidays"), format="json"
    )
    assert response.status_code == 400
    assert "Home, Work" in response.json()["errors"]["calendar_name"][0]


def test_task_lists_are_not_calendars_for_appointments(api, alice, acme, server):
    script_account(server, calendars=[(HOME + "tasks/", "Reminders", ("VTODO",))])
    response = api(alice, acme).post("/api/calendar/connect", connect_body(server, url=server.url), format="json")
    assert response.status_code == 400 and "no calendar for events" in response.json()["errors"]["url"][0]


def test_the_well_known_url_is_followed_when_the_server_root_is_no_dav_resource(api, alice, acme, server):
    server.add("PROPFIND", "/", status=404, body=b"Not Found")
    server.add("PROPFIND", "/.well-known/caldav", status=301, headers={"Location": "/dav/"})
    script_account(server, root="/dav/")
    response = api(alice, acme).post("/api/calendar/connect", connect_body(server, url=server.url), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["external_calendar_id"] == server.url + HOME + "home/"
    assert len(server.requests_to("PROPFIND", "/dav/")) == 1


def test_plain_http_is_refused_unless_allowed(api, alice, acme, fake_http):
    response = api(alice, acme).post("/api/calendar/connect", connect_body(fake_http), format="json")
    assert response.status_code == 400 and "url" in response.json()["errors"]


def test_a_caldav_url_on_the_platforms_own_network_is_refused_naming_it(api, alice, acme, server, settings):
    settings.OUTBOUND_PRIVATE_HOSTS = []
    response = api(alice, acme).post("/api/calendar/connect", connect_body(server), format="json")
    assert (response.status_code, response.json()["error_code"]) == (400, "unsafe_url")
    assert "url" in response.json()["errors"] and server.requests == []


def test_caldav_needs_url_username_and_password(api, alice, acme):
    response = api(alice, acme).post("/api/calendar/connect", {"provider": "caldav"}, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"url", "username", "password"}


def connect(server, calendar):
    return CalendarIntegration.objects.create(
        calendar=calendar,
        provider="caldav",
        account="alice@icloud.com",
        external_calendar_id=server.url + COLLECTION,
        credentials={"username": "alice@icloud.com", "password": "abcd-efgh-ijkl-mnop"},
    )


def test_busy_periods_from_a_free_busy_query_are_not_offered(acme, calendar, monday, server):
    server.add(
        "REPORT",
        COLLECTION,
        body=caldav_freebusy(
            [
                f"{at(monday, 9).astimezone(UTC):%Y%m%dT%H%M%SZ}/PT1H",
                f"{at(monday, 11, 30).astimezone(UTC):%Y%m%dT%H%M%SZ}/{at(monday, 12).astimezone(UTC):%Y%m%dT%H%M%SZ}",
            ]
        ).encode(),
        headers={"Content-Type": "text/calendar"},
    )
    with tenant_context(acme):
        connect(server, calendar)
        slots = [slot.start.astimezone(NEW_YORK).strftime("%H:%M") for slot in free_slots(calendar, monday, monday)]
    assert slots == ["10:00", "10:30", "11:00"]
    [report] = server.requests_to("REPORT", COLLECTION)
    assert b"free-busy-query" in report.body and report.headers["depth"] == "1"


def test_a_booking_is_put_as_an_icalendar_event_and_cancelling_deletes_it(acme, calendar, monday, server):
    with tenant_context(acme):
        connect(server, calendar)
        appointment = appointments.book(calendar, start=at(monday, 10), title="Cleaning, Ann", location="Room 2")
        uid = sync.uid_of(appointment)
        path = f"{COLLECTION}{hashlib.sha1(uid.encode()).hexdigest()}.ics"
        server.add("PUT", path, status=201)
        server.add("DELETE", path, status=204)
        sync.push(appointment)
        assert ExternalEvent.objects.get().external_id == server.url + path
        sync.push(appointments.cancel(appointment))
        assert not ExternalEvent.objects.exists()
    [put] = server.requests_to("PUT", path)
    body = put.body.decode()
    assert put.headers["content-type"].startswith("text/calendar")
    assert f"UID:{uid}\r\n" in body and "SUMMARY:Cleaning\\, Ann\r\n" in body and "LOCATION:Room 2\r\n" in body
    assert f"DTSTART:{at(monday, 10).astimezone(UTC):%Y%m%dT%H%M%SZ}\r\n" in body
    assert len(server.requests_to("DELETE", path)) == 1


# A hostile server (the tenant chooses the URL) ------------------------------------------------------

BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE d:multistatus [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'.encode() for n in range(1, 10)
    )
    + b']><d:multistatus xmlns:d="DAV:"><d:response><d:href>&lol9;</d:href></d:response></d:multistatus>'
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE d:multistatus [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    b'<d:multistatus xmlns:d="DAV:"><d:response><d:href>&secret;</d:href></d:response></d:multistatus>'
)


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_an_answer_with_entities_is_refused_with_a_clear_error(api, alice, acme, server, body):
    server.add("PROPFIND", COLLECTION, status=207, body=body, headers={"Content-Type": "application/xml"})
    response = api(alice, acme).post("/api/calendar/connect", connect_body(server), format="json")
    assert (response.status_code, response.json()["error_code"]) == (502, "calendar_provider_error")
    assert "DTD or entities" in response.json()["detail"]
    with tenant_context(acme):
        assert not CalendarIntegration.objects.exists()


def test_an_oversize_answer_is_refused(api, alice, acme, server, settings):
    settings.CALENDAR_MAX_RESPONSE_BYTES = 64 * 1024
    padding = "<d:displayname>Work</d:displayname>" * 5000
    server.add(
        "PROPFIND",
        COLLECTION,
        status=207,
        body=caldav_propfind(COLLECTION).replace("</d:prop>", padding + "</d:prop>").encode(),
    )
    response = api(alice, acme).post("/api/calendar/connect", connect_body(server), format="json")
    assert (response.status_code, response.json()["error_code"]) == (502, "calendar_provider_error")
    assert "more than 64 KiB" in response.json()["detail"]


def test_a_compressed_answer_is_capped_once_decompressed(server, settings):
    settings.CALENDAR_MAX_RESPONSE_BYTES = 64 * 1024
    bomb = gzip.compress(b"FREEBUSY:" + b"0" * (4 * 1024 * 1024))  # a few KiB on the wire
    server.add("REPORT", COLLECTION, body=bomb, headers={"Content-Type": "text/calendar", "Content-Encoding": "gzip"})
    client = caldav.Client(server.url + COLLECTION, "alice@icloud.com", "abcd-efgh-ijkl-mnop")
    with pytest.raises(CalendarAPIError, match="more than"):
        client.busy(datetime(2026, 12, 7, tzinfo=UTC), datetime(2026, 12, 8, tzinfo=UTC))
