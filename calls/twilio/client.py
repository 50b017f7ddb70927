"""The tenant's Twilio REST client and the few REST operations the platform uses, through the twilio SDK.

Errors from Twilio become a `TwilioError` (502, or 400 naming a field when Twilio refused our input),
so views never answer 500 because a provider failed.
"""

from contextlib import contextmanager
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.urls import reverse
from requests import RequestException
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from config.errors import DomainError, UpstreamError

# Call progress events Twilio reports to the status callback (`answered` arrives as `in-progress`).
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]


class TwilioError(UpstreamError):
    error_code = "twilio_error"


def client_for(account_sid: str, auth_token: str) -> Client:
    client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=settings.TWILIO_HTTP_TIMEOUT))
    client.api.base_url = settings.TWILIO_API_BASE_URL
    return client


@contextmanager
def twilio_errors(*, field=None, refused_status=None):
    """Twilio's 4xx answers about our input are the caller's fault when `field` names it; the rest is a 502."""
    try:
        yield
    except TwilioRestException as exc:
        message = f"Twilio refused the request: {exc.msg}"
        if field and refused_status and exc.status in refused_status:
            raise DomainError(message, error_code="twilio_refused", errors={field: [exc.msg]}) from exc
        raise TwilioError(message) from exc
    except (TwilioException, RequestException) as exc:
        raise TwilioError("Twilio could not be reached; try again.") from exc


def webhook_url(tenant, kind: str, **query) -> str:
    """The public URL Twilio calls for one of this tenant's webhooks (voice, status, recording, amd)."""
    path = reverse("twilio-webhook", kwargs={"tenant_slug": tenant.slug, "kind": kind})
    url = settings.TWILIO_WEBHOOK_BASE_URL.rstrip("/") + path
    return f"{url}?{urlencode(query)}" if query else url


def verify_account(account_sid: str, auth_token: str) -> None:
    with twilio_errors(field="auth_token", refused_status={401, 403, 404}):
        client_for(account_sid, auth_token).api.v2010.accounts(account_sid).fetch()


def find_incoming_number(account, number: str):
    client = client_for(account.account_sid, account.auth_token)
    with twilio_errors():
        found = client.incoming_phone_numbers.list(phone_number=number, limit=1)
    return found[0] if found else None


def route_number_to_us(account, tenant, number_sid: str) -> None:
    client = client_for(account.account_sid, account.auth_token)
    with twilio_errors():
        client.incoming_phone_numbers(number_sid).update(
            voice_url=webhook_url(tenant, "voice"),
            voice_method="POST",
            status_callback=webhook_url(tenant, "status"),
            status_callback_method="POST",
        )


def search_available(account, *, country: str, area_code=None, contains=None, limit=20):
    client = client_for(account.account_sid, account.auth_token)
    filters = {key: value for key, value in {"area_code": area_code, "contains": contains}.items() if value}
    with twilio_errors(field="country", refused_status={400, 404}):
        return client.available_phone_numbers(country).local.list(voice_enabled=True, limit=limit, **filters)


def buy_number(account, tenant, number: str):
    client = client_for(account.account_sid, account.auth_token)
    with twilio_errors(field="number", refused_status={400}):
        return client.incoming_phone_numbers.create(
            phone_number=number,
            voice_url=webhook_url(tenant, "voice"),
            voice_method="POST",
            status_callback=webhook_url(tenant, "status"),
            status_callback_method="POST",
        )


def create_call(account, tenant, call, *, record: bool):
    """Dial with status callbacks and asynchronous answering machine detection; every callback names the call."""
    client = client_for(account.account_sid, account.auth_token)
    with twilio_errors(field="to", refused_status={400}):
        return client.calls.create(
            to=call.to_number,
            from_=call.from_number,
            method="POST",
            url=webhook_url(tenant, "voice", call_id=call.pk),
            status_callback=webhook_url(tenant, "status", call_id=call.pk),
            status_callback_event=STATUS_EVENTS,
            status_callback_method="POST",
            machine_detection="DetectMessageEnd",
            async_amd="true",
            async_amd_status_callback=webhook_url(tenant, "amd", call_id=call.pk),
            async_amd_status_callback_method="POST",
            record=record,
            recording_status_callback=webhook_url(tenant, "recording", call_id=call.pk),
            recording_status_callback_method="POST",
        )


def find_outbound_call(account, *, to: str, from_: str, since, exclude=()) -> str | None:
    """The SID of a call Twilio created from `from_` to `to` at or after `since` (none of `exclude`), if any:
    how a dial whose answer was lost learns whether Twilio took it."""
    client = client_for(account.account_sid, account.auth_token)
    with twilio_errors():
        found = client.calls.list(to=to, from_=from_, start_time_after=since, limit=20)
    for call in found:
        created = call.date_created or call.start_time
        if call.sid not in exclude and (created is None or created >= since):
            return call.sid
    return None


def update_call(account, call_sid: str, **changes) -> None:
    """`status="completed"` / `"canceled"` hangs up; `twiml=...` replaces what the call is doing."""
    client = client_for(account.account_sid, account.auth_token)
    with twilio_errors():
        client.calls(call_sid).update(**changes)


def send_sms(account, *, to: str, from_: str, body: str) -> str:
    """Programmable Messaging: the new message's SID."""
    client = client_for(account.account_sid, account.auth_token)
    with twilio_errors(field="to", refused_status={400}):
        return client.messages.create(to=to, from_=from_, body=body).sid


def start_recording(account, tenant, call) -> None:
    """Records a call in progress (both parties, one channel each); Twilio reports it to the recording webhook."""
    client = client_for(account.account_sid, account.auth_token)
    with twilio_errors():
        client.calls(call.twilio_call_sid).recordings.create(
            recording_channels="dual",
            recording_status_callback=webhook_url(tenant, "recording", call_id=call.pk),
            recording_status_callback_method="POST",
            recording_status_callback_event=["completed"],
        )


def stop_recording(account, call_sid: str) -> None:
    """Stops the call's recording under way (Twilio then reports it, and `delete_recording` removes it)."""
    client = client_for(account.account_sid, account.auth_token)
    with twilio_errors():
        client.calls(call_sid).recordings("Twilio.CURRENT").update(status="stopped")


def delete_recording(account, recording_sid: str) -> None:
    client = client_for(account.account_sid, account.auth_token)
    with twilio_errors():
        client.recordings(recording_sid).delete()


def open_recording(account, recording_sid: str):
    """The recording's MP3 from Twilio's documented media URL, as a streamed `requests` response (close it)."""
    url = f"{settings.TWILIO_API_BASE_URL.rstrip('/')}/2010-04-01/Accounts/{account.account_sid}/Recordings/{recording_sid}.mp3"
    try:
        response = requests.get(
            url, auth=(account.account_sid, account.auth_token), stream=True, timeout=settings.TWILIO_HTTP_TIMEOUT
        )
    except RequestException as exc:
        raise TwilioError("Twilio could not be reached; try again.") from exc
    if response.status_code != 200:
        response.close()
        raise TwilioError(f"Twilio could not deliver the recording (HTTP {response.status_code}).")
    return response
