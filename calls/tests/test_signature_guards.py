"""Which URL a Twilio signature is checked against, and that nothing passes without a tenant auth token."""

import pytest
from django.test import RequestFactory
from twilio.request_validator import RequestValidator

from calls.twilio.signature import is_signed_by_twilio, public_url

TOKEN = "twilio-auth-token"
PARAMS = {"CallSid": "CA123", "From": "+14155550123"}


def signed(url: str, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, PARAMS)


def webhook(*, remote_addr="10.0.0.5", **headers):
    return RequestFactory().post(
        "/api/webhooks/twilio/acme/voice", PARAMS, HTTP_HOST="internal:8000", REMOTE_ADDR=remote_addr, **headers
    )


@pytest.fixture(autouse=True)
def trusted_proxy(settings):
    settings.TWILIO_TRUSTED_PROXIES = ["10.0.0.0/8"]


def test_without_a_tenant_auth_token_nothing_is_signed():
    request = webhook(HTTP_X_TWILIO_SIGNATURE=signed("http://internal:8000/api/webhooks/twilio/acme/voice", ""))
    assert is_signed_by_twilio(request, "") is False


def test_a_trusted_proxy_sending_no_forwarded_headers_leaves_the_url_as_received():
    assert public_url(webhook()) == "http://internal:8000/api/webhooks/twilio/acme/voice"


def test_the_first_of_several_forwarded_values_is_the_public_one():
    request = webhook(HTTP_X_FORWARDED_PROTO="https, http", HTTP_X_FORWARDED_HOST="voice.example.com, internal")
    assert public_url(request) == "https://voice.example.com/api/webhooks/twilio/acme/voice"


@pytest.mark.parametrize("remote_addr", ["", "not-an-address", "192.0.2.7"])
def test_forwarded_headers_from_anyone_but_a_trusted_proxy_are_ignored(remote_addr):
    request = webhook(remote_addr=remote_addr, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="evil.example")
    assert public_url(request) == "http://internal:8000/api/webhooks/twilio/acme/voice"


def test_forwarded_headers_of_a_request_with_no_peer_address_are_ignored():
    """A server on a Unix socket gives no REMOTE_ADDR: no proxy vouches for the headers then."""
    request = webhook(HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="evil.example")
    del request.META["REMOTE_ADDR"]
    assert public_url(request) == "http://internal:8000/api/webhooks/twilio/acme/voice"
