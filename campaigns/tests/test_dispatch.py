"""The dialer: pacing and concurrency, claims, dials through place_call at the fake Twilio boundary, pre-dial
refusals, and call outcomes (retries per policy, completion) from Twilio's signed status callbacks."""

from datetime import time, timedelta
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.models import Agent
from billing.tests.factories import put_on_plan
from calls.models import Call, PhoneNumber, TwilioAccount
from calls.services.lifecycle import apply_status
from calls.tests.factories import CallFactory, post_webhook, status_params, webhook_path
from campaigns.models import Attempt, Campaign
from campaigns.services import dispatch
from campaigns.services.lifecycle import transition
from campaigns.tests.conftest import TWILIO_CALLS, campaign_for, dialed_numbers, script_dials, twilio_api
from compliance.models import AuditEvent
from compliance.services import next_allowed_dial_time, update_settings
from config.weekly_hours import WEEKDAYS
from tenants.services import set_status

pytestmark = pytest.mark.django_db
__all__ = ["twilio_api"]


def started(agent, size, now=None, **fields):
    campaign = campaign_for(agent, size, **fields)
    return transition(campaign, "start", now=now or timezone.now())


def dial_all(claims, now=None):
    for claim in claims:
        dispatch.dial(claim.attempt_id, claim.token, now=now)


def test_a_campaigns_calls_are_not_recorded(acme, agent, twilio_api):
    script_dials(twilio_api, 1)
    with tenant_context(acme):
        started(agent, 1)
        dial_all(dispatch.tick())
    [request] = twilio_api.requests_to("POST", TWILIO_CALLS)
    assert parse_qs(request.body.decode())["Record"] == ["false"]


def test_a_tick_claims_no_more_than_calls_per_minute(acme, agent):
    now = timezone.now()
    with tenant_context(acme):
        started(agent, 10, now, calls_per_minute=4, max_concurrent_calls=10)
        assert len(dispatch.tick(now=now)) == 4
        assert dispatch.tick(now=now + timedelta(seconds=30)) == []  # the 4 claims still count


def test_a_tick_claims_no_more_than_the_free_concurrent_slots(acme, agent, twilio_api):
    script_dials(twilio_api, 3)
    now = timezone.now()
    with tenant_context(acme):
        started(agent, 10, now, calls_per_minute=100, max_concurrent_calls=3)
        dial_all(dispatch.tick(now=now), now)
        assert dispatch.tick(now=now + timedelta(minutes=5)) == []  # three calls still live
        apply_status(Call.objects.first(), Call.Status.COMPLETED, duration_seconds=30)
        assert len(dispatch.tick(now=now + timedelta(minutes=5))) == 1


def test_dialed_calls_count_against_pacing_for_one_minute(acme, agent, twilio_api):
    script_dials(twilio_api, 4)
    now = timezone.now()
    with tenant_context(acme):
        started(agent, 10, now, calls_per_minute=2, max_concurrent_calls=10)
        dial_all(dispatch.tick(now=now), now)
        assert dispatch.tick(now=now + timedelta(seconds=59)) == []
        assert len(dispatch.tick(now=now + timedelta(seconds=61))) == 2


def test_a_dial_places_the_call_through_twilio_with_the_attempts_idempotency_key(acme, agent, twilio_api):
    script_dials(twilio_api, 1)
    with tenant_context(acme):
        campaign = started(agent, 1, variables={"offer": "cleaning"}, voicemail_action="leave_message")
        [claim] = dispatch.tick()
        dispatch.dial(claim.attempt_id, claim.token)
        attempt = Attempt.objects.get()
        call = attempt.call
        assert (attempt.status, attempt.dialed_at is not None) == ("in_progress", True)
        assert (call.idempotency_key, call.to_number, call.contact_id) == (
            attempt.idempotency_key,
            "+14152000000",
            attempt.contact_id,
        )
        assert call.voicemail_action == "leave_message"
        assert call.contact_variables["offer"] == "cleaning"
        assert call.contact_variables["phone"] == "+14152000000"
        assert campaign.attempts.count() == 1
    assert dialed_numbers(twilio_api) == ["+14152000000"]


