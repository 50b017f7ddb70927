"""Payloads in the documented formats of Google Calendar API v3, Google OAuth 2.0, Microsoft Graph v1.0 and the
Microsoft identity platform, CalDAV and Calendly API v2, for scripting the `fake_http` server."""

import hashlib
import hmac
from datetime import UTC, datetime

GOOGLE_CALENDAR_PATH = "/calendar/v3"
GOOGLE_TOKEN_PATH = "/token"
GRAPH_PATH = "/v1.0"
MS_AUTHORITY_PATH = "/common"


def use_fake_providers(settings, fake_http):
    settings.GOOGLE_OAUTH_CLIENT_ID = "google-client-id.apps.googleusercontent.com"
    settings.GOOGLE_OAUTH_CLIENT_SECRET = "google-secret"
    settings.GOOGLE_OAUTH_TOKEN_URL = fake_http.url + GOOGLE_TOKEN_PATH
    settings.GOOGLE_CALENDAR_API_BASE_URL = fake_http.url + GOOGLE_CALENDAR_PATH
    settings.MICROSOFT_OAUTH_CLIENT_ID = "11111111-2222-3333-4444-555555555555"
    settings.MICROSOFT_OAUTH_CLIENT_SECRET = "ms-secret"
    settings.MICROSOFT_OAUTH_AUTHORITY = fake_http.url + MS_AUTHORITY_PATH
    settings.MICROSOFT_GRAPH_BASE_URL = fake_http.url + GRAPH_PATH


def oauth_token(access_token="ya29.access", refresh_token="1//refresh", expires_in=3599, scope=""):
    """RFC 6749 §5.1 token response, as both Google and Microsoft send it."""
    body = {"access_token": access_token, "expires_in": expires_in, "token_type": "Bearer", "scope": scope}
    if refresh_token:
        body["refresh_token"] = refresh_token
    return body


def google_calendar(email="alice@acme.example"):
    return {
        "kind": "calendar#calendar",
        "etag": '"p33c9"',
        "id": email,
        "summary": email,
        "timeZone": "America/New_York",
        "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
    }


def google_freebusy(time_min: datetime, time_max: datetime, busy=(), calendar_id="primary"):
    def rfc3339(moment):
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    return {
        "kind": "calendar#freeBusy",
        "timeMin": rfc3339(time_min),
        "timeMax": rfc3339(time_max),
        "calendars": {calendar_id: {"busy": [{"start": rfc3339(s), "end": rfc3339(e)} for s, e in busy]}},
    }


def google_event(event_id="evt123", summary="Appointment"):
    return {
        "kind": "calendar#event",
        "etag": '"3181161784712000"',
        "id": event_id,
        "status": "confirmed",
        "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
        "summary": summary,
        "created": "2026-11-23T10:00:00.000Z",
        "updated": "2026-11-23T10:00:00.000Z",
    }


def google_error(code=401, message="Request had invalid authentication credentials.", status="UNAUTHENTICATED"):
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": "authError"}],
            "status": status,
        }
    }


def graph_me(mail="alice@acme.onmicrosoft.com"):
    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
        "id": "48d31887-5fad-4d73-a9f5-3c356e68a038",
        "displayName": "Alice",
        "mail": mail,
        "userPrincipalName": mail,
    }


def graph_schedule(mail, busy=()):
    def graph_time(moment):
        return {"dateTime": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"}

    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)",
        "value": [
            {
                "scheduleId": mail,
                "availabilityView": "0020",
                "scheduleItems": [
                    {
                        "isPrivate": False,
                        "status": "busy",
                        "subject": "Busy",
                        "location": "",
                        "start": graph_time(s),
                        "end": graph_time(e),
                    }
                    for s, e in busy
                ],
                "workingHours": {
                    "daysOfWeek": ["monday"],
                    "startTime": "08:00:00.0000000",
                    "endTime": "17:00:00.0000000",
                    "timeZone": {"name": "UTC"},
                },
            }
        ],
    }


def graph_event(event_id="AAMkAGI2TG93AAA="):
    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('alice')/events/$entity",
        "@odata.etag": 'W/"ZlnW4RIAV06KYYwlrfNZvQAAKGWwbw=="',
        "id": event_id,
        "subject": "Appointment",
    }


def twilio_message(*, to: str, from_: str, body: str, account_sid: str) -> dict:
    """A Message resource as Twilio's Programmable Messaging API returns it on create (201)."""
    sid = "SM" + "a" * 32
    return {
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": body,
        "date_created": "Mon, 23 Nov 2026 18:00:00 +0000",
        "date_sent": None,
        "date_updated": "Mon, 23 Nov 2026 18:00:00 +0000",
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": from_,
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}/Media.json"},
        "to": to,
        "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json",
    }


