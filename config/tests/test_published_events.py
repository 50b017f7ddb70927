"""The services publish their domain events (config.events), next to the writes they report, once committed."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from calls.models import Call, PhoneNumber
from calls.services import apply_status, finish_call, place_call, start_call
from calls.services.postcall import analyse_call
from calls.services.review import ingest_call
from campaigns.models import Attempt
from campaigns.services import dispatch
from campaigns.services.lifecycle import transition
from campaigns.tests.conftest import CALLER_ID, campaign_for, ready_to_dial, script_dials, twilio_api
from compliance.models import AuditEvent, DncEntry
from compliance.services import opt_out
from config.errors import Conflict
from scheduling.services import appointments
from scheduling.tests.conftest import at, make_calendar, next_weekday

pytestmark = pytest.mark.django_db
__all__ = ["twilio_api"]


@pytest.fixture
def acme_events(acme, subscribe):
    return subscribe(acme.schema_name)


@pytest.fixture
def in_acme(acme, django_capture_on_commit_callbacks):
    """Runs the block in acme's schema; its on-commit callbacks (events included) run when it ends, as at a
    commit."""

    @contextmanager
    def block():
        with tenant_context(acme), django_capture_on_commit_callbacks(execute=True):
            yield

    return block


@pytest.fixture
def agent(in_acme):
    with in_acme():
        return ready_to_dial()


def of_type(events, prefix):
    return [(event["type"], event["data"]) for event in events if event["type"].startswith(prefix)]


# Campaigns ---------------------------------------------------------------------------------------


def test_each_staff_transition_of_a_campaign_emits_its_event(in_acme, acme_events, agent):
    with in_acme():
        campaign = campaign_for(agent, 1, name="Recall")
        starts_at = timezone.now().replace(microsecond=0) + timedelta(hours=1)
        for action in ("schedule", "start", "pause", "resume", "cancel"):
            transition(campaign, action, starts_at=starts_at)
    events = of_type(acme_events.events(), "campaign.")
    base = {"campaign_id": campaign.pk, "name": "Recall"}
    assert events == [
        (
            "campaign.scheduled",
            {**base, "status": "scheduled", "starts_at": starts_at.isoformat().replace("+00:00", "Z")},
        ),
        ("campaign.started", {**base, "status": "running"}),
        ("campaign.paused", {**base, "status": "paused", "reason": ""}),
        ("campaign.resumed", {**base, "status": "running"}),
        ("campaign.cancelled", {**base, "status": "cancelled"}),
    ]


def test_a_refused_transition_emits_nothing(in_acme, acme_events, agent):
    with in_acme():
        campaign = campaign_for(agent, 1)
        with pytest.raises(Conflict):
            transition(campaign, "pause")
    assert acme_events.events() == []


def test_a_campaign_completing_emits_campaign_completed_with_its_counts_by_outcome(
    in_acme, acme_events, agent, twilio_api
):
    script_dials(twilio_api, 2)
    with in_acme():
        campaign = transition(campaign_for(agent, 2, name="Recall"), "start")
        for claim in dispatch.tick():
            dispatch.dial(claim.attempt_id, claim.token)
        first, second = (attempt.call for attempt in Attempt.objects.order_by("pk"))
        apply_status(first, Call.Status.COMPLETED, duration_seconds=61)
        apply_status(second, Call.Status.BUSY)
    [(event_type, data)] = [e for e in of_type(acme_events.events(), "campaign.") if e[0] == "campaign.completed"]
    assert (data["campaign_id"], data["name"], data["status"]) == (campaign.pk, "Recall", "completed")
    stats = data["stats"]
    assert stats["outcomes"] == {"completed": 1, "busy": 1}
    assert (stats["contacts"], stats["attempts"]["done"], stats["answered"], stats["answer_rate"]) == (2, 2, 1, 0.5)
    with in_acme():  # the audit row stays
        assert AuditEvent.objects.get(action="campaign.completed").data["outcomes"] == stats["outcomes"]


def test_the_dialer_pausing_a_campaign_emits_campaign_paused_with_the_reason(in_acme, acme_events, agent, twilio_api):
    with in_acme():
        PhoneNumber.objects.update(agent=None)
        campaign = transition(campaign_for(agent, 1), "start")
        for claim in dispatch.tick():
            dispatch.dial(claim.attempt_id, claim.token)
    assert of_type(acme_events.events(), "campaign.paused") == [
        (
            "campaign.paused",
            {"campaign_id": campaign.pk, "name": campaign.name, "status": "paused", "reason": "no_caller_id"},
        )
    ]


# Calls -------------------------------------------------------------------------------------------


def test_an_answered_inbound_call_emits_call_started(in_acme, acme_events, agent):
    with in_acme():
        call = start_call(
            direction=Call.Direction.INBOUND,
            agent=agent,
            from_number="+14155550123",
            to_number=CALLER_ID,
            twilio_call_sid="CA" + "1" * 32,
        )
    assert of_type(acme_events.events(), "call.") == [
        (
            "call.started",
            {
                "call_id": call.pk,
                "direction": "inbound",
                "status": "in_progress",
                "agent_id": agent.pk,
                "from_number": "+14155550123",
                "to_number": CALLER_ID,
            },
        )
    ]


def test_a_placed_outbound_call_emits_call_started_when_queued(in_acme, acme, acme_events, agent, twilio_api):
    script_dials(twilio_api, 1)
    with in_acme():
        call, _ = place_call(acme, agent=agent, to_number="+14155550123")
    assert of_type(acme_events.events(), "call.") == [
        (
            "call.started",
            {
                "call_id": call.pk,
                "direction": "outbound",
                "status": "queued",
                "agent_id": agent.pk,
                "from_number": CALLER_ID,
                "to_number": "+14155550123",
            },
        )
    ]


def test_finishing_a_call_emits_call_finished_once_with_how_it_ended(in_acme, acme_events, agent):
    with in_acme():
        call = start_call(direction=Call.Direction.INBOUND, agent=agent, from_number="+14155550123")
        finish_call(call, end_reason="caller_hangup", duration_seconds=42)
        finish_call(call, end_reason="again")
    [(event_type, data)] = of_type(acme_events.events(), "call.finished")
    assert (data["call_id"], data["status"], data["end_reason"], data["duration_seconds"]) == (
        call.pk,
        "completed",
        "caller_hangup",
        42,
    )


def test_a_call_logged_by_an_external_bot_emits_call_finished_once(in_acme, acme_events, agent):
    with in_acme():
        call, _ = ingest_call(
            external_id="bot-7",
            direction=Call.Direction.INBOUND,
            status=Call.Status.COMPLETED,
            from_number="+14155550123",
            turns=[{"speaker": "caller", "text": "Hi"}],
        )
        ingest_call(external_id="bot-7", direction=Call.Direction.INBOUND, status=Call.Status.COMPLETED)
    [(_, data)] = of_type(acme_events.events(), "call.")
    assert (data["call_id"], data["status"]) == (call.pk, "completed")


def test_sandbox_conversations_emit_no_call_events(in_acme, acme_events, agent):
    with in_acme():
        call = start_call(direction=Call.Direction.SANDBOX, agent=agent, is_test=True)
        finish_call(call)
    assert acme_events.events() == []


def test_storing_a_calls_analysis_emits_call_analyzed(in_acme, acme_events, agent):
    with in_acme():
        call = start_call(direction=Call.Direction.INBOUND, agent=agent, from_number="+14155550123")
        finish_call(call, end_reason="caller_hangup", duration_seconds=42)
        analysed = analyse_call(call.pk)
    [(_, data)] = of_type(acme_events.events(), "call.analyzed")
    assert data == {
        "call_id": call.pk,
        "summary": analysed.summary,
        "sentiment": analysed.sentiment,
        "success": analysed.success,
        "extraction": analysed.extraction,
    }


def test_analysing_a_sandbox_conversation_emits_nothing(in_acme, acme_events, agent):
    with in_acme():
        call = start_call(direction=Call.Direction.SANDBOX, agent=agent, is_test=True)
        finish_call(call)
        analyse_call(call.pk)
    assert acme_events.events() == []


# Opt-outs ----------------------------------------------------------------------------------------


def test_an_opt_out_emits_contact_opted_out_once(in_acme, acme_events):
    with in_acme():
        opt_out("+1 415 555 0123", source=DncEntry.Source.OPT_OUT_DTMF, reason="Pressed 9")
        opt_out("+14155550123", source=DncEntry.Source.OPT_OUT_SPOKEN)
    assert of_type(acme_events.events(), "contact.") == [
        ("contact.opted_out", {"number": "+14155550123", "source": "opt_out_dtmf", "reason": "Pressed 9"})
    ]


# Appointments ------------------------------------------------------------------------------------


@pytest.fixture
def calendar(in_acme):
    with in_acme():
        return make_calendar()


def test_booking_emits_appointment_booked(in_acme, acme_events, calendar):
    start = at(next_weekday(0), 10)
    with in_acme():
        appointment = appointments.book(calendar, start=start, title="Cleaning", contact_name="Ann")
    assert of_type(acme_events.events(), "appointment.") == [
        (
            "appointment.booked",
            {
                "appointment_id": appointment.pk,
                "calendar_id": calendar.pk,
                "title": "Cleaning",
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=30)).isoformat(),
                "status": "scheduled",
                "source": "api",
                "call_id": None,
                "contact_name": "Ann",
            },
        )
    ]


def test_a_booking_refused_for_a_taken_slot_emits_nothing(in_acme, acme_events, calendar):
    start = at(next_weekday(0), 10)
    with in_acme():
        appointments.book(calendar, start=start, title="Cleaning")
    acme_events.events()
    with in_acme(), pytest.raises(appointments.SlotTaken):
        appointments.book(calendar, start=start, title="Filling")
    assert acme_events.events() == []


def test_cancelling_emits_appointment_cancelled_once_with_the_reason(in_acme, acme_events, calendar):
    with in_acme():
        appointment = appointments.book(calendar, start=at(next_weekday(0), 10), title="Cleaning")
        appointments.cancel(appointment, reason="Feeling better")
        appointments.cancel(appointment, reason="Twice")
    cancelled = of_type(acme_events.events(), "appointment.cancelled")
    assert [(data["appointment_id"], data["status"], data["reason"]) for _, data in cancelled] == [
        (appointment.pk, "cancelled", "Feeling better")
    ]