def test_a_redelivered_dial_task_replays_the_call_instead_of_dialing_again(acme, agent, twilio_api):
    script_dials(twilio_api, 2)
    with tenant_context(acme):
        started(agent, 1)
        [claim] = dispatch.tick()
        dispatch.dial(claim.attempt_id, claim.token)
        Attempt.objects.update(status=Attempt.Status.DIALING, call=None)  # as if killed before the row was updated
        dispatch.dial(claim.attempt_id, claim.token)
        assert Attempt.objects.get().status == "in_progress"
        assert Call.objects.count() == 1
    assert len(dialed_numbers(twilio_api)) == 1


def test_a_dial_with_an_outdated_claim_token_does_nothing(acme, agent, twilio_api):
    with tenant_context(acme):
        started(agent, 1)
        [claim] = dispatch.tick()
        assert dispatch.dial(claim.attempt_id, "00000000-0000-0000-0000-000000000000") is None
        assert Attempt.objects.get().status == "claimed"
    assert twilio_api.requests == []


def test_a_claim_of_a_campaign_paused_since_goes_back_to_pending_undialed(acme, agent, twilio_api):
    with tenant_context(acme):
        campaign = started(agent, 1)
        [claim] = dispatch.tick()
        transition(campaign, "pause")
        dispatch.dial(claim.attempt_id, claim.token)
        assert (Attempt.objects.get().status, Attempt.objects.get().claim_token) == ("pending", None)
    assert twilio_api.requests == []


def test_claims_whose_task_was_lost_are_sent_again_after_the_stale_delay_with_the_same_token(acme, agent, settings):
    settings.CAMPAIGN_STALE_CLAIM_SECONDS = 300
    now = timezone.now()
    with tenant_context(acme):
        started(agent, 2, now)
        claims = dispatch.tick(now=now)
        assert dispatch.resend_stale_claims(now=now + timedelta(seconds=299)) == []
        assert dispatch.resend_stale_claims(now=now + timedelta(seconds=301)) == claims
        assert dispatch.resend_stale_claims(now=now + timedelta(seconds=302)) == []  # sent again just now


def test_all_lines_busy_puts_the_attempt_back_due_after_retry_after(acme, agent, twilio_api):
    now = timezone.now()
    with tenant_context(acme):
        put_on_plan(acme, max_concurrent_calls=1)
        CallFactory(status="in_progress")
        started(agent, 1, now)
        dial_all(dispatch.tick(now=now), now)
        attempt = Attempt.objects.get()
        assert (attempt.status, attempt.due_at, attempt.dialed_at) == ("pending", now + timedelta(seconds=30), None)
    assert twilio_api.requests == []


def test_an_agent_without_caller_id_pauses_the_campaign_with_the_reason(acme, agent, twilio_api):
    with tenant_context(acme):
        PhoneNumber.objects.update(agent=None)
        campaign = started(agent, 2)
        dial_all(dispatch.tick())
        campaign.refresh_from_db()
        assert (campaign.status, campaign.paused_reason) == ("paused", "no_caller_id")
        assert set(campaign.attempts.values_list("status", flat=True)) == {"pending"}


def suspend_the_tenant(tenant):
    set_status(tenant, "suspended")


def deactivate_the_agent(tenant):
    Agent.objects.update(is_active=False)


def remove_the_twilio_account(tenant):
    TwilioAccount.objects.all().delete()


@pytest.mark.parametrize(
    "refusal, cause",
    [
        ("tenant_suspended", suspend_the_tenant),
        ("agent_inactive", deactivate_the_agent),
        ("twilio_account_missing", remove_the_twilio_account),
    ],
)
def test_a_refusal_that_concerns_the_whole_campaign_pauses_it_undialed(acme, agent, twilio_api, refusal, cause):
    with tenant_context(acme):
        campaign = started(agent, 2)
        cause(acme)
        dial_all(dispatch.tick())
        campaign.refresh_from_db()
        assert (campaign.status, campaign.paused_reason) == ("paused", refusal)
        assert set(campaign.attempts.values_list("status", "dialed_at")) == {("pending", None)}
    assert twilio_api.requests == []


