"""One phone number, one tenant: importing or buying claims the number platform-wide (tenants.PhoneNumberClaim),
removing it frees it, and Twilio's webhooks for a number are refused on another tenant's URL."""

import pytest
from django_tenants.utils import tenant_context

from agents.tests.factories import AgentFactory
from calls.models import Call, PhoneNumber
from calls.tests.factories import (
    API_PREFIX,
    CallFactory,
    PhoneNumberFactory,
    TwilioAccountFactory,
    call_sid,
    incoming_number_resource,
    page,
    post_webhook,
    status_params,
    twilio_api,
    twilio_error,
    voice_params,
    webhook_path,
)
from tenants.models import PhoneNumberClaim

pytestmark = pytest.mark.django_db
__all__ = ["twilio_api"]

NUMBERS = "/api/phone-numbers"
NUMBER = "+14155550142"
GLOBEX_TOKEN = "b" * 32


@pytest.fixture
def accounts(acme, globex):
    with tenant_context(acme):
        TwilioAccountFactory()
    with tenant_context(globex):
        TwilioAccountFactory(auth_token=GLOBEX_TOKEN)


def owned_by_twilio_account(twilio_api, number=NUMBER):
    owned = incoming_number_resource(number)
    twilio_api.add(
        "GET",
        f"{API_PREFIX}/IncomingPhoneNumbers.json",
        json=page("incoming_phone_numbers", [owned], f"{API_PREFIX}/IncomingPhoneNumbers.json"),
    )
    twilio_api.add("POST", f"{API_PREFIX}/IncomingPhoneNumbers/{owned['sid']}.json", json=owned)


def claim_of(number=NUMBER):
    claim = PhoneNumberClaim.objects.filter(number=number).select_related("tenant").first()
    return claim.tenant.slug if claim else None


def numbers_of(tenant):
    with tenant_context(tenant):
        return list(PhoneNumber.objects.values_list("number", flat=True))


def test_importing_a_number_claims_it_for_the_tenant(api, alice, acme, accounts, twilio_api):
    owned_by_twilio_account(twilio_api)
    assert api(alice, acme).post(NUMBERS, {"number": NUMBER}, format="json").status_code == 201
    assert claim_of() == "acme"


def test_a_second_tenant_importing_the_same_number_gets_409_number_taken(
    api, alice, bob, acme, globex, accounts, twilio_api
):
    owned_by_twilio_account(twilio_api)
    api(alice, acme).post(NUMBERS, {"number": NUMBER}, format="json")
    twilio_api.requests.clear()
    response = api(bob, globex).post(NUMBERS, {"number": NUMBER}, format="json")
    assert (response.status_code, response.json()["error_code"], list(response.json()["errors"])) == (
        409,
        "number_taken",
        ["number"],
    )
    assert twilio_api.requests == []  # Twilio is not touched for a number that is not the tenant's to use
    assert numbers_of(globex) == [] and claim_of() == "acme"


def test_buying_a_number_another_tenant_uses_is_409_number_taken(api, bob, acme, globex, accounts, twilio_api):
    with tenant_context(acme):
        PhoneNumberFactory(number=NUMBER)
    response = api(bob, globex).post(f"{NUMBERS}/buy", {"number": NUMBER}, format="json")
    assert (response.status_code, response.json()["error_code"]) == (409, "number_taken")
    assert twilio_api.requests == []


def test_a_removed_number_can_be_imported_by_another_tenant(api, alice, bob, acme, globex, accounts, twilio_api):
    with tenant_context(acme):
        phone = PhoneNumberFactory(number=NUMBER)
    assert api(alice, acme).delete(f"{NUMBERS}/{phone.pk}").status_code == 204
    assert claim_of() is None
    owned_by_twilio_account(twilio_api)
    assert api(bob, globex).post(NUMBERS, {"number": NUMBER}, format="json").status_code == 201
    assert claim_of() == "globex"


def test_a_failed_import_leaves_the_number_unclaimed(api, alice, acme, accounts, twilio_api):
    twilio_api.add(
        "GET",
        f"{API_PREFIX}/IncomingPhoneNumbers.json",
        status=500,
        json=twilio_error(500, 20500, "Internal Server Error"),
    )
    assert api(alice, acme).post(NUMBERS, {"number": NUMBER}, format="json").status_code == 502
    assert claim_of() is None


# Webhooks ---------------------------------------------------------------------------------------


def test_a_call_to_another_tenants_number_on_this_tenants_url_is_403_and_writes_nothing(client, acme, globex, accounts):
    with tenant_context(acme):
        PhoneNumberFactory(number=NUMBER, agent=AgentFactory())
    with tenant_context(globex):
        PhoneNumberFactory(number=NUMBER, agent=AgentFactory(), claimed=False)  # set up before claims existed
    response = post_webhook(
        client, webhook_path(globex, "voice"), voice_params(call_sid(), to=NUMBER), token=GLOBEX_TOKEN
    )
    assert (response.status_code, response.json()["error_code"]) == (403, "number_not_claimed")
    with tenant_context(globex):
        assert not Call.objects.exists()


def test_the_claiming_tenant_answers_its_number(client, acme, accounts):
    with tenant_context(acme):
        PhoneNumberFactory(number=NUMBER, agent=AgentFactory())
    response = post_webhook(client, webhook_path(acme, "voice"), voice_params(call_sid(), to=NUMBER))
    assert response.status_code == 200 and "<Connect>" in response.content.decode()


def test_a_status_callback_from_a_number_the_tenant_does_not_claim_changes_nothing(client, globex, accounts):
    with tenant_context(globex):
        call = CallFactory(status="ringing", direction="outbound", from_number=NUMBER)
    params = {**status_params(call.twilio_call_sid, "completed"), "From": NUMBER}
    response = post_webhook(client, webhook_path(globex, "status"), params, token=GLOBEX_TOKEN)
    assert response.status_code == 403
    with tenant_context(globex):
        assert Call.objects.get(pk=call.pk).status == "ringing"