def caldav_propfind(href: str, *, calendar=True) -> str:
    """A 207 Multi-Status answer to PROPFIND Depth 0 on a collection (RFC 4918, RFC 4791 §4.2)."""
    kind = "<d:collection/><c:calendar/>" if calendar else "<d:collection/>"
    return (
        f'<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:" '
        f'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:response><d:href>{href}</d:href><d:propstat><d:prop>'
        f"<d:resourcetype>{kind}</d:resourcetype><d:displayname>Work</d:displayname></d:prop>"
        f"<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"
    )


def caldav_multistatus(*responses: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:" '
        f'xmlns:c="urn:ietf:params:xml:ns:caldav">{"".join(responses)}</d:multistatus>'
    ).encode()


def caldav_response(href: str, found: str, missing: str = "") -> str:
    """One resource of a Multi-Status: the properties it has (200) and those it has not (404), as servers answer."""
    answer = (
        f"<d:response><d:href>{href}</d:href><d:propstat><d:prop>{found}</d:prop>"
        f"<d:status>HTTP/1.1 200 OK</d:status></d:propstat>"
    )
    if missing:
        answer += f"<d:propstat><d:prop>{missing}</d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>"
    return answer + "</d:response>"


def caldav_principal(href: str, principal: str) -> bytes:
    """PROPFIND Depth 0 on a server's root (or /.well-known/caldav): the current-user-principal (RFC 5397)."""
    return caldav_multistatus(
        caldav_response(
            href,
            f"<d:resourcetype><d:collection/></d:resourcetype><d:current-user-principal><d:href>{principal}</d:href>"
            "</d:current-user-principal>",
            "<d:displayname/><c:calendar-home-set/>",
        )
    )


def caldav_home_set(principal: str, home: str) -> bytes:
    """PROPFIND Depth 0 on the principal: its calendar-home-set (RFC 4791 §6.2.1), possibly on another host."""
    return caldav_multistatus(
        caldav_response(
            principal,
            f"<d:resourcetype><d:principal/></d:resourcetype><d:current-user-principal><d:href>{principal}"
            f"</d:href></d:current-user-principal><c:calendar-home-set><d:href>{home}</d:href>"
            "</c:calendar-home-set>",
            "<d:displayname/>",
        )
    )


def caldav_calendars(home: str, calendars: list[tuple[str, str, tuple[str, ...]]]) -> bytes:
    """PROPFIND Depth 1 on the calendar home: the home itself and its collections as (href, name, components)."""
    answers = [
        caldav_response(
            home,
            "<d:resourcetype><d:collection/></d:resourcetype>",
            "<d:displayname/><c:supported-calendar-component-set/>",
        )
    ]
    for href, name, components in calendars:
        comps = "".join(f'<c:comp name="{component}"/>' for component in components)
        answers.append(
            caldav_response(
                href,
                f"<d:resourcetype><d:collection/><c:calendar/></d:resourcetype><d:displayname>{name}</d:displayname>"
                f"<c:supported-calendar-component-set>{comps}</c:supported-calendar-component-set>",
            )
        )
    return caldav_multistatus(*answers)


def caldav_freebusy(periods: list[str]) -> str:
    """The VFREEBUSY a free-busy-query REPORT returns (RFC 4791 §7.10), periods as "start/end" or "start/duration"."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Example Corp.//CalDAV Server//EN",
        "BEGIN:VFREEBUSY",
        "DTSTAMP:20261123T120000Z",
        "DTSTART:20261101T000000Z",
        "DTEND:20270101T000000Z",
    ]
    lines += [f"FREEBUSY;FBTYPE=BUSY:{period}" for period in periods]
    lines += ["FREEBUSY;FBTYPE=FREE:20261101T000000Z/20261101T010000Z", "END:VFREEBUSY", "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"


CALENDLY_USER = "https://api.calendly.com/users/AAAAAAAAAAAAAAAA"
CALENDLY_ORGANIZATION = "https://api.calendly.com/organizations/BBBBBBBBBBBBBBBB"


def calendly_user(uri=CALENDLY_USER, organization=CALENDLY_ORGANIZATION, email="alice@acme.example") -> dict:
    """`GET /users/me` (Calendly API v2)."""
    return {
        "resource": {
            "avatar_url": None,
            "created_at": "2026-01-01T20:30:30.123456Z",
            "current_organization": organization,
            "email": email,
            "name": "Alice Acme",
            "resource_type": "User",
            "scheduling_url": "https://calendly.com/alice-acme",
            "slug": "alice-acme",
            "timezone": "America/New_York",
            "updated_at": "2026-01-01T20:30:30.123456Z",
            "uri": uri,
        }
    }


def calendly_event_type(uri: str, name="30 Minute Meeting", duration=30, user=CALENDLY_USER) -> dict:
    return {
        "uri": uri,
        "name": name,
        "active": True,
        "booking_method": "instant",
        "slug": "30min",
        "scheduling_url": "https://calendly.com/alice-acme/30min",
        "duration": duration,
        "kind": "solo",
        "pooling_type": None,
        "type": "StandardEventType",
        "color": "#fff200",
        "created_at": "2026-01-02T03:04:05.678123Z",
        "updated_at": "2026-01-02T03:04:05.678123Z",
        "internal_note": None,
        "description_plain": "",
        "description_html": "",
        "profile": {"type": "User", "name": "Alice Acme", "owner": user},
        "secret": False,
        "admin_managed": False,
        "custom_questions": [],
    }


def calendly_page(collection: list, next_page: str | None = None) -> dict:
    """A list response with Calendly's cursor pagination."""
    return {
        "collection": collection,
        "pagination": {
            "count": len(collection),
            "next_page": next_page,
            "previous_page": None,
            "next_page_token": next_page and "sNjq4TvMDfUHEl7zHRR0k0E1PCEJWvdi",
            "previous_page_token": None,
        },
    }


