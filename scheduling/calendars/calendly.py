"""Calendly API v2 with a personal access token (https://developer.calendly.com/api-docs).

`GET /users/me` (who the token belongs to), `GET /event_types?user=…`, `POST /scheduling_links` (single-use
booking links of an event type) and `POST /webhook_subscriptions` (invitee.created / invitee.canceled, signed
with a key we choose). Calendly books in its own calendars: it has no free/busy or event API for us to sync.
"""

import hashlib
import hmac
import time

from django.conf import settings

from config.errors import DomainError

from .base import HTTP

NAME = "Calendly"
WEBHOOK_EVENTS = ("invitee.created", "invitee.canceled")
# Calendly's advice: refuse deliveries signed more than three minutes ago, against replays.
SIGNATURE_TOLERANCE_SECONDS = 180


class Client:
    def __init__(self, token: str):
        self.http = HTTP(NAME, base_url=settings.CALENDLY_API_BASE_URL, headers={"Authorization": f"Bearer {token}"})

    def me(self) -> dict:
        """The token's user: `uri`, `email`, `current_organization`, …"""
        return self.http.json("GET", "/users/me")["resource"]

    def event_types(self, user_uri: str) -> list[dict]:
        """Every event type of the user, following Calendly's cursor pagination."""
        found, url, params = [], "/event_types", {"user": user_uri, "count": 100}
        while url:
            page = self.http.json("GET", url, params=params)
            found += page.get("collection", [])
            url, params = (page.get("pagination") or {}).get("next_page"), None
        return found

    def create_scheduling_link(self, event_type_uri: str) -> dict:
        """A booking link that works for one booking only (`booking_url`, `owner`, `owner_type`)."""
        response = self.http.request(
            "POST",
            "/scheduling_links",
            expect=(200, 201, 400, 404),
            json={"max_event_count": 1, "owner": event_type_uri, "owner_type": "EventType"},
        )
        if response.status_code in (400, 404):
            raise DomainError(
                "Calendly has no such event type for this account.",
                errors={"event_type": ["Not an event type of this Calendly account."]},
            )
        return response.json()["resource"]

    def create_webhook(self, *, url: str, scope: str, user_uri: str, organization_uri: str, signing_key: str) -> str:
        body = {
            "url": url,
            "events": list(WEBHOOK_EVENTS),
            "organization": organization_uri,
            "scope": scope,
            "signing_key": signing_key,
        }
        if scope == "user":
            body["user"] = user_uri
        return self.http.json("POST", "/webhook_subscriptions", json=body)["resource"]["uri"]

    def delete_webhook(self, uri: str) -> None:
        self.http.request("DELETE", uri, expect=(204, 404))


def signature_is_valid(header: str, body: bytes, signing_key: str, *, now: float | None = None) -> bool:
    """Checks `Calendly-Webhook-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`, and that it is recent."""
    parts = dict(part.split("=", 1) for part in (header or "").split(",") if "=" in part)
    timestamp, signature = parts.get("t", ""), parts.get("v1", "")
    if not timestamp.isdigit() or not signature or not signing_key:
        return False
    if abs((now if now is not None else time.time()) - int(timestamp)) > SIGNATURE_TOLERANCE_SECONDS:
        return False
    expected = hmac.new(signing_key.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)
