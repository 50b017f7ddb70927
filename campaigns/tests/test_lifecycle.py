"""Lifecycle: draft → scheduled → running ⇄ paused → completed / cancelled; start = DNC scrub + enqueue."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from campaigns.models import Attempt, Campaign
from campaigns.services import dispatch
from campaigns.services.lifecycle import Window, transition, window_state
from campaigns.tests.conftest import campaign_for
from compliance.models import AuditEvent
from compliance.services import add_dnc_entry
from config.errors import Conflict, DomainError

pytestmark = pytest.mark.django_db


def test_starting_enqueues_one_pending_attempt_per_contact_keyed_by_campaign_contact_and_try(acme, agent):
    with tenant_context(acme):
        campaign = campaign_for(agent, 3)
        transition(campaign, "start")
        attempts = list(campaign.attempts.order_by("number"))
        assert [(a.number, a.status, a.attempt_no) for a in attempts] == [
            ("+14152000000", "pending", 1),
            ("+14152000001", "pending", 1),
            ("+14152000002", "pending", 1),
        ]
        assert attempts[0].idempotency_key == f"campaign-{campaign.pk}-contact-{attempts[0].contact_id}-attempt-1"
        assert Campaign.objects.get(pk=campaign.pk).status == "running"


def test_starting_scrubs_numbers_on_the_dnc_list_as_skipped(acme, agent):
    with tenant_context(acme):
        campaign = campaign_for(agent, 3)
        add_dnc_entry("+14152000001")
        transition(campaign, "start")
        statuses = dict(campaign.attempts.values_list("number", "status"))
        assert statuses == {"+14152000000": "pending", "+14152000001": "skipped_dnc", "+14152000002": "pending"}
        assert campaign.attempts.get(number="+14152000001").outcome == "on_dnc_list"


def test_a_campaign_whose_every_number_is_blocked_completes_at_once_with_its_event(acme, agent):
    with tenant_context(acme):
        campaign = campaign_for(agent, 2)
        add_dnc_entry("+14152000000")
        add_dnc_entry("+14152000001")
        campaign = transition(campaign, "start")
        assert (campaign.status, campaign.completed_at is not None) == ("completed", True)
        event = AuditEvent.objects.get(action="campaign.completed")
        assert event.target == f"campaign:{campaign.pk}"
        assert event.data["attempts"]["skipped_dnc"] == 2


@pytest.mark.parametrize(
    "status, action",
    [
        ("draft", "pause"),
        ("draft", "resume"),
        ("running", "start"),
        ("running", "resume"),
        ("paused", "pause"),
        ("completed", "cancel"),
        ("cancelled", "start"),
        ("scheduled", "schedule"),
    ],
)
def test_an_illegal_transition_is_a_conflict(acme, agent, status, action):
    with tenant_context(acme):
        campaign = campaign_for(agent, 1, status=status)
        with pytest.raises(Conflict) as raised:
            transition(campaign, action)
        assert raised.value.error_code == "illegal_transition"


def test_scheduling_needs_a_future_start_time(acme, agent):
    with tenant_context(acme):
        campaign = campaign_for(agent, 1)
        with pytest.raises(DomainError) as raised:
            transition(campaign, "schedule", starts_at=timezone.now() - timedelta(minutes=1))
        assert "starts_at" in raised.value.errors


def test_a_scheduled_campaign_starts_dialing_at_its_start_time(acme, agent):
    now = timezone.now()
    with tenant_context(acme):
        campaign = campaign_for(agent, 2)
        transition(campaign, "schedule", starts_at=now + timedelta(hours=1))
        assert dispatch.tick(now=now + timedelta(minutes=59)) == []
        assert len(dispatch.tick(now=now + timedelta(hours=1))) == 2
        assert Campaign.objects.get(pk=campaign.pk).status == "running"


def test_pausing_stops_claims_and_resuming_goes_on(acme, agent):
    now = timezone.now()
    with tenant_context(acme):
        campaign = campaign_for(agent, 2)
        transition(campaign, "start", now=now)
        transition(campaign, "pause")
        assert dispatch.tick(now=now) == []
        transition(campaign, "resume")
        assert len(dispatch.tick(now=now)) == 2


def test_cancelling_cancels_the_attempts_not_yet_dialed(acme, agent):
    with tenant_context(acme):
        campaign = campaign_for(agent, 3)
        transition(campaign, "start")
        transition(campaign, "cancel")
        assert set(campaign.attempts.values_list("status", flat=True)) == {"cancelled"}
        assert dispatch.tick() == []


def test_the_window_is_open_only_on_its_dates_and_weekly_hours_in_its_time_zone(acme, agent):
    with tenant_context(acme):
        campaign = campaign_for(
            agent,
            1,
            timezone="America/New_York",
            start_date=date(2026, 11, 23),
            end_date=date(2026, 11, 27),
            hours={"mon": [["09:00", "17:00"]]},
        )
    new_york = ZoneInfo("America/New_York")
    assert window_state(campaign, datetime(2026, 11, 23, 10, tzinfo=new_york)) == Window.OPEN
    assert window_state(campaign, datetime(2026, 11, 23, 17, tzinfo=new_york)) == Window.CLOSED
    assert window_state(campaign, datetime(2026, 11, 24, 10, tzinfo=new_york)) == Window.CLOSED  # a Tuesday
    assert window_state(campaign, datetime(2026, 11, 22, 10, tzinfo=new_york)) == Window.CLOSED
    assert window_state(campaign, datetime(2026, 11, 28, 0, 1, tzinfo=new_york)) == Window.OVER


def test_outside_its_hours_a_campaign_claims_nothing(acme, agent):
    sunday_night = datetime(2026, 11, 22, 22, tzinfo=ZoneInfo("UTC"))
    with tenant_context(acme):
        campaign = campaign_for(agent, 2, hours={"mon": [["09:00", "17:00"]]})
        transition(campaign, "start", now=sunday_night)
        assert dispatch.tick(now=sunday_night) == []
        assert len(dispatch.tick(now=sunday_night + timedelta(hours=11))) == 2


def test_after_its_end_date_the_campaign_expires_what_is_left_and_completes(acme, agent):
    now = timezone.now()
    with tenant_context(acme):
        campaign = campaign_for(agent, 2, end_date=(now - timedelta(days=1)).date())
        transition(campaign, "start", now=now)
        assert dispatch.tick(now=now) == []
        assert set(campaign.attempts.values_list("status", flat=True)) == {Attempt.Status.EXPIRED}
        assert Campaign.objects.get(pk=campaign.pk).status == "completed"
