"""/api/twilio-account and /api/phone-numbers: the tenant's Twilio credentials (checked, encrypted, never shown)
and its numbers, imported or bought through the twilio SDK against a fake api.twilio.com."""

from urllib.parse import parse_qs

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from agents.tests.factories import AgentFactory
from calls.models import PhoneNumber, TwilioAccount
from calls.tests.factories import (
    ACCOUNT_SID,
    API_PREFIX,
    AUTH_TOKEN,
    PhoneNumberFactory,
    TwilioAccountFactory,
    account_resource,
    available_number,
    incoming_number_resource,
    page,
    twilio_api,
    twilio_error,
)

pytestmark = pytest.mark.django_db
__all__ = ["twilio_api"]

ACCOUNT = "/api/twilio-account"
NUMBERS = "/api/phone-numbers"
NUMBER = "+14155550100"


def form(request) -> dict:
    return {key: values[0] for key, values in parse_qs(request.body.decode()).items()}


@pytest.fixture
def connected(acme):
    with tenant_context(acme):
        return TwilioAccountFactory()


@pytest.fixture
def acme_number(acme, connected):
    with tenant_context(acme):
        return PhoneNumberFactory(number=NUMBER)


# Twilio account -----------------------------------------------------------------------------


def test_connecting_checks_the_credentials_with_twilio_and_never_returns_the_token(api, alice, acme, twilio_api):
    twilio_api.add("GET", f"{API_PREFIX}.json", json=account_resource())
    response = api(alice, acme).put(ACCOUNT, {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN}, format="json")
    assert response.status_code == 200
    assert response.json()["account_sid"] == ACCOUNT_SID and "auth_token" not in response.json()
    [check] = twilio_api.requests
    assert check.headers["authorization"].startswith("Basic ")
    assert "auth_token" not in api(alice, acme).get(ACCOUNT).json()


def test_the_auth_token_is_encrypted_at_rest(api, alice, acme, twilio_api):
    twilio_api.add("GET", f"{API_PREFIX}.json", json=account_resource())
    api(alice, acme).put(ACCOUNT, {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN}, format="json")
    with tenant_context(acme), connection.cursor() as cursor:
        cursor.execute("SELECT auth_token FROM calls_twilioaccount")
        [(stored,)] = cursor.fetchall()
        assert AUTH_TOKEN not in stored
        assert TwilioAccount.objects.get().auth_token == AUTH_TOKEN


def test_credentials_twilio_rejects_are_400_naming_the_token_and_not_stored(api, alice, acme, twilio_api):
    twilio_api.add("GET", f"{API_PREFIX}.json", status=401, json=twilio_error(401, 20003, "Authenticate"))
    response = api(alice, acme).put(ACCOUNT, {"account_sid": ACCOUNT_SID, "auth_token": "0" * 32}, format="json")
    assert response.status_code == 400
    assert "auth_token" in response.json()["errors"]
    with tenant_context(acme):
        assert not TwilioAccount.objects.exists()


def test_a_malformed_account_sid_is_400_naming_it_without_asking_twilio(api, alice, acme, twilio_api):
    response = api(alice, acme).put(ACCOUNT, {"account_sid": "XY123", "auth_token": AUTH_TOKEN}, format="json")
    assert response.status_code == 400
    assert "account_sid" in response.json()["errors"]
    assert twilio_api.requests == []


def test_twilio_unreachable_is_502_not_500(api, alice, acme, settings):
    settings.TWILIO_API_BASE_URL = "http://127.0.0.1:9"
    response = api(alice, acme).put(ACCOUNT, {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN}, format="json")
    assert response.status_code == 502
    assert response.json()["error_code"] == "twilio_error"


def test_overflow_preferences_are_changed_without_resending_credentials(api, alice, acme, connected):
    response = api(alice, acme).patch(ACCOUNT, {"max_queue_wait_seconds": 30}, format="json")
    assert (response.status_code, response.json()["max_queue_wait_seconds"]) == (200, 30)
    assert response.json()["account_sid"] == ACCOUNT_SID


def test_the_plans_limits_cannot_be_set_on_the_account_400_naming_them(api, alice, acme, connected):
    response = api(alice, acme).patch(
        ACCOUNT, {"max_concurrent_calls": 50, "monthly_minutes_limit": None}, format="json"
    )
    assert response.status_code == 400
    assert sorted(response.json()["errors"]) == ["max_concurrent_calls", "monthly_minutes_limit"]
    assert "max_concurrent_calls" not in api(alice, acme).get(ACCOUNT).json()


