"""calls.services: starting a call, recording its turns, finishing it (shared by sandbox and telephony)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django_tenants.utils import tenant_context

from calls import services
from calls.models import Call

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_acme(acme):
    with tenant_context(acme):
        yield


def test_an_answered_call_starts_now(in_acme):
    call = services.start_call(direction="inbound", from_number="+14155550123", to_number="+14155550100")
    assert (call.status, call.started_at is not None, call.is_test) == ("in_progress", True, False)


def test_a_queued_call_has_not_started(in_acme):
    call = services.start_call(direction="outbound", status=Call.Status.QUEUED)
    assert call.started_at is None


def test_turns_are_numbered_in_order_with_their_timings(in_acme):
    call = services.start_call(direction="sandbox", is_test=True)
    services.record_turn(call, speaker="agent", text="Hello", node_id="hi", timings={"engine_ms": 1.5, "total_ms": 3})
    services.record_turn(call, speaker="caller", text="Hi", timings={"stt_ms": 40})
    turns = list(call.turns.values_list("index", "speaker", "node_id", "engine_ms", "stt_ms", "total_ms"))
    assert turns == [(0, "agent", "hi", 1.5, None, 3.0), (1, "caller", "", None, 40.0, None)]


def test_recording_a_turn_saves_the_engine_state(in_acme):
    call = services.start_call(direction="sandbox")
    services.record_turn(call, speaker="agent", text="Hello", state={"node": "ask"})
    assert Call.objects.get(pk=call.pk).state == {"node": "ask"}


def test_an_interrupted_turn_keeps_what_was_heard(in_acme):
    call = services.start_call(direction="inbound")
    turn = services.record_turn(
        call, speaker="agent", text="Our hours are nine to five.", interrupted=True, heard_text="Our hours are"
    )
    assert (turn.interrupted, turn.heard_text) == (True, "Our hours are")


def test_finishing_sets_the_outcome_and_duration(in_acme):
    call = services.start_call(direction="inbound")
    Call.objects.filter(pk=call.pk).update(started_at=call.started_at - timedelta(seconds=42))
    finished = services.finish_call(call, end_reason="caller_hung_up")
    assert (finished.status, finished.end_reason, finished.duration_seconds) == ("completed", "caller_hung_up", 42)


def test_finishing_twice_keeps_the_first_outcome(in_acme):
    call = services.start_call(direction="inbound")
    services.finish_call(call, status=Call.Status.FAILED, end_reason="media_error")
    again = services.finish_call(call, end_reason="completed")
    assert (again.status, again.end_reason) == ("failed", "media_error")


def test_twilio_call_sids_are_unique_but_optional(in_acme):
    services.start_call(direction="sandbox")
    services.start_call(direction="sandbox")
    services.start_call(direction="inbound", twilio_call_sid="CA123")
    with pytest.raises(IntegrityError), transaction.atomic():
        services.start_call(direction="inbound", twilio_call_sid="CA123")
    assert Call.objects.count() == 3
