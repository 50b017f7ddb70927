"""Consent to record, on the call: the caller's answer is stored with its time; after a no, nothing of the call's
audio is kept (a recording under way is stopped, one Twilio has is deleted there and never attached here); after a
yes, the recording is kept and served only through the authorised view. The whole way for one live call too."""

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from agents.models import Agent
from calls.media.services import record_consent
from calls.models import Call
from calls.simulator import Say, WaitForAgent
from calls.tests.factories import API_PREFIX, CallFactory, TwilioAccountFactory, post_webhook, twilio_api, webhook_path
from calls.tests.media_helpers import caller_says, finished_call, live_call, run_call
from calls.tests.test_twilio_webhooks import recording_params
from tenants.models import Tenant

__all__ = ["twilio_api"]

RECORDING = "RE" + "b" * 32
MP3 = b"ID3fake-mp3"


@pytest.fixture
def live(acme):
    with tenant_context(acme):
        TwilioAccountFactory()
        return CallFactory(direction=Call.Direction.OUTBOUND, status=Call.Status.IN_PROGRESS)


def stored(acme, call) -> Call:
    with tenant_context(acme):
        return Call.objects.get(pk=call.pk)


def recording_callback(acme, call):
    params = recording_params(call, sid=RECORDING)
    assert post_webhook(Client(), webhook_path(acme, "recording", call_id=call.pk), params).status_code == 204


@pytest.mark.django_db
def test_a_refusal_is_stored_with_its_time_and_stops_the_recording_under_way(acme, live, twilio_api):
    path = f"{API_PREFIX}/Calls/{live.twilio_call_sid}/Recordings/Twilio.CURRENT.json"
    twilio_api.add("POST", path, json={"sid": RECORDING, "call_sid": live.twilio_call_sid, "status": "stopped"})
    with tenant_context(acme):
        record_consent(live.pk, False)
    call = stored(acme, live)
    assert call.recording_consent is False and call.recording_consent_at is not None
    [stop] = twilio_api.requests_to("POST", path)
    assert b"Status=stopped" in stop.body


@pytest.mark.django_db
def test_after_a_refusal_twilios_recording_is_deleted_and_never_attached(acme, live, twilio_api):
    twilio_api.add("POST", f"{API_PREFIX}/Calls/{live.twilio_call_sid}/Recordings/Twilio.CURRENT.json", status=404)
    twilio_api.add("DELETE", f"{API_PREFIX}/Recordings/{RECORDING}.json", status=204)
    with tenant_context(acme):
        record_consent(live.pk, False)
    recording_callback(acme, live)
    call = stored(acme, live)
    assert (call.recording_sid, call.recording_url) == ("", "")
    assert twilio_api.requests_to("DELETE", f"{API_PREFIX}/Recordings/{RECORDING}.json")


@pytest.mark.django_db
def test_a_refusal_after_the_recording_arrived_deletes_it(acme, live, twilio_api):
    twilio_api.add("DELETE", f"{API_PREFIX}/Recordings/{RECORDING}.json", status=204)
    recording_callback(acme, live)
    with tenant_context(acme):
        record_consent(live.pk, False)
    assert stored(acme, live).recording_url == ""
    assert twilio_api.requests_to("DELETE", f"{API_PREFIX}/Recordings/{RECORDING}.json")


@pytest.mark.django_db
def test_with_consent_the_recording_is_kept_and_served_only_to_the_tenants_members(
    api, mike, bob, acme, globex, live, twilio_api
):
    with tenant_context(acme):
        record_consent(live.pk, True)
    recording_callback(acme, live)
    call = stored(acme, live)
    assert (call.recording_consent, call.recording_sid) == (True, RECORDING)
    twilio_api.add("GET", f"{API_PREFIX}/Recordings/{RECORDING}.mp3", body=MP3, headers={"Content-Type": "audio/mpeg"})
    response = api(mike, acme).get(f"/api/calls/{call.pk}/recording")
    assert response.status_code == 200 and b"".join(response.streaming_content) == MP3
    assert api(bob, acme).get(f"/api/calls/{call.pk}/recording").status_code == 403
    assert api(bob, globex).get(f"/api/calls/{call.pk}/recording").status_code == 404
    assert api(None, acme).get(f"/api/calls/{call.pk}/recording").status_code == 401


@pytest.mark.usefixtures("committed_db")
@pytest.mark.slow
async def test_a_caller_who_says_no_on_a_live_call_is_not_recorded(twilio_api):
    call = await live_call()
    await set_consent_question(call["agent_id"])
    await run_call(call, [WaitForAgent(), Say(caller_says("no")), WaitForAgent()], linger_ms=500)
    stored_call, turns = await finished_call("acme", call["id"])
    assert stored_call.recording_consent is False and stored_call.recording_consent_at is not None
    assert turns[0].text.endswith("Please say yes or no, or press 1 for yes and 2 for no.")


@database_sync_to_async
def set_consent_question(agent_id):
    with schema_context(Tenant.schema_name_for("acme")):
        Agent.objects.filter(pk=agent_id).update(recording_consent=True)