def test_a_member_cannot_see_or_change_the_twilio_account(api, mike, acme, connected):
    assert api(mike, acme).get(ACCOUNT).status_code == 403
    assert (
        api(mike, acme).put(ACCOUNT, {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN}, format="json").status_code
        == 403
    )


def test_bob_sees_no_twilio_account_of_alice(api, bob, globex, connected):
    assert api(bob, globex).get(ACCOUNT).status_code == 404


def test_disconnecting_removes_the_account(api, alice, acme, connected):
    assert api(alice, acme).delete(ACCOUNT).status_code == 204
    assert api(alice, acme).get(ACCOUNT).status_code == 404


# Importing, searching and buying numbers ------------------------------------------------------


def test_importing_an_owned_number_points_its_voice_webhook_at_the_tenant(
    api, alice, acme, connected, twilio_api, settings
):
    settings.TWILIO_WEBHOOK_BASE_URL = "https://voice.example.com"
    owned = incoming_number_resource(NUMBER)
    twilio_api.add(
        "GET",
        f"{API_PREFIX}/IncomingPhoneNumbers.json",
        json=page("incoming_phone_numbers", [owned], f"{API_PREFIX}/IncomingPhoneNumbers.json"),
    )
    twilio_api.add("POST", f"{API_PREFIX}/IncomingPhoneNumbers/{owned['sid']}.json", json=owned)
    with tenant_context(acme):
        agent = AgentFactory()
    response = api(alice, acme).post(NUMBERS, {"number": "+1 (415) 555-0100", "agent": agent.pk}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["number"], body["twilio_sid"], body["source"], body["agent"], body["inbound_enabled"]) == (
        NUMBER,
        owned["sid"],
        "imported",
        agent.pk,
        True,
    )
    [lookup] = twilio_api.requests_to("GET", f"{API_PREFIX}/IncomingPhoneNumbers.json")
    assert lookup.query["PhoneNumber"] == [NUMBER]
    [update] = twilio_api.requests_to("POST", f"{API_PREFIX}/IncomingPhoneNumbers/{owned['sid']}.json")
    assert form(update)["VoiceUrl"] == "https://voice.example.com/api/webhooks/twilio/acme/voice"
    assert form(update)["StatusCallback"] == "https://voice.example.com/api/webhooks/twilio/acme/status"


def test_a_number_not_in_the_twilio_account_is_400_naming_the_number(api, alice, acme, connected, twilio_api):
    twilio_api.add(
        "GET",
        f"{API_PREFIX}/IncomingPhoneNumbers.json",
        json=page("incoming_phone_numbers", [], f"{API_PREFIX}/IncomingPhoneNumbers.json"),
    )
    response = api(alice, acme).post(NUMBERS, {"number": NUMBER}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"number": ["Not in your Twilio account."]}
    with tenant_context(acme):
        assert not PhoneNumber.objects.exists()


@pytest.mark.parametrize("bad", ["12345", "+1234", "not a number", ""])
def test_an_invalid_number_is_400_naming_the_field_without_asking_twilio(api, alice, acme, connected, twilio_api, bad):
    response = api(alice, acme).post(NUMBERS, {"number": bad}, format="json")
    assert response.status_code == 400
    assert "number" in response.json()["errors"]
    assert twilio_api.requests == []


def test_importing_without_a_twilio_account_is_400(api, alice, acme):
    response = api(alice, acme).post(NUMBERS, {"number": NUMBER}, format="json")
    assert response.status_code == 400
    assert response.json()["error_code"] == "twilio_account_missing"


def test_importing_a_number_twice_is_409(api, alice, acme, acme_number, twilio_api):
    response = api(alice, acme).post(NUMBERS, {"number": NUMBER}, format="json")
    assert response.status_code == 409
    assert "number" in response.json()["errors"]


def test_an_agent_of_another_tenant_cannot_be_assigned(api, alice, acme, globex, acme_number):
    with tenant_context(globex):
        bobs_agent = AgentFactory()
    response = api(alice, acme).patch(f"{NUMBERS}/{acme_number.pk}", {"agent": bobs_agent.pk}, format="json")
    assert response.status_code == 400
    assert "agent" in response.json()["errors"]


