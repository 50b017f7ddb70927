"""What must stop a campaign dial even when everything else says go: an attempt that is no longer claimed (its
dial task delivered again after the attempt was closed), and a plan whose monthly minutes are used up."""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing.tests.factories import put_on_plan
from calls.models import Call
from calls.tests.factories import CallFactory
from campaigns.models import Attempt, Campaign
from campaigns.services import dispatch
from campaigns.services.lifecycle import transition
from campaigns.tests.conftest import TWILIO_CALLS, campaign_for, script_dials, twilio_api
from campaigns.tests.factories import CampaignFactory
from compliance.models import DncEntry
from compliance.services import add_dnc_entry, remove_dnc_entry, update_settings
from config.weekly_hours import WEEKDAYS
from contacts.tests.factories import ContactFactory, ContactListFactory

pytestmark = pytest.mark.django_db
__all__ = ["twilio_api"]

NUMBER = "+14152000000"  # the first number of campaign_for's list
RUSSIAN_MOBILE = "+79161234567"


def started(agent, size, **fields):
    return transition(campaign_for(agent, size, **fields), "start")


def test_a_dial_delivered_again_after_the_attempt_was_skipped_for_dnc_does_not_dial(acme, agent, twilio_api):
    """The number was on the DNC list when dialed, and has been taken off since: the closed attempt stays closed."""
    script_dials(twilio_api, 1)
    with tenant_context(acme):
        started(agent, 1)
        add_dnc_entry(NUMBER)
        [claim] = dispatch.tick()
        dispatch.dial(claim.attempt_id, claim.token)
        assert Attempt.objects.get().status == "skipped_dnc"
        remove_dnc_entry(DncEntry.objects.get(number=NUMBER))

        assert dispatch.dial(claim.attempt_id, claim.token) is None

        attempt = Attempt.objects.get()
        assert (attempt.status, attempt.call, attempt.dialed_at is not None) == ("skipped_dnc", None, True)
        assert not Call.objects.exists()
    assert twilio_api.requests_to("POST", TWILIO_CALLS) == []


@pytest.mark.parametrize("closed", ["failed", "skipped_dnc", "expired", "cancelled", "done"])
def test_a_dial_delivered_again_for_an_attempt_no_longer_claimed_does_nothing(acme, agent, twilio_api, closed):
    """Only a `claimed` (or, replaying its own dial, `dialing`) attempt is dialed, whatever its token."""
    script_dials(twilio_api, 1)
    with tenant_context(acme):
        started(agent, 1)
        [claim] = dispatch.tick()
        Attempt.objects.filter(pk=claim.attempt_id).update(status=closed)

        assert dispatch.dial(claim.attempt_id, claim.token) is None

        assert Attempt.objects.get().status == closed
        assert not Call.objects.exists()
    assert twilio_api.requests_to("POST", TWILIO_CALLS) == []


def test_a_number_refused_for_its_own_reason_fails_alone_and_the_campaign_completes(acme, agent, twilio_api):
    """Not a DNC skip: a number whose possible time zones share no calling window fails with that reason."""
    with tenant_context(acme):
        update_settings(calling_window_start=time(9), calling_window_end=time(17), calling_days=WEEKDAYS)
        contact = ContactFactory(phone=RUSSIAN_MOBILE)  # Bucharest (UTC+2) to Anadyr (UTC+12)
        campaign = transition(
            CampaignFactory(agent=agent, contact_list=ContactListFactory(contacts=[contact])), "start"
        )
        [claim] = dispatch.tick()
        dispatch.dial(claim.attempt_id, claim.token)

        attempt = Attempt.objects.get()
        assert (attempt.status, attempt.outcome) == ("failed", "no_calling_window")
        assert "time zone" in attempt.detail
        campaign.refresh_from_db()
        assert (campaign.status, campaign.completed_at is not None) == ("completed", True)
    assert twilio_api.requests_to("POST", TWILIO_CALLS) == []


# Monthly minutes --------------------------------------------------------------------------------------------


@pytest.fixture
def minutes_used_up(acme):
    put_on_plan(acme, max_concurrent_calls=1000, monthly_minutes=1)
    with tenant_context(acme):
        CallFactory(duration_seconds=90)


def test_a_campaign_with_the_plans_minutes_used_up_dials_nobody_and_pauses(acme, agent, twilio_api, minutes_used_up):
    script_dials(twilio_api, 3)
    with tenant_context(acme):
        campaign = started(agent, 3, calls_per_minute=10, max_concurrent_calls=10)
        now = timezone.now()
        for claim in dispatch.tick(now=now):
            dispatch.dial(claim.attempt_id, claim.token, now=now)

        campaign.refresh_from_db()
        assert (campaign.status, campaign.paused_reason) == ("paused", "plan_limit:monthly_minutes")
        assert set(Attempt.objects.values_list("status", "dialed_at")) == {("pending", None)}
        assert dispatch.tick(now=now) == []  # paused: nothing more is claimed
        assert Call.objects.filter(direction=Call.Direction.OUTBOUND).count() == 0
    assert twilio_api.requests_to("POST", TWILIO_CALLS) == []


def test_a_scheduled_call_with_the_plans_minutes_used_up_is_not_dialed(
    api, mike, acme, agent, twilio_api, minutes_used_up
):
    script_dials(twilio_api, 1)
    at = timezone.now() + timedelta(minutes=5)
    response = api(mike, acme).post(
        "/api/calls/schedule", {"agent": agent.pk, "to": NUMBER, "at": at.isoformat()}, format="json"
    )
    assert response.status_code == 201, response.json()
    with tenant_context(acme):
        for claim in dispatch.tick(now=at):
            dispatch.dial(claim.attempt_id, claim.token, now=at)
        campaign = Campaign.objects.get(pk=response.json()["id"])
        assert (campaign.status, campaign.paused_reason) == ("paused", "plan_limit:monthly_minutes")
        assert Attempt.objects.get().status == "pending"
    assert twilio_api.requests_to("POST", TWILIO_CALLS) == []
