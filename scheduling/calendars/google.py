"""Google Calendar API v3 and Google's OAuth 2.0 endpoints (authorization code flow with offline access).

https://developers.google.com/identity/protocols/oauth2/web-server,
https://developers.google.com/calendar/api/v3/reference (freeBusy.query, events.insert/update/delete).
"""

import hashlib
from datetime import datetime
from urllib.parse import quote, urlencode

from django.conf import settings

from .base import HTTP, CalendarAPIError, EventData, token_response

NAME = "Google Calendar"
SCOPES = (
    "openid email https://www.googleapis.com/auth/calendar.events https://www.googleapis.com/auth/calendar.freebusy"
)


def authorization_url(*, state: str, redirect_uri: str) -> str:
    query = {
        "client_id": settings.GOOGLE_OAUTH_CLIENT_ID,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": SCOPES,
        "access_type": "offline",
        "prompt": "consent",
        "include_granted_scopes": "true",
        "state": state,
    }
    return f"{settings.GOOGLE_OAUTH_AUTHORIZE_URL}?{urlencode(query)}"


def _token(form: dict) -> dict:
    form = {"client_id": settings.GOOGLE_OAUTH_CLIENT_ID, "client_secret": settings.GOOGLE_OAUTH_CLIENT_SECRET, **form}
    return HTTP(NAME).json("POST", settings.GOOGLE_OAUTH_TOKEN_URL, data=form)


def exchange_code(*, code: str, redirect_uri: str) -> dict:
    return token_response(_token({"code": code, "redirect_uri": redirect_uri, "grant_type": "authorization_code"}))


def refresh(refresh_token: str) -> dict:
    return token_response(_token({"refresh_token": refresh_token, "grant_type": "refresh_token"}), refresh_token)


def _body(event: EventData) -> dict:
    return {
        "summary": event.title,
        "description": event.description,
        "location": event.location,
        "start": {"dateTime": event.start.isoformat(), "timeZone": event.timezone},
        "end": {"dateTime": event.end.isoformat(), "timeZone": event.timezone},
        "attendees": [
            {"email": a["email"], "displayName": a.get("name", "")} for a in event.attendees if a.get("email")
        ],
        "extendedProperties": {"private": {"voiceagents_uid": event.uid}},
    }


class Client:
    def __init__(self, access_token: str, calendar_id: str = "primary"):
        self.calendar_id = calendar_id or "primary"
        self.http = HTTP(
            NAME, base_url=settings.GOOGLE_CALENDAR_API_BASE_URL, headers={"Authorization": f"Bearer {access_token}"}
        )

    def _events(self) -> str:
        return f"/calendars/{quote(self.calendar_id, safe='')}/events"

    def account(self) -> str:
        """The primary calendar's id is the account's e-mail address."""
        return self.http.json("GET", f"/calendars/{quote(self.calendar_id, safe='')}")["id"]

    def busy(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        data = self.http.json(
            "POST",
            "/freeBusy",
            json={"timeMin": start.isoformat(), "timeMax": end.isoformat(), "items": [{"id": self.calendar_id}]},
        )
        calendar = (data.get("calendars") or {}).get(self.calendar_id)
        if calendar is None or calendar.get("errors"):
            raise CalendarAPIError(f"{NAME} gave no free/busy information for this calendar.")
        return [
            (datetime.fromisoformat(b["start"]), datetime.fromisoformat(b["end"])) for b in calendar.get("busy", [])
        ]

    def create_event(self, event: EventData) -> str:
        """Uses an event id derived from our uid, so a retried create finds the event instead of duplicating it."""
        event_id = hashlib.sha1(event.uid.encode()).hexdigest()
        response = self.http.request(
            "POST", self._events(), json={"id": event_id, **_body(event)}, expect=(200, 201, 409)
        )
        if response.status_code == 409:
            self.update_event(event_id, event)
        return event_id

    def update_event(self, external_id: str, event: EventData) -> None:
        self.http.request("PUT", f"{self._events()}/{quote(external_id, safe='')}", json=_body(event))

    def delete_event(self, external_id: str) -> None:
        # Already gone (404/410) is what we wanted.
        self.http.request("DELETE", f"{self._events()}/{quote(external_id, safe='')}", expect=(200, 204, 404, 410))
