"""POST /api/calls and /api/calls/{id}/end: outbound calls through the pre-dial check and the twilio SDK,
idempotent on the Idempotency-Key recorded before Twilio is asked."""

from urllib.parse import parse_qs

import pytest
from django_tenants.utils import tenant_context

from agents.tests.factories import AgentFactory
from billing.tests.factories import put_on_plan
from calls.models import Call
from calls.services import predial_check
from calls.tests.factories import (
    API_PREFIX,
    CALLER_ID,
    CONTACT,
    TWILIO_CALLS,
    CallFactory,
    PhoneNumberFactory,
    call_resource,
    dialable_agent,
    script_dial,
    twilio_api,
    twilio_error,
)
from compliance.models import ComplianceSettings
from config.errors import DomainError
from tenants.services import set_status

pytestmark = pytest.mark.django_db
__all__ = ["twilio_api"]

CALLS = "/api/calls"


@pytest.fixture
def agent(acme):
    with tenant_context(acme):
        return dialable_agent()


def dial(client, agent, to=CONTACT, key=None, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(CALLS, {"agent": agent.pk, "to": to, **extra}, format="json", **headers)


def calls_in(tenant):
    with tenant_context(tenant):
        return list(Call.objects.order_by("id"))


def sent(request) -> dict:
    return parse_qs(request.body.decode())


def test_dialing_creates_the_call_at_twilio_with_callbacks_and_machine_detection(api, alice, acme, agent, twilio_api):
    sid = script_dial(twilio_api)
    response = dial(api(alice, acme), agent, to="+1 415 555 0123", variables={"first_name": "Dana"})
    assert response.status_code == 201
    [call] = calls_in(acme)
    assert (call.direction, call.status, call.twilio_call_sid, call.from_number, call.to_number) == (
        "outbound",
        "queued",
        sid,
        CALLER_ID,
        CONTACT,
    )
    assert call.contact_variables == {"first_name": "Dana"} and call.idempotency_key
    form = sent(twilio_api.requests_to("POST", TWILIO_CALLS)[0])
    assert (form["To"], form["From"]) == ([CONTACT], [CALLER_ID])
    assert form["Url"] == [f"https://api.localhost/api/webhooks/twilio/acme/voice?call_id={call.pk}"]
    assert form["StatusCallback"] == [f"https://api.localhost/api/webhooks/twilio/acme/status?call_id={call.pk}"]
    assert form["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    assert (form["MachineDetection"], form["AsyncAmd"]) == (["DetectMessageEnd"], ["true"])
    assert form["AsyncAmdStatusCallback"] == [f"https://api.localhost/api/webhooks/twilio/acme/amd?call_id={call.pk}"]


def test_the_same_idempotency_key_returns_the_same_call_without_dialing_again(api, alice, acme, agent, twilio_api):
    script_dial(twilio_api)
    first = dial(api(alice, acme), agent, key="order-42")
    second = dial(api(alice, acme), agent, key="order-42")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert len(twilio_api.requests_to("POST", TWILIO_CALLS)) == 1


def test_an_idempotency_key_reused_for_another_number_is_409(api, alice, acme, agent, twilio_api):
    script_dial(twilio_api)
    dial(api(alice, acme), agent, key="order-42")
    response = dial(api(alice, acme), agent, to="+14155550199", key="order-42")
    assert (response.status_code, response.json()["error_code"]) == (409, "idempotency_key_reused")
    assert "Idempotency-Key" in response.json()["errors"]


def test_an_idempotency_key_reused_for_another_agent_is_409(api, alice, acme, agent, twilio_api):
    script_dial(twilio_api)
    dial(api(alice, acme), agent, key="order-42")
    with tenant_context(acme):
        other = AgentFactory()
        PhoneNumberFactory(number="+14155550101", agent=other)
    response = dial(api(alice, acme), other, key="order-42")
    assert (response.status_code, response.json()["error_code"]) == (409, "idempotency_key_reused")
    assert len(twilio_api.requests_to("POST", TWILIO_CALLS)) == 1


def test_a_call_twilio_refuses_is_recorded_as_failed_and_a_retry_does_not_dial_again(
    api, alice, acme, agent, twilio_api
):
    twilio_api.add(
        "POST",
        TWILIO_CALLS,
        status=400,
        json=twilio_error(400, 21215, "Geographic Permission configuration is not permitting call"),
    )
    response = dial(api(alice, acme), agent, key="k1")
    assert response.status_code == 400
    assert "to" in response.json()["errors"]
    [call] = calls_in(acme)
    assert (call.status, call.end_reason, call.idempotency_key) == ("failed", "dial_failed", "k1")
    assert dial(api(alice, acme), agent, key="k1").json()["status"] == "failed"
    assert len(twilio_api.requests_to("POST", TWILIO_CALLS)) == 1


def test_twilio_down_is_502_and_the_call_is_kept_as_failed(api, alice, acme, agent, settings):
    settings.TWILIO_API_BASE_URL = "http://127.0.0.1:9"
    response = dial(api(alice, acme), agent)
    assert response.status_code == 502
    assert [c.status for c in calls_in(acme)] == ["failed"]


@pytest.mark.parametrize("bad", ["555", "+1234", "call me", ""])
def test_an_invalid_number_is_400_naming_to_and_nothing_is_dialed(api, alice, acme, agent, twilio_api, bad):
    response = dial(api(alice, acme), agent, to=bad)
    assert response.status_code == 400
    assert "to" in response.json()["errors"]
    assert twilio_api.requests == [] and calls_in(acme) == []


def test_an_agent_without_a_caller_id_cannot_dial(api, alice, acme, agent, twilio_api):
    with tenant_context(acme):
        agent.phone_numbers.update(agent=None)
    response = dial(api(alice, acme), agent)
    assert response.status_code == 400
    assert response.json()["error_code"] == "no_caller_id" and "agent" in response.json()["errors"]
    assert twilio_api.requests == []


def test_an_inactive_agent_cannot_dial(api, alice, acme, agent, twilio_api):
    with tenant_context(acme):
        type(agent).objects.filter(pk=agent.pk).update(is_active=False)
    response = dial(api(alice, acme), agent)
    assert response.status_code == 400
    assert "agent" in response.json()["errors"]


def test_an_unknown_agent_is_400_naming_it(api, alice, acme, agent):
    response = api(alice, acme).post(CALLS, {"agent": 999999, "to": CONTACT}, format="json")
    assert response.status_code == 400
    assert "agent" in response.json()["errors"]


def test_every_line_of_the_plan_busy_is_429_and_nothing_is_dialed(api, alice, acme, agent, twilio_api):
    put_on_plan(acme, max_concurrent_calls=1)
    with tenant_context(acme):
        CallFactory(status="in_progress")
    response = dial(api(alice, acme), agent)
    assert response.status_code == 429
    assert response.json()["error_code"] == "concurrency_limit" and response["Retry-After"]
    assert twilio_api.requests == [] and len(calls_in(acme)) == 1


def test_the_plans_used_up_minutes_stop_dialing(api, alice, acme, agent, twilio_api):
    put_on_plan(acme, monthly_minutes=1)
    with tenant_context(acme):
        CallFactory(duration_seconds=90)
    response = dial(api(alice, acme), agent)
    assert (response.status_code, response.json()["error_code"]) == (402, "plan_limit")
    assert response.json()["limit"]["name"] == "monthly_minutes"
    assert twilio_api.requests == [] and len(calls_in(acme)) == 1


def test_the_predial_check_refuses_a_suspended_tenant(acme, agent):
    set_status(acme, "suspended")
    with tenant_context(acme), pytest.raises(DomainError) as refused:
        predial_check(agent=agent, to_number=CONTACT, tenant=acme)
    assert refused.value.error_code == "tenant_suspended"


def test_the_predial_check_refuses_an_invalid_number_naming_to(acme, agent):
    with tenant_context(acme), pytest.raises(DomainError) as refused:
        predial_check(agent=agent, to_number="555", tenant=acme)
    assert (refused.value.error_code, list(refused.value.errors)) == ("invalid_number", ["to"])


def test_a_call_placed_with_record_asks_twilio_to_record_it(api, alice, acme, agent, twilio_api):
    script_dial(twilio_api)
    assert dial(api(alice, acme), agent, record=True).status_code == 201
    assert sent(twilio_api.requests_to("POST", TWILIO_CALLS)[0])["Record"] == ["true"]


def test_a_tenant_that_records_its_calls_has_twilio_record_every_outbound_call(api, alice, acme, agent, twilio_api):
    with tenant_context(acme):
        ComplianceSettings.objects.update_or_create(singleton=True, defaults={"record_calls": True})
    script_dial(twilio_api)
    assert dial(api(alice, acme), agent).status_code == 201
    [call] = calls_in(acme)
    form = sent(twilio_api.requests_to("POST", TWILIO_CALLS)[0])
    assert form["Record"] == ["true"]
    assert form["RecordingStatusCallback"] == [
        f"https://api.localhost/api/webhooks/twilio/acme/recording?call_id={call.pk}"
    ]


def test_a_tenant_that_does_not_record_has_twilio_record_nothing(api, alice, acme, agent, twilio_api):
    script_dial(twilio_api)
    assert dial(api(alice, acme), agent).status_code == 201
    assert sent(twilio_api.requests_to("POST", TWILIO_CALLS)[0])["Record"] == ["false"]


def test_the_predial_check_returns_the_normalised_number_and_caller_id(acme, agent):
    with tenant_context(acme):
        dialable = predial_check(agent=agent, to_number="+1 (415) 555-0123", tenant=acme)
    assert (dialable.to_number, dialable.caller_id) == (CONTACT, CALLER_ID)


def test_a_member_may_dial_but_charlie_and_bob_may_not(api, mike, charlie, bob, acme, agent, twilio_api):
    script_dial(twilio_api)
    assert dial(api(mike, acme), agent).status_code == 201
    assert dial(api(charlie, acme), agent).status_code == 403
    assert dial(api(bob, acme), agent).status_code == 403


def test_bob_cannot_dial_with_alices_agent_from_his_tenant(api, bob, globex, agent, twilio_api):
    response = dial(api(bob, globex), agent)
    assert response.status_code == 400
    assert "agent" in response.json()["errors"]
    assert twilio_api.requests == []


# Ending a call ------------------------------------------------------------------------------


def test_ending_a_live_call_hangs_up_through_twilio(api, alice, acme, agent, twilio_api):
    with tenant_context(acme):
        call = CallFactory(direction="outbound", status="in_progress", agent=agent)
    path = f"{API_PREFIX}/Calls/{call.twilio_call_sid}.json"
    twilio_api.add(
        "POST", path, json=call_resource(call.twilio_call_sid, to=CONTACT, from_=CALLER_ID, status="completed")
    )
    response = api(alice, acme).post(f"{CALLS}/{call.pk}/end")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["end_reason"]) == ("completed", "ended_by_staff")
    assert sent(twilio_api.requests_to("POST", path)[0])["Status"] == ["completed"]


def test_ending_a_ringing_call_cancels_it(api, alice, acme, agent, twilio_api):
    with tenant_context(acme):
        call = CallFactory(direction="outbound", status="ringing", agent=agent)
    path = f"{API_PREFIX}/Calls/{call.twilio_call_sid}.json"
    twilio_api.add(
        "POST", path, json=call_resource(call.twilio_call_sid, to=CONTACT, from_=CALLER_ID, status="canceled")
    )
    assert api(alice, acme).post(f"{CALLS}/{call.pk}/end").json()["status"] == "canceled"
    assert sent(twilio_api.requests[0])["Status"] == ["canceled"]


def test_ending_a_finished_call_is_409_call_finished(api, alice, acme, agent, twilio_api):
    with tenant_context(acme):
        call = CallFactory(status="completed")
    response = api(alice, acme).post(f"{CALLS}/{call.pk}/end")
    assert (response.status_code, response.json()["error_code"]) == (409, "call_finished")
    assert twilio_api.requests == []


def test_bob_cannot_end_alices_call(api, bob, globex, acme, agent, twilio_api):
    with tenant_context(acme):
        call = CallFactory(status="in_progress")
    assert api(bob, globex).post(f"{CALLS}/{call.pk}/end").status_code == 404
    assert api(bob, acme).post(f"{CALLS}/{call.pk}/end").status_code == 403
    assert calls_in(acme)[0].status == "in_progress"


def test_an_api_key_without_the_calls_scope_cannot_dial(api, alice, acme, agent, twilio_api, make_api_key):
    _, secret = make_api_key(acme, alice, scopes=("read", "write"))
    response = dial(api(None, acme, api_key=secret), agent)
    assert (response.status_code, response.json()["error_code"]) == (403, "missing_scope")
    assert calls_in(acme) == [] and twilio_api.requests == []


def test_an_api_key_with_the_calls_scope_dials(api, alice, acme, agent, twilio_api, make_api_key):
    script_dial(twilio_api)
    _, secret = make_api_key(acme, alice, scopes=("calls",))
    assert dial(api(None, acme, api_key=secret), agent).status_code == 201
