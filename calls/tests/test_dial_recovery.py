"""A dial that died between committing its call row and hearing Twilio's answer (a killed worker): replaying its
idempotency key later asks Twilio whether the call exists, adopts it if so, and dials it only if not."""

from datetime import timedelta
from email.utils import format_datetime

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.tests.factories import AgentFactory
from calls.models import Call
from calls.services import place_call
from calls.services.dialing import lost_dial_cutoff
from calls.tests.factories import (
    API_PREFIX,
    PhoneNumberFactory,
    TwilioAccountFactory,
    call_resource,
    call_sid,
    script_call_list,
    twilio_api,
)
from compliance.services import opt_out
from config.errors import DomainError

pytestmark = pytest.mark.django_db
__all__ = ["twilio_api"]

CALLER_ID = "+14155550100"
CONTACT = "+14155550123"
TWILIO_CALLS = f"{API_PREFIX}/Calls.json"


@pytest.fixture
def lost_dial(acme):
    """In acme: a call row committed under key `lost-1` whose dial never got Twilio's answer, older than any
    request to Twilio can last."""
    with tenant_context(acme):
        TwilioAccountFactory()
        agent = AgentFactory()
        PhoneNumberFactory(number=CALLER_ID, agent=agent)
        call = Call.objects.create(
            direction=Call.Direction.OUTBOUND,
            status=Call.Status.QUEUED,
            agent=agent,
            from_number=CALLER_ID,
            to_number=CONTACT,
            idempotency_key="lost-1",
        )
        Call.objects.filter(pk=call.pk).update(created_at=lost_dial_cutoff() - timedelta(seconds=1))
        call.refresh_from_db()
        yield call


def twilio_call_made_now(sid):
    return {**call_resource(sid, to=CONTACT, from_=CALLER_ID), "date_created": format_datetime(timezone.now())}


def replay(acme, call):
    return place_call(acme, agent=call.agent, to_number=CONTACT, idempotency_key="lost-1")


def test_a_lost_dial_twilio_never_received_is_dialed_once_on_replay(acme, lost_dial, twilio_api):
    script_call_list(twilio_api)
    sid = call_sid()
    twilio_api.add("POST", TWILIO_CALLS, status=201, json=call_resource(sid, to=CONTACT, from_=CALLER_ID))
    with tenant_context(acme):
        call, created = replay(acme, lost_dial)
        again, _ = replay(acme, lost_dial)
    assert (created, call.pk, call.twilio_call_sid, again.twilio_call_sid) == (False, lost_dial.pk, sid, sid)
    assert len(twilio_api.requests_to("POST", TWILIO_CALLS)) == 1
    assert twilio_api.requests_to("GET", TWILIO_CALLS)[0].query["To"] == [CONTACT]


def test_a_lost_dial_twilio_did_receive_adopts_its_sid_without_dialing_again(acme, lost_dial, twilio_api):
    sid = call_sid()
    script_call_list(twilio_api, twilio_call_made_now(sid))
    with tenant_context(acme):
        call, _ = replay(acme, lost_dial)
    assert call.twilio_call_sid == sid
    assert twilio_api.requests_to("POST", TWILIO_CALLS) == []


def test_a_call_twilio_already_matched_to_another_row_is_not_adopted(acme, lost_dial, twilio_api):
    other = call_sid()
    with tenant_context(acme):
        Call.objects.create(
            direction=Call.Direction.OUTBOUND,
            status=Call.Status.QUEUED,
            agent=lost_dial.agent,
            from_number=CALLER_ID,
            to_number=CONTACT,
            twilio_call_sid=other,
        )
    script_call_list(twilio_api, twilio_call_made_now(other))
    mine = call_sid()
    twilio_api.add("POST", TWILIO_CALLS, status=201, json=call_resource(mine, to=CONTACT, from_=CALLER_ID))
    with tenant_context(acme):
        call, _ = replay(acme, lost_dial)
    assert call.twilio_call_sid == mine


def test_a_recent_dial_without_its_answer_yet_is_left_alone(acme, lost_dial, twilio_api):
    with tenant_context(acme):
        Call.objects.filter(pk=lost_dial.pk).update(created_at=timezone.now())
        call, created = replay(acme, lost_dial)
    assert (created, call.twilio_call_sid) == (False, None)
    assert twilio_api.requests == []


def test_a_lost_dial_to_a_number_that_opted_out_since_fails_instead_of_dialing(acme, lost_dial, twilio_api):
    script_call_list(twilio_api)
    with tenant_context(acme):
        opt_out(CONTACT, source="opt_out_spoken")
        with pytest.raises(DomainError) as refused:
            replay(acme, lost_dial)
        lost_dial.refresh_from_db()
    assert refused.value.error_code == "on_dnc_list"
    assert (lost_dial.status, lost_dial.end_reason) == ("failed", "on_dnc_list")
    assert twilio_api.requests_to("POST", TWILIO_CALLS) == []