def calendly_scheduling_link(owner: str) -> dict:
    return {
        "resource": {
            "booking_url": "https://calendly.com/d/abcd-brv8/30-minute-meeting",
            "owner": owner,
            "owner_type": "EventType",
        }
    }


def calendly_webhook_subscription(uri: str, callback_url: str, scope="user") -> dict:
    return {
        "resource": {
            "uri": uri,
            "callback_url": callback_url,
            "created_at": "2026-11-23T14:15:22.123456Z",
            "updated_at": "2026-11-23T14:15:22.123456Z",
            "retry_started_at": None,
            "state": "active",
            "events": ["invitee.created", "invitee.canceled"],
            "scope": scope,
            "organization": CALENDLY_ORGANIZATION,
            "user": CALENDLY_USER if scope == "user" else None,
            "creator": CALENDLY_USER,
        }
    }


def calendly_invitee_delivery(
    event: str, *, invitee_uri: str, start: datetime, end: datetime, name="Ann Lee", email="ann@example.com", reason=""
) -> dict:
    """A webhook delivery (invitee.created / invitee.canceled) with its invitee payload."""

    def stamp(moment):
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z")

    event_uri = invitee_uri.split("/invitees/")[0]
    canceled = event == "invitee.canceled"
    return {
        "created_at": "2026-11-23T18:00:00.000000Z",
        "created_by": CALENDLY_USER,
        "event": event,
        "payload": {
            "cancel_url": "https://calendly.com/cancellations/CCCCCCCCCCCCCCCC",
            "created_at": "2026-11-23T17:59:00.000000Z",
            "email": email,
            "event": event_uri,
            "name": name,
            "first_name": None,
            "last_name": None,
            "new_invitee": None,
            "old_invitee": None,
            "no_show": None,
            "reconfirmation": None,
            "payment": None,
            "questions_and_answers": [{"question": "What is the visit for?", "answer": "Check-up", "position": 0}],
            "reschedule_url": "https://calendly.com/reschedulings/CCCCCCCCCCCCCCCC",
            "rescheduled": False,
            "routing_form_submission": None,
            "status": "canceled" if canceled else "active",
            "text_reminder_number": "+15550123",
            "timezone": "America/New_York",
            "tracking": {
                "utm_campaign": None,
                "utm_source": None,
                "utm_medium": None,
                "utm_content": None,
                "utm_term": None,
                "salesforce_uuid": None,
            },
            "updated_at": "2026-11-23T18:00:00.000000Z",
            "uri": invitee_uri,
            "cancellation": {
                "canceled_by": name,
                "reason": reason,
                "canceler_type": "invitee",
                "created_at": "2026-11-23T18:00:00.000000Z",
            }
            if canceled
            else None,
            "scheduled_event": {
                "uri": event_uri,
                "name": "30 Minute Meeting",
                "status": "canceled" if canceled else "active",
                "start_time": stamp(start),
                "end_time": stamp(end),
                "event_type": "https://api.calendly.com/event_types/GBGBDCAADAEDCRZ2",
                "location": {"type": "physical", "location": "Main Street 1"},
                "invitees_counter": {"total": 1, "active": 0 if canceled else 1, "limit": 1},
                "created_at": "2026-11-23T17:59:00.000000Z",
                "updated_at": "2026-11-23T18:00:00.000000Z",
                "event_memberships": [{"user": CALENDLY_USER}],
                "event_guests": [],
            },
        },
    }


def calendly_signature(body: bytes, signing_key: str, timestamp: int) -> str:
    """The Calendly-Webhook-Signature header: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""
    digest = hmac.new(signing_key.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
