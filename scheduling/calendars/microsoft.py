"""Microsoft Outlook calendars through Microsoft Graph v1.0 and the Microsoft identity platform (OAuth 2.0
authorization code flow, v2.0 endpoints).

https://learn.microsoft.com/graph/api/calendar-getschedule, https://learn.microsoft.com/graph/api/user-post-events,
https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow.
"""

from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from django.conf import settings

from .base import HTTP, CalendarAPIError, EventData, token_response

NAME = "Microsoft Graph"
SCOPES = "offline_access openid email User.Read Calendars.ReadWrite"


def authorization_url(*, state: str, redirect_uri: str) -> str:
    query = {
        "client_id": settings.MICROSOFT_OAUTH_CLIENT_ID,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "response_mode": "query",
        "scope": SCOPES,
        "state": state,
    }
    return f"{settings.MICROSOFT_OAUTH_AUTHORITY.rstrip('/')}/oauth2/v2.0/authorize?{urlencode(query)}"


def _token(form: dict) -> dict:
    form = {
        "client_id": settings.MICROSOFT_OAUTH_CLIENT_ID,
        "client_secret": settings.MICROSOFT_OAUTH_CLIENT_SECRET,
        "scope": SCOPES,
        **form,
    }
    return HTTP(NAME).json("POST", f"{settings.MICROSOFT_OAUTH_AUTHORITY.rstrip('/')}/oauth2/v2.0/token", data=form)


def exchange_code(*, code: str, redirect_uri: str) -> dict:
    return token_response(_token({"code": code, "redirect_uri": redirect_uri, "grant_type": "authorization_code"}))


def refresh(refresh_token: str) -> dict:
    return token_response(_token({"refresh_token": refresh_token, "grant_type": "refresh_token"}), refresh_token)


def _graph_time(moment: datetime) -> dict:
    """Graph's dateTimeTimeZone: a wall-clock time and the zone it is in (we always send UTC)."""
    return {"dateTime": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}


def _parse_graph_time(value: dict) -> datetime:
    if value.get("timeZone", "UTC") != "UTC":
        raise CalendarAPIError(f"{NAME} answered in time zone {value.get('timeZone')!r} instead of UTC.")
    # Graph writes seven fractional digits ("2026-12-01T09:00:00.0000000"), more than Python reads.
    return datetime.fromisoformat(value["dateTime"][:19]).replace(tzinfo=UTC)


def _body(event: EventData) -> dict:
    return {
        "subject": event.title,
        "body": {"contentType": "text", "content": event.description},
        "start": _graph_time(event.start),
        "end": _graph_time(event.end),
        "location": {"displayName": event.location},
        "attendees": [
            {"emailAddress": {"address": a["email"], "name": a.get("name", "")}, "type": "required"}
            for a in event.attendees
            if a.get("email")
        ],
        "transactionId": event.uid,
    }


class Client:
    def __init__(self, access_token: str, calendar_id: str = "", mailbox: str = ""):
        self.calendar_id = calendar_id
        self.mailbox = mailbox
        self.http = HTTP(
            NAME, base_url=settings.MICROSOFT_GRAPH_BASE_URL, headers={"Authorization": f"Bearer {access_token}"}
        )

    def _events(self) -> str:
        return f"/me/calendars/{quote(self.calendar_id, safe='')}/events" if self.calendar_id else "/me/events"

    def account(self) -> str:
        me = self.http.json("GET", "/me")
        return me.get("mail") or me.get("userPrincipalName") or me["id"]

    def busy(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        data = self.http.json(
            "POST",
            "/me/calendar/getSchedule",
            json={
                "schedules": [self.mailbox or self.account()],
                "startTime": _graph_time(start),
                "endTime": _graph_time(end),
                "availabilityViewInterval": 15,
            },
        )
        busy = []
        for schedule in data.get("value", []):
            if "error" in schedule:
                raise CalendarAPIError(f"{NAME}: {schedule['error'].get('message', 'no schedule')}")
            busy += [
                (_parse_graph_time(item["start"]), _parse_graph_time(item["end"]))
                for item in schedule.get("scheduleItems", [])
                if item.get("status") != "free"
            ]
        return busy

    def create_event(self, event: EventData) -> str:
        return self.http.json("POST", self._events(), json=_body(event))["id"]

    def update_event(self, external_id: str, event: EventData) -> None:
        self.http.request("PATCH", f"/me/events/{quote(external_id, safe='')}", json=_body(event))

    def delete_event(self, external_id: str) -> None:
        self.http.request("DELETE", f"/me/events/{quote(external_id, safe='')}", expect=(204, 404))