def test_searching_available_numbers_asks_twilio_with_the_filters(api, alice, acme, connected, twilio_api):
    uri = f"{API_PREFIX}/AvailablePhoneNumbers/US/Local.json"
    twilio_api.add("GET", uri, json=page("available_phone_numbers", [available_number("+14155550177")], uri))
    response = api(alice, acme).get(f"{NUMBERS}/available?country=us&area_code=415")
    assert response.status_code == 200
    [found] = response.json()["results"]
    assert (found["number"], found["locality"], found["region"], found["country"]) == (
        "+14155550177",
        "San Francisco",
        "CA",
        "US",
    )
    assert twilio_api.requests[0].query["AreaCode"] == ["415"]


def test_the_twilio_sdk_does_not_log_the_requests_it_makes(api, alice, acme, connected, twilio_api, caplog):
    uri = f"{API_PREFIX}/AvailablePhoneNumbers/US/Local.json"
    twilio_api.add("GET", uri, json=page("available_phone_numbers", [], uri))
    caplog.set_level("INFO")
    assert api(alice, acme).get(f"{NUMBERS}/available?country=us&contains=5550177").status_code == 200
    assert [record for record in caplog.records if record.name.startswith("twilio")] == []


def test_a_bad_search_filter_is_400_naming_it(api, alice, acme, connected):
    response = api(alice, acme).get(f"{NUMBERS}/available?country=USA")
    assert response.status_code == 400
    assert "country" in response.json()["errors"]


def test_buying_a_number_creates_it_at_twilio_routed_to_the_tenant(api, alice, acme, connected, twilio_api):
    bought = incoming_number_resource("+14155550177")
    twilio_api.add("POST", f"{API_PREFIX}/IncomingPhoneNumbers.json", status=201, json=bought)
    response = api(alice, acme).post(f"{NUMBERS}/buy", {"number": "+14155550177"}, format="json")
    assert response.status_code == 201
    assert (response.json()["source"], response.json()["twilio_sid"]) == ("purchased", bought["sid"])
    sent = form(twilio_api.requests[0])
    assert sent["PhoneNumber"] == "+14155550177"
    assert sent["VoiceUrl"].endswith("/api/webhooks/twilio/acme/voice")


def test_buying_a_number_twilio_no_longer_offers_is_400_naming_it(api, alice, acme, connected, twilio_api):
    twilio_api.add(
        "POST",
        f"{API_PREFIX}/IncomingPhoneNumbers.json",
        status=400,
        json=twilio_error(400, 21422, "PhoneNumber requested is not available"),
    )
    response = api(alice, acme).post(f"{NUMBERS}/buy", {"number": "+14155550177"}, format="json")
    assert response.status_code == 400
    assert "number" in response.json()["errors"]


# Managing numbers and isolation ---------------------------------------------------------------


def test_a_number_is_assigned_to_an_agent_and_inbound_switched_off(api, alice, acme, acme_number):
    with tenant_context(acme):
        agent = AgentFactory()
    response = api(alice, acme).patch(
        f"{NUMBERS}/{acme_number.pk}", {"agent": agent.pk, "inbound_enabled": False}, format="json"
    )
    assert (response.json()["agent"], response.json()["inbound_enabled"]) == (agent.pk, False)


def test_a_member_lists_numbers_but_cannot_import_or_change_them(api, mike, acme, acme_number):
    assert [n["number"] for n in api(mike, acme).get(NUMBERS).json()["results"]] == [NUMBER]
    assert api(mike, acme).post(NUMBERS, {"number": "+14155550101"}, format="json").status_code == 403
    assert (
        api(mike, acme).patch(f"{NUMBERS}/{acme_number.pk}", {"inbound_enabled": False}, format="json").status_code
        == 403
    )


def test_removing_a_number_stops_using_it(api, alice, acme, acme_number):
    assert api(alice, acme).delete(f"{NUMBERS}/{acme_number.pk}").status_code == 204
    assert api(alice, acme).get(f"{NUMBERS}/{acme_number.pk}").status_code == 404


def test_bob_cannot_see_or_touch_alices_numbers(api, bob, globex, acme, acme_number):
    assert api(bob, globex).get(NUMBERS).json()["results"] == []
    for method in ("get", "patch", "delete"):
        assert getattr(api(bob, globex), method)(f"{NUMBERS}/{acme_number.pk}").status_code == 404
    assert api(bob, acme).get(NUMBERS).status_code == 403


def test_an_unknown_number_id_is_404(api, alice, acme):
    assert api(alice, acme).get(f"{NUMBERS}/999999").status_code == 404
