"""CalDAV calendars (RFC 4791): Apple iCloud, Nextcloud, Fastmail, Radicale… with the account's user name and an
app-specific password, on a calendar collection URL.

Busy times come from a `free-busy-query` REPORT (§7.10); events are iCalendar objects PUT at
`<collection>/<id>.ics` (§5.3.2), updated by PUT and removed by DELETE.
"""
import hashlib
import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

from scheduling.ics import document, escape, utc

from .base import HTTP, CalendarAPIError, EventData

NAME = "CalDAV"
CALDAV_NS = "urn:ietf:params:xml:ns:caldav"
PROPFIND = """<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:resourcetype/><d:displayname/></d:prop></d:propfind>"""
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
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Voice Agents//Scheduling//EN", "BEGIN:VEVENT",
             f"UID:{event.uid}", f"DTSTAMP:{utc(datetime.now(UTC))}", f"DTSTART:{utc(event.start)}",
             f"DTEND:{utc(event.end)}", f"SUMMARY:{escape(event.title)}"]
    if event.location:
        lines.append(f"LOCATION:{escape(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape(event.description)}")
    lines += [f"ATTENDEE;CN={escape(a.get('name') or a['email'])}:mailto:{a['email']}" for a in event.attendees]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return document(lines)


class Client:
    def __init__(self, url: str, username: str, password: str):
        self.url = url.rstrip("/") + "/"
        self.http = HTTP(NAME, auth=(username, password))

    def account(self) -> str:
        """Checks that the URL is a calendar collection these credentials can read."""
        response = self.http.request("PROPFIND", self.url, content=PROPFIND, expect=(207,),
                                     headers={"Depth": "0", "Content-Type": "application/xml; charset=utf-8"})
        try:
            is_calendar = ElementTree.fromstring(response.content).find(f".//{{{CALDAV_NS}}}calendar") is not None
        except ElementTree.ParseError:
            is_calendar = False
        if not is_calendar:
            raise CalendarAPIError(f"{NAME}: {self.url} is not a calendar collection.")
        return self.url

    def busy(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        response = self.http.request("REPORT", self.url, content=FREE_BUSY.format(start=utc(start), end=utc(end)),
                                     headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
                                     expect=(200,))
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
        self.http.request("PUT", href, content=_ics(event), expect=(200, 201, 204),
                          headers={"Content-Type": "text/calendar; charset=utf-8"})
        return href

    def update_event(self, external_id: str, event: EventData) -> None:
        self.http.request("PUT", external_id, content=_ics(event), expect=(200, 201, 204),
                          headers={"Content-Type": "text/calendar; charset=utf-8"})

    def delete_event(self, external_id: str) -> None:
        self.http.request("DELETE", external_id, expect=(200, 204, 404))
