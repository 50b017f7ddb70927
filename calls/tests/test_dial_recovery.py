"""A dial that died between committing its call row and hearing Twilio's answer (a killed worker): replaying its
idempotency key later asks Twilio whether the call exists, adopts it if so, and dials it only if not."""

from datetime import time, timedelta
from email.utils import format_datetime
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from calls.models import Call
from calls.services import place_call
from calls.services.dialing import lost_dial_cutoff
from calls.tests.factories import (
    CALLER_ID,
    CONTACT,
    TWILIO_CALLS,
    call_resource,
    call_sid,
    dialable_agent,
    script_call_list,
    script_dial,
    twilio_api,
    twilio_error,
)
from compliance.models import ComplianceSettings
from compliance.services import opt_out
from config.errors import DomainError
from contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
__all__ = ["twilio_api"]


@pytest.fixture
def lost_dial(acme):
    """In acme: a call row committed under key `lost-1` whose dial never got Twilio's answer, older than any
    request to Twilio can last."""
    with tenant_context(acme):
        agent = dialable_agent()
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


def replay(acme, call, key="lost-1", **options):
    return place_call(acme, agent=call.agent, to_number=CONTACT, idempotency_key=key, **options)


def queued_ago(call, seconds):
    Call.objects.filter(pk=call.pk).update(created_at=timezone.now() - timedelta(seconds=seconds))


def test_a_lost_dial_twilio_never_received_is_dialed_once_on_replay(acme, lost_dial, twilio_api):
    script_call_list(twilio_api)
    sid = call_sid()
    twilio_api.add("POST", TWILIO_CALLS, status=201, json=call_resource(sid, to=CONTACT, from_=CALLER_ID))
    with tenant_context(acme):
        call, created = replay(acme, lost_dial)
        again, _ = replay(acme, lost_dial)
    assert (created, call.pk, call.twilio_call_sid, again.twilio_call_sid) == (False, lost_dial.pk, sid, sid)
    assert len(twilio_api.requests_to("POST", TWILIO_CALLS)) == 1
    lookup = twilio_api.requests_to("GET", TWILIO_CALLS)[0].query
    assert (lookup["To"], lookup["From"]) == ([CONTACT], [CALLER_ID])


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


def test_a_dial_is_left_alone_until_twice_twilios_timeout_and_ten_seconds_have_passed(
    acme, lost_dial, twilio_api, settings
):
    settings.TWILIO_HTTP_TIMEOUT = 10
    with tenant_context(acme):
        queued_ago(lost_dial, 29.5)
        call, _ = replay(acme, lost_dial)
    assert call.twilio_call_sid is None
    assert twilio_api.requests == []


def test_a_dial_queued_longer_ago_than_twice_twilios_timeout_and_ten_seconds_is_recovered(
    acme, lost_dial, twilio_api, settings
):
    settings.TWILIO_HTTP_TIMEOUT = 10
    script_call_list(twilio_api)
    sid = script_dial(twilio_api)
    with tenant_context(acme):
        queued_ago(lost_dial, 30.5)
        call, _ = replay(acme, lost_dial)
    assert call.twilio_call_sid == sid


def test_a_call_twilio_dated_the_second_the_lost_dial_was_queued_is_adopted(acme, lost_dial, twilio_api):
    """Twilio's dates have whole seconds (and its clock may lag ours): its call may look older than our row."""
    sid = call_sid()
    twilio_call = {
        **call_resource(sid, to=CONTACT, from_=CALLER_ID),
        "date_created": format_datetime(lost_dial.created_at),
    }
    script_call_list(twilio_api, twilio_call)
    with tenant_context(acme):
        call, _ = replay(acme, lost_dial)
    assert call.twilio_call_sid == sid
    assert twilio_api.requests_to("POST", TWILIO_CALLS) == []


def test_a_call_twilio_dated_more_than_five_seconds_before_the_lost_dial_is_not_it(acme, lost_dial, twilio_api):
    queued_at = lost_dial.created_at.replace(microsecond=500_000)
    earlier = {
        **call_resource(call_sid(), to=CONTACT, from_=CALLER_ID),
        "date_created": format_datetime(queued_at - timedelta(seconds=5.5)),  # whole seconds: 5.5 s before
    }
    script_call_list(twilio_api, earlier)
    mine = script_dial(twilio_api)
    with tenant_context(acme):
        Call.objects.filter(pk=lost_dial.pk).update(created_at=queued_at)
        call, _ = replay(acme, lost_dial)
    assert call.twilio_call_sid == mine


