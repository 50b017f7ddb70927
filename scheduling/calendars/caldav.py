"""CalDAV calendars (RFC 4791): Apple iCloud, Nextcloud, Fastmail, Radicale… with the account's user name and an
app-specific password, on a calendar collection URL.

The collection is found from whatever URL the user knows (RFC 6764 §6, RFC 4791 §6.2.1, RFC 5397): the calendar
itself, or the server (`https://caldav.icloud.com`) → its `current-user-principal` (asked at the URL, else at
`/.well-known/caldav`, following redirects) → the principal's `calendar-home-set` → the calendars in it (collections
of resource type calendar that hold events).

Busy times come from a `free-busy-query` REPORT (§7.10); events are iCalendar objects PUT at
`<collection>/<id>.ics` (§5.3.2), updated by PUT and removed by DELETE.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from config.errors import DomainError
from scheduling.ics import document, escape, utc

from .base import HTTP, CalendarAPIError, EventData

NAME = "CalDAV"
CALDAV_NS = "urn:ietf:params:xml:ns:caldav"
DAV_NS = "DAV:"
PROPFIND = """<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop>{props}</d:prop></d:propfind>"""
DISCOVERY_PROPS = "<d:resourcetype/><d:displayname/><d:current-user-principal/><c:calendar-home-set/>"
CALENDAR_PROPS = "<d:resourcetype/><d:displayname/><c:supported-calendar-component-set/>"
FREE_BUSY = """<?xml version="1.0" encoding="utf-8"?>
<c:free-busy-query xmlns:c="urn:ietf:params:xml:ns:caldav"><c:time-range start="{start}" end="{end}"/></c:free-busy-query>"""
_PERIOD = re.compile(r"^FREEBUSY(;[^:]*)?:(.+)$", re.MULTILINE)
_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def _parseutc(value: str) -> datetime:
    return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _duration(value: str) -> timedelta:
    match = _DURATION.match(value)
    if not match:
        raise CalendarAPIError(f"{NAME}: cannot read the duration {value!r}.")
    weeks, days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


def _ics(event: EventData) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Voice Agents//Scheduling//EN",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{utc(datetime.now(UTC))}",
        f"DTSTART:{utc(event.start)}",
        f"DTEND:{utc(event.end)}",
        f"SUMMARY:{escape(event.title)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{escape(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape(event.description)}")
    lines += [f"ATTENDEE;CN={escape(a.get('name') or a['email'])}:mailto:{a['email']}" for a in event.attendees]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return document(lines)


@dataclass(frozen=True)
class FoundCalendar:
    url: str
    name: str


@dataclass(frozen=True)
class _Resource:
    url: str
    props: ElementTree.Element

    def href(self, prop: str, namespace: str = DAV_NS) -> str | None:
        """The URL in a property such as current-user-principal (an <href> inside it), made absolute."""
        found = self.props.find(f"{{{namespace}}}{prop}/{{{DAV_NS}}}href")
        return urljoin(self.url, found.text.strip()) if found is not None and found.text else None

    @property
    def is_event_calendar(self) -> bool:
        if self.props.find(f"{{{DAV_NS}}}resourcetype/{{{CALDAV_NS}}}calendar") is None:
            return False
        components = self.props.find(f"{{{CALDAV_NS}}}supported-calendar-component-set")
        # Without the property a calendar takes every component (RFC 4791 §5.2.3); iCloud's reminders lists don't.
        return components is None or any(comp.get("name", "").upper() == "VEVENT" for comp in components)

    @property
    def name(self) -> str:
        return (self.props.findtext(f"{{{DAV_NS}}}displayname") or "").strip()


class NoCalendar(DomainError):
    error_code = "caldav_no_calendar"

    def __init__(self, message: str, field: str = "url"):
        super().__init__(message, errors={field: [message]})


def _propfind(http: HTTP, url: str, props: str, depth: str) -> list[_Resource]:
    """The resources a PROPFIND answered for, each with the properties it found (propstat 200); [] if the URL
    is no WebDAV resource."""
    response = http.request(
        "PROPFIND",
        url,
        content=PROPFIND.format(props=props),
        expect=(207, 404, 405),
        follow_redirects=True,
        headers={"Depth": depth, "Content-Type": "application/xml; charset=utf-8"},
    )
    if response.status_code != 207:
        return []
    try:
        # The server is the tenant's choice: no DTD, so no entity expansion (billion laughs) and no external
        # entities (local files, internal URLs) — CalDAV answers never need one.
        root = fromstring(response.content, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise CalendarAPIError(f"{NAME}: the server's answer to PROPFIND declares a DTD or entities; refused.") from exc
    except ElementTree.ParseError as exc:
        raise CalendarAPIError(f"{NAME}: the server's answer to PROPFIND is not XML.") from exc
    resources = []
    for item in root.findall(f"{{{DAV_NS}}}response"):
        href = (item.findtext(f"{{{DAV_NS}}}href") or "").strip()
        props = ElementTree.Element("prop")
        for propstat in item.findall(f"{{{DAV_NS}}}propstat"):
            found = propstat.find(f"{{{DAV_NS}}}prop")
            # "HTTP/1.1 200 OK": properties the resource has (others come back in a 404 propstat).
            if found is not None and (propstat.findtext(f"{{{DAV_NS}}}status") or "").split()[1:2] == ["200"]:
                props.extend(list(found))
        resources.append(_Resource(urljoin(str(response.url), href), props))
    return resources


def discover(url: str, username: str, password: str) -> list[FoundCalendar]:
    """The event calendars of the account, from the calendar's own URL or the server's."""
    http = HTTP(NAME, auth=(username, password))
    found = _propfind(http, url, DISCOVERY_PROPS, "0")
    if found and found[0].is_event_calendar:
        return [FoundCalendar(found[0].url.rstrip("/") + "/", found[0].name)]
    principal = found[0].href("current-user-principal") if found else None
    home = found[0].href("calendar-home-set", CALDAV_NS) if found else None
    if not principal and not home:
        well_known = _propfind(http, urljoin(url, "/.well-known/caldav"), DISCOVERY_PROPS, "0")
        principal = well_known[0].href("current-user-principal") if well_known else None
    if principal and not home:
        of_principal = _propfind(http, principal, DISCOVERY_PROPS, "0")
        home = of_principal[0].href("calendar-home-set", CALDAV_NS) if of_principal else None
    if not home:
        raise NoCalendar(f"{NAME}: {url} is not a calendar, and no CalDAV account was found there.")
    calendars = [
        FoundCalendar(item.url.rstrip("/") + "/", item.name)
        for item in _propfind(http, home, CALENDAR_PROPS, "1")
        if item.is_event_calendar
    ]
    if not calendars:
        raise NoCalendar(f"{NAME}: the account at {url} has no calendar for events.")
    return calendars


def choose(calendars: list[FoundCalendar], name: str = "") -> FoundCalendar:
    """The calendar named (by display name or URL), else the first."""
    if not name:
        return calendars[0]
    wanted = name.strip().casefold()
    for calendar in calendars:
        if wanted in (calendar.name.casefold(), calendar.url.casefold(), calendar.url.rstrip("/").casefold()):
            return calendar
    names = ", ".join(calendar.name or calendar.url for calendar in calendars)
    raise NoCalendar(f"No calendar named {name!r} in this account (it has: {names}).", field="calendar_name")


class Client:
    def __init__(self, url: str, username: str, password: str):
        self.url = url.rstrip("/") + "/"
        self.http = HTTP(NAME, auth=(username, password))

    def busy(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        response = self.http.request(
            "REPORT",
            self.url,
            content=FREE_BUSY.format(start=utc(start), end=utc(end)),
            headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
            expect=(200,),
        )
        text = response.text.replace("\r\n ", "").replace("\n ", "")
        busy = []
        for parameters, periods in _PERIOD.findall(text):
            if "FBTYPE=FREE" in (parameters or "").upper():
                continue
            for period in periods.strip().split(","):
                begin, _, finish = period.partition("/")
                begin_at = _parseutc(begin)
                busy.append((begin_at, begin_at + _duration(finish) if finish.startswith("P") else _parseutc(finish)))
        return busy

    def _href(self, event: EventData) -> str:
        return f"{self.url}{hashlib.sha1(event.uid.encode()).hexdigest()}.ics"

    def create_event(self, event: EventData) -> str:
        """Creates the event at a name derived from our uid; one already there (an earlier try) is overwritten."""
        href = self._href(event)
        self.http.request(
            "PUT",
            href,
            content=_ics(event),
            expect=(200, 201, 204),
            headers={"Content-Type": "text/calendar; charset=utf-8"},
        )
        return href

    def update_event(self, external_id: str, event: EventData) -> None:
        self.http.request(
            "PUT",
            external_id,
            content=_ics(event),
            expect=(200, 201, 204),
            headers={"Content-Type": "text/calendar; charset=utf-8"},
        )

    def delete_event(self, external_id: str) -> None:
        self.http.request("DELETE", external_id, expect=(200, 204, 404))