def test_a_number_outside_its_calling_hours_waits_for_them_undialed(acme, agent, twilio_api):
    now = timezone.now()
    hour_in_los_angeles = now.astimezone(ZoneInfo("America/Los_Angeles")).hour
    with tenant_context(acme):
        update_settings(
            calling_window_start=time((hour_in_los_angeles + 2) % 24),
            calling_window_end=time((hour_in_los_angeles + 3) % 24),
            calling_days=WEEKDAYS,
        )
        campaign = started(agent, 1, now)
        dial_all(dispatch.tick(now=now), now)
        attempt = Attempt.objects.get()
        assert (attempt.status, attempt.dialed_at) == ("pending", None)
        assert now + timedelta(hours=1) < attempt.due_at == next_allowed_dial_time(attempt.number, at=now)
        campaign.refresh_from_db()
        assert campaign.status == "running"
    assert twilio_api.requests == []


def test_a_number_twilio_refuses_fails_its_attempt_and_the_campaign_goes_on(acme, agent, twilio_api):
    from calls.tests.factories import twilio_error
    from campaigns.tests.conftest import TWILIO_CALLS

    twilio_api.add("POST", TWILIO_CALLS, status=400, json=twilio_error(400, 21215, "Geo permission"))
    with tenant_context(acme):
        campaign = started(agent, 1, max_attempts=1)
        dial_all(dispatch.tick())
        attempt = Attempt.objects.get()
        assert (attempt.status, attempt.outcome, attempt.call.end_reason) == ("done", "failed", "dial_failed")
        assert Campaign.objects.get(pk=campaign.pk).status == "completed"


def finish(attempt_id, status, answered_by="", duration=None):
    call = Attempt.objects.get(pk=attempt_id).call
    if answered_by:
        Call.objects.filter(pk=call.pk).update(answered_by=answered_by)
        call.refresh_from_db()
    apply_status(call, status, duration_seconds=duration)


def test_no_answer_is_retried_after_the_delay_until_the_attempts_run_out(acme, agent, twilio_api):
    script_dials(twilio_api, 3)
    now = timezone.now()
    with tenant_context(acme):
        campaign = started(agent, 1, now, max_attempts=2, retry_delay_minutes=30, retry_on=["no_answer"])
        [claim] = dispatch.tick(now=now)
        dispatch.dial(claim.attempt_id, claim.token, now=now)
        finish(claim.attempt_id, Call.Status.NO_ANSWER)
        second = Attempt.objects.get(attempt_no=2)
        assert second.status == "pending" and second.due_at >= now + timedelta(minutes=30)
        assert second.idempotency_key.endswith("-attempt-2")
        assert dispatch.tick(now=now + timedelta(minutes=29)) == []
        [claim] = dispatch.tick(now=second.due_at)
        dispatch.dial(claim.attempt_id, claim.token, now=second.due_at)
        finish(claim.attempt_id, Call.Status.NO_ANSWER)
        assert campaign.attempts.count() == 2
        assert Campaign.objects.get(pk=campaign.pk).status == "completed"
    assert len(dialed_numbers(twilio_api)) == 2


@pytest.mark.parametrize(
    "status, answered_by, retried",
    [
        (Call.Status.BUSY, "", True),
        (Call.Status.COMPLETED, "human", False),
        (Call.Status.COMPLETED, "machine_end_beep", True),
        (Call.Status.FAILED, "", False),
    ],
)
def test_only_the_outcomes_in_retry_on_are_retried(acme, agent, twilio_api, status, answered_by, retried):
    script_dials(twilio_api, 1)
    with tenant_context(acme):
        started(agent, 1, max_attempts=3, retry_on=["busy", "voicemail"])
        [claim] = dispatch.tick()
        dispatch.dial(claim.attempt_id, claim.token)
        finish(claim.attempt_id, status, answered_by=answered_by)
        assert Attempt.objects.filter(attempt_no=2).exists() is retried