def test_a_call_to_the_same_number_placed_just_before_the_lost_one_is_not_adopted(acme, lost_dial, twilio_api):
    earlier = call_sid()
    with tenant_context(acme):
        other = Call.objects.create(
            direction=Call.Direction.OUTBOUND,
            status=Call.Status.COMPLETED,
            agent=lost_dial.agent,
            from_number=CALLER_ID,
            to_number=CONTACT,
            twilio_call_sid=earlier,
        )
        Call.objects.filter(pk=other.pk).update(created_at=lost_dial.created_at - timedelta(seconds=2))
    twilio_call = {
        **call_resource(earlier, to=CONTACT, from_=CALLER_ID),
        "date_created": format_datetime(lost_dial.created_at - timedelta(seconds=2)),
    }
    script_call_list(twilio_api, twilio_call)
    mine = script_dial(twilio_api)
    with tenant_context(acme):
        call, _ = replay(acme, lost_dial)
    assert call.twilio_call_sid == mine


def test_replaying_an_answered_calls_key_long_after_asks_twilio_nothing(acme, lost_dial, twilio_api):
    sid = call_sid()
    with tenant_context(acme):
        Call.objects.filter(pk=lost_dial.pk).update(twilio_call_sid=sid, status=Call.Status.IN_PROGRESS)
        call, created = replay(acme, lost_dial)
    assert (created, call.pk, call.twilio_call_sid) == (False, lost_dial.pk, sid)
    assert twilio_api.requests == []


def test_replaying_a_refused_dials_key_long_after_dials_nothing(acme, lost_dial, twilio_api):
    """Refused: failed without ever getting a SID. The fixture's lost dial waits meanwhile, and stays lost."""
    with tenant_context(acme):
        refused = Call.objects.create(
            direction=Call.Direction.OUTBOUND,
            status=Call.Status.FAILED,
            end_reason="dial_failed",
            agent=lost_dial.agent,
            from_number=CALLER_ID,
            to_number=CONTACT,
            idempotency_key="refused-1",
        )
        Call.objects.filter(pk=refused.pk).update(created_at=lost_dial.created_at)
        call, created = replay(acme, lost_dial, key="refused-1")
        lost_dial.refresh_from_db()
    assert (created, call.pk, call.status) == (False, refused.pk, "failed")
    assert (lost_dial.status, lost_dial.twilio_call_sid) == ("queued", None)
    assert twilio_api.requests == []


def test_a_lost_dial_is_checked_in_its_contacts_time_zone(acme, lost_dial, twilio_api):
    # A one-hour window around the current hour in Tokyo never holds at the same moment in Los Angeles.
    hour = timezone.now().astimezone(ZoneInfo("Asia/Tokyo")).hour
    script_call_list(twilio_api)
    sid = script_dial(twilio_api)
    with tenant_context(acme):
        ComplianceSettings.objects.update_or_create(
            singleton=True, defaults={"calling_window_start": time(hour), "calling_window_end": time((hour + 1) % 24)}
        )
        contact = ContactFactory(phone=CONTACT, timezone="Asia/Tokyo")
        Call.objects.filter(pk=lost_dial.pk).update(contact=contact)
        call, _ = replay(acme, lost_dial)
    assert call.twilio_call_sid == sid


def test_a_lost_dial_twilio_refuses_on_replay_fails_and_says_why(acme, lost_dial, twilio_api):
    script_call_list(twilio_api)
    twilio_api.add("POST", TWILIO_CALLS, status=400, json=twilio_error(400, 21215, "Geographic Permission"))
    with tenant_context(acme):
        with pytest.raises(DomainError) as refused:
            replay(acme, lost_dial)
        lost_dial.refresh_from_db()
    assert refused.value.error_code == "twilio_refused"
    assert (lost_dial.status, lost_dial.end_reason) == ("failed", "dial_failed")


def test_a_lost_dial_recorded_when_placed_is_recorded_when_dialed_on_replay(acme, lost_dial, twilio_api):
    script_call_list(twilio_api)
    script_dial(twilio_api)
    with tenant_context(acme):
        replay(acme, lost_dial, record=True)
    assert parse_qs(twilio_api.requests_to("POST", TWILIO_CALLS)[0].body.decode())["Record"] == ["true"]


def test_placing_a_call_gives_twilios_sid_to_that_call_alone(acme, lost_dial, twilio_api):
    sid = script_dial(twilio_api)
    with tenant_context(acme):
        call, created = place_call(acme, agent=lost_dial.agent, to_number=CONTACT, idempotency_key="new-1")
        lost_dial.refresh_from_db()
    assert (created, call.twilio_call_sid, lost_dial.twilio_call_sid) == (True, sid, None)
