"""Test data for the calls app (make it inside `tenant_context`), Twilio's REST payloads in their documented
format for the fake HTTP server, and webhook requests signed exactly as Twilio signs them."""

import secrets
from urllib.parse import urlencode

import factory
import pytest
from django.conf import settings
from django.db import connection
from twilio.request_validator import RequestValidator

from agents.tests.factories import AgentFactory
from calls.models import Call, CallTurn, PhoneNumber, TwilioAccount
from tenants.models import PhoneNumberClaim, Tenant

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f" * 32
API_PREFIX = f"/2010-04-01/Accounts/{ACCOUNT_SID}"
RFC2822 = "Mon, 23 Nov 2026 18:00:00 +0000"


class TwilioAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TwilioAccount
        django_get_or_create = ("id",)

    id = 1
    account_sid = ACCOUNT_SID
    auth_token = AUTH_TOKEN


class PhoneNumberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhoneNumber
        skip_postgeneration_save = True  # the claim hook changes nothing on the number

    number = factory.Sequence(lambda n: f"+1415555{n % 10000:04d}")
    twilio_sid = factory.LazyFunction(lambda: "PN" + secrets.token_hex(16))
    source = PhoneNumber.Source.IMPORTED

    @factory.post_generation
    def claimed(phone, create, extracted, **kwargs):
        """Claimed for the current tenant as import and purchase do (`claimed=False`: not), taken over from
        whichever tenant an earlier test left it with."""
        if create and extracted is not False:
            tenant = Tenant.objects.get(schema_name=connection.schema_name)
            PhoneNumberClaim.objects.update_or_create(number=phone.number, defaults={"tenant": tenant})


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call

    direction = Call.Direction.INBOUND
    status = Call.Status.COMPLETED
    from_number = "+14155550123"
    to_number = "+14155550100"
    twilio_call_sid = factory.LazyFunction(lambda: call_sid())


class CallTurnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallTurn

    index = factory.Sequence(lambda n: n)
    speaker = CallTurn.Speaker.CALLER


def call_sid() -> str:
    return "CA" + secrets.token_hex(16)


@pytest.fixture
def twilio_api(fake_http, settings):
    """The fake HTTP server standing in for api.twilio.com (import this fixture into a test module)."""
    settings.TWILIO_API_BASE_URL = fake_http.url
    return fake_http


# Twilio REST payloads (https://www.twilio.com/docs/voice/api, /phone-numbers/api) -----------------


def twilio_error(status: int, code: int, message: str) -> dict:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def account_resource(sid=ACCOUNT_SID) -> dict:
    return {
        "auth_token": AUTH_TOKEN,
        "date_created": RFC2822,
        "date_updated": RFC2822,
        "friendly_name": "Acme",
        "owner_account_sid": sid,
        "sid": sid,
        "status": "active",
        "type": "Full",
        "subresource_uris": {"calls": f"/2010-04-01/Accounts/{sid}/Calls.json"},
        "uri": f"/2010-04-01/Accounts/{sid}.json",
    }


def incoming_number_resource(number: str, sid: str | None = None, voice_url: str = "") -> dict:
    sid = sid or "PN" + secrets.token_hex(16)
    return {
        "account_sid": ACCOUNT_SID,
        "address_requirements": "none",
        "address_sid": None,
        "api_version": "2010-04-01",
        "beta": False,
        "capabilities": {"voice": True, "sms": True, "mms": False, "fax": False},
        "date_created": RFC2822,
        "date_updated": RFC2822,
        "emergency_status": "Inactive",
        "emergency_address_sid": None,
        "emergency_address_status": "unregistered",
        "friendly_name": f"({number[2:5]}) {number[5:8]}-{number[8:]}",
        "identity_sid": None,
        "origin": "twilio",
        "phone_number": number,
        "sid": sid,
        "sms_application_sid": "",
        "sms_fallback_method": "POST",
        "sms_fallback_url": "",
        "sms_method": "POST",
        "sms_url": "",
        "status_callback": "",
        "status_callback_method": "POST",
        "trunk_sid": None,
        "uri": f"{API_PREFIX}/IncomingPhoneNumbers/{sid}.json",
        "voice_receive_mode": "voice",
        "voice_application_sid": None,
        "voice_caller_id_lookup": False,
        "voice_fallback_method": "POST",
        "voice_fallback_url": None,
        "voice_method": "POST",
        "voice_url": voice_url,
        "bundle_sid": None,
        "status": "in-use",
        "subresource_uris": {"assigned_add_ons": f"{API_PREFIX}/IncomingPhoneNumbers/{sid}/AssignedAddOns.json"},
    }


def page(key: str, items: list, uri: str) -> dict:
    return {
        key: items,
        "end": max(len(items) - 1, 0),
        "first_page_uri": f"{uri}?PageSize=50&Page=0",
        "next_page_uri": None,
        "page": 0,
        "page_size": 50,
        "previous_page_uri": None,
        "start": 0,
        "uri": uri,
    }