def test_a_machine_answer_is_recorded_as_voicemail(acme, agent, twilio_api):
    script_dials(twilio_api, 1)
    with tenant_context(acme):
        started(agent, 1)
        [claim] = dispatch.tick()
        dispatch.dial(claim.attempt_id, claim.token)
        finish(claim.attempt_id, Call.Status.COMPLETED, answered_by="machine_end_beep")
        assert Attempt.objects.get().outcome == "voicemail"


def test_twilios_no_answer_status_callback_schedules_the_retry(acme, agent, twilio_api):
    script_dials(twilio_api, 1)
    with tenant_context(acme):
        started(agent, 1, max_attempts=2, retry_on=["no_answer"])
        [claim] = dispatch.tick()
        dispatch.dial(claim.attempt_id, claim.token)
        call = Attempt.objects.get().call
    response = post_webhook(
        Client(), webhook_path(acme, "status", call_id=call.pk), status_params(call.twilio_call_sid, "no-answer")
    )
    assert response.status_code == 204
    with tenant_context(acme):
        assert list(Attempt.objects.values_list("attempt_no", "status", "outcome")) == [
            (1, "done", "no_answer"),
            (2, "pending", ""),
        ]


def test_the_last_call_to_finish_completes_the_campaign_with_a_completed_event(acme, agent, twilio_api):
    script_dials(twilio_api, 2)
    with tenant_context(acme):
        campaign = started(agent, 2)
        claims = dispatch.tick()
        dial_all(claims)
        finish(claims[0].attempt_id, Call.Status.COMPLETED, duration=61)
        assert Campaign.objects.get(pk=campaign.pk).status == "running"
        finish(claims[1].attempt_id, Call.Status.BUSY)
        campaign.refresh_from_db()
        assert campaign.status == "completed"
        event = AuditEvent.objects.get(action="campaign.completed")
        assert (event.data["answered"], event.data["answer_rate"], event.data["cost"]) == (1, 0.5, "0.03")


def test_calls_not_placed_by_a_campaign_are_left_alone(acme, agent, twilio_api):
    from calls.services import place_call

    script_dials(twilio_api, 1)
    with tenant_context(acme):
        call, _ = place_call(acme, agent=agent, to_number="+14152000000", idempotency_key="manual-1")
        apply_status(call, Call.Status.NO_ANSWER)
        assert not Attempt.objects.exists()


def test_a_number_put_on_the_dnc_list_after_the_start_is_skipped_undialed(acme, agent, twilio_api):
    from compliance.services import add_dnc_entry

    with tenant_context(acme):
        started(agent, 1)
        add_dnc_entry("+14152000000")
        dial_all(dispatch.tick())
        attempt = Attempt.objects.get()
        assert (attempt.status, attempt.outcome, attempt.call) == ("skipped_dnc", "on_dnc_list", None)
    assert twilio_api.requests == []


def test_outside_the_recipients_calling_hours_the_attempt_waits_for_the_next_allowed_time(acme, agent, twilio_api):
    from datetime import time
    from zoneinfo import ZoneInfo

    from compliance.services import next_allowed_dial_time, update_settings
    from config.weekly_hours import WEEKDAYS

    now = timezone.now()
    today_there = WEEKDAYS[now.astimezone(ZoneInfo("America/Los_Angeles")).weekday()]  # +1415 is San Francisco
    with tenant_context(acme):
        update_settings(
            calling_window_start=time(0),
            calling_window_end=time(0),
            calling_days=[day for day in WEEKDAYS if day != today_there],
        )
        started(agent, 1, now)
        dial_all(dispatch.tick(now=now), now)
        attempt = Attempt.objects.get()
        assert (attempt.status, attempt.dialed_at) == ("pending", None)
        assert attempt.due_at == next_allowed_dial_time("+14152000000", at=now) > now
    assert twilio_api.requests == []


def test_a_tick_in_one_tenant_never_claims_another_tenants_attempts(acme, globex, agent):
    with tenant_context(acme):
        started(agent, 2)
    with tenant_context(globex):
        assert dispatch.tick() == []
    with tenant_context(acme):
        assert set(Attempt.objects.values_list("status", flat=True)) == {"pending"}
