"""What every calendar client offers, and HTTP errors turned into API errors (never a 500)."""

from dataclasses import dataclass, field
from datetime import datetime

import httpx2
from django.conf import settings

from config.errors import UpstreamError


class CalendarAPIError(UpstreamError):
    """The external calendar failed or refused us: an upstream error for our API, a failed action for the engine."""

    error_code = "calendar_provider_error"


class AuthorizationExpired(CalendarAPIError):
    """The provider no longer accepts our access token (401): refresh it and try once more."""


@dataclass(frozen=True)
class EventData:
    """An appointment as external calendars receive it."""

    uid: str
    title: str
    start: datetime
    end: datetime
    timezone: str
    description: str = ""
    location: str = ""
    # [{"name", "email"}]
    attendees: list[dict] = field(default_factory=list)


class HTTP:
    """A small JSON-over-HTTP helper with the errors every client maps the same way."""

    def __init__(self, provider: str, *, base_url: str = "", headers: dict | None = None, auth=None):
        self.provider = provider
        self.client = httpx2.Client(
            base_url=base_url.rstrip("/"), headers=headers or {}, auth=auth, timeout=settings.CALENDAR_HTTP_TIMEOUT
        )

    def request(self, method: str, url: str, *, expect=(200, 201, 204, 207), **kwargs) -> httpx2.Response:
        try:
            response = self._bounded(method, url, **kwargs)
        except httpx2.TimeoutException as exc:
            raise CalendarAPIError(f"{self.provider} did not answer in time.") from exc
        except httpx2.HTTPError as exc:
            raise CalendarAPIError(f"{self.provider} could not be reached.") from exc
        if response.status_code == 401:
            raise AuthorizationExpired(f"{self.provider} refused our authorization; reconnect the calendar.")
        if response.status_code not in expect:
            raise CalendarAPIError(f"{self.provider} answered {response.status_code}: {_reason(response)}")
        return response

    def _bounded(self, method: str, url: str, **kwargs) -> httpx2.Response:
        """The response with its body read up to CALENDAR_MAX_RESPONSE_BYTES (decompressed): a server the tenant
        chose (CalDAV) may answer with anything, and a body past the cap is refused before it is all read."""
        limit = settings.CALENDAR_MAX_RESPONSE_BYTES
        with self.client.stream(method, url, **kwargs) as response:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limit:
                    raise CalendarAPIError(f"{self.provider} answered with more than {limit // 1024} KiB; refused.")
        # The body is already decoded: the copy must not claim an encoding or length of the original transfer.
        headers = [
            (name, value)
            for name, value in response.headers.multi_items()
            if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx2.Response(response.status_code, headers=headers, content=bytes(body), request=response.request)

    def json(self, method: str, url: str, **kwargs) -> dict:
        response = self.request(method, url, **kwargs)
        try:
            return response.json() if response.content else {}
        except ValueError as exc:
            raise CalendarAPIError(f"{self.provider} answered with something that is not JSON.") from exc


def _reason(response) -> str:
    """The provider's own error message when its body has one (OAuth and Google/Graph error formats)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or error.get("code") or error)[:200]
    if isinstance(body, dict) and body.get("error_description"):
        return str(body["error_description"])[:200]
    return str(error or body)[:200]


def token_response(data: dict, previous_refresh_token: str = "") -> dict:
    """Stored credentials from an OAuth 2.0 token response (RFC 6749 §5.1); a refresh may omit the refresh token."""
    if not data.get("access_token"):
        raise CalendarAPIError("The token response has no access token.")
    return {
        "access_token": data["access_token"],
        "refresh_token": data.get("refresh_token") or previous_refresh_token,
        "expires_in": int(data.get("expires_in") or 3600),
        "scope": data.get("scope", ""),
    }