def available_number(number: str, locality="San Francisco", region="CA") -> dict:
    return {
        "address_requirements": "none",
        "beta": False,
        "capabilities": {"mms": True, "sms": True, "voice": True},
        "friendly_name": f"({number[2:5]}) {number[5:8]}-{number[8:]}",
        "iso_country": "US",
        "lata": "722",
        "latitude": "37.770000",
        "locality": locality,
        "longitude": "-122.420000",
        "phone_number": number,
        "postal_code": "94103",
        "rate_center": "SNFC CNTRL",
        "region": region,
    }


def call_resource(sid: str, *, to: str, from_: str, status="queued") -> dict:
    return {
        "account_sid": ACCOUNT_SID,
        "annotation": None,
        "answered_by": None,
        "api_version": "2010-04-01",
        "caller_name": None,
        "date_created": RFC2822,
        "date_updated": RFC2822,
        "direction": "outbound-api",
        "duration": None,
        "end_time": None,
        "forwarded_from": None,
        "from": from_,
        "from_formatted": from_,
        "group_sid": None,
        "parent_call_sid": None,
        "phone_number_sid": "PN" + "0" * 32,
        "price": None,
        "price_unit": "USD",
        "queue_time": "0",
        "sid": sid,
        "start_time": None,
        "status": status,
        "subresource_uris": {"recordings": f"{API_PREFIX}/Calls/{sid}/Recordings.json"},
        "to": to,
        "to_formatted": to,
        "trunk_sid": None,
        "uri": f"{API_PREFIX}/Calls/{sid}.json",
    }


def script_call_list(fake, *calls):
    """Twilio's answer to GET Calls.json (one page) holding `calls` (resources from `call_resource`)."""
    calls_uri = f"{API_PREFIX}/Calls.json"
    fake.add(
        "GET",
        calls_uri,
        json={
            "calls": list(calls),
            "end": max(len(calls) - 1, 0),
            "first_page_uri": calls_uri,
            "next_page_uri": None,
            "page": 0,
            "page_size": 20,
            "previous_page_uri": None,
            "start": 0,
            "uri": calls_uri,
        },
    )


# Webhooks, signed as Twilio signs them ---------------------------------------------------------


def webhook_path(tenant, kind: str, **query) -> str:
    path = f"/api/webhooks/twilio/{tenant.slug}/{kind}"
    return f"{path}?{urlencode(query)}" if query else path


def post_webhook(client, path: str, params: dict, *, token=AUTH_TOKEN, signed_url=None, signature=None, **extra):
    """POST form parameters to a webhook on the public API host with Twilio's X-Twilio-Signature."""
    host = settings.API_HOST
    url = signed_url or f"http://{host}{path}"
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, params)
    headers = {"HTTP_X_TWILIO_SIGNATURE": signature} if signature else {}
    return client.post(
        path,
        data=urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_HOST=host,
        **headers,
        **extra,
    )


def voice_params(
    call_sid_value: str, *, to: str, from_: str = "+14155550123", direction="inbound", status="ringing"
) -> dict:
    return {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "CallSid": call_sid_value,
        "CallStatus": status,
        "Called": to,
        "Caller": from_,
        "Direction": direction,
        "From": from_,
        "To": to,
        "CallerCountry": "US",
        "CalledCountry": "US",
        "FromCountry": "US",
        "ToCountry": "US",
    }


def status_params(call_sid_value: str, status: str, *, duration: int | None = None, sequence: int = 0) -> dict:
    params = {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "CallSid": call_sid_value,
        "CallStatus": status,
        "Direction": "outbound-api",
        "From": "+14155550100",
        "To": "+14155550123",
        "SequenceNumber": str(sequence),
        "Timestamp": RFC2822,
        "CallbackSource": "call-progress-events",
    }
    if duration is not None:
        params["CallDuration"] = str(duration)
    return params


# An outbound dial in the tests: from the agent's own number to a contact, through Twilio's Calls resource.
CALLER_ID = "+14155550100"
CONTACT = "+14155550123"
TWILIO_CALLS = f"{API_PREFIX}/Calls.json"


def dialable_agent():
    """In the current tenant: an agent that can dial out (the tenant's Twilio account, a number of its own)."""
    TwilioAccountFactory()
    agent = AgentFactory()
    PhoneNumberFactory(number=CALLER_ID, agent=agent)
    return agent


def script_dial(twilio_api, sid=None) -> str:
    """Twilio takes the next dial to CONTACT as call `sid` (a new one if not given)."""
    sid = sid or call_sid()
    twilio_api.add("POST", TWILIO_CALLS, status=201, json=call_resource(sid, to=CONTACT, from_=CALLER_ID))
    return sid
