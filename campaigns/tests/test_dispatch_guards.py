"""The dialer dials exactly the attempt a task names, every running campaign and only inside its own window, retries
stay within their own campaign, and a campaign's last call completes it with a completion time."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from calls.models import Call
from calls.services.lifecycle import apply_status
from campaigns.models import Attempt, Campaign
from campaigns.services import dispatch
from campaigns.services.lifecycle import transition
from campaigns.tests.conftest import campaign_for, dialed_numbers, script_dials, twilio_api
from campaigns.tests.factories import CampaignFactory
from contacts.tests.factories import ContactFactory, ContactListFactory

pytestmark = pytest.mark.django_db
__all__ = ["twilio_api"]


def test_each_dial_task_dials_its_own_attempt_whatever_the_order(acme, agent, twilio_api):
    """One tick's claims share a token: the attempt id is what picks the number."""
    script_dials(twilio_api, 3)
    with tenant_context(acme):
        contacts = [ContactFactory(phone=f"+1415200{n:04d}") for n in range(3)]
        transition(CampaignFactory(agent=agent, contact_list=ContactListFactory(contacts=contacts)), "start")
        claims = dispatch.tick()
        assert len({claim.token for claim in claims}) == 1
        numbers = []
        for claim in reversed(claims):
            dispatch.dial(claim.attempt_id, claim.token)
            numbers.append(Attempt.objects.get(pk=claim.attempt_id).number)
    assert dialed_numbers(twilio_api) == numbers


def test_two_campaigns_calling_one_contact_each_retry_it_on_their_own(acme, agent, twilio_api):
    script_dials(twilio_api, 2)
    with tenant_context(acme):
        contact = ContactFactory(phone="+14152000000")
        campaigns = [
            transition(
                CampaignFactory(
                    agent=agent,
                    contact_list=ContactListFactory(contacts=[contact]),
                    max_attempts=2,
                    retry_on=["no_answer"],
                ),
                "start",
            )
            for _ in range(2)
        ]
        for claim in dispatch.tick():
            dispatch.dial(claim.attempt_id, claim.token)
        for call in Call.objects.all():
            apply_status(call, Call.Status.NO_ANSWER)
        retries = Attempt.objects.filter(attempt_no=2)
        assert sorted(retries.values_list("campaign_id", "contact_id")) == [(c.pk, contact.pk) for c in campaigns]
        assert retries.values("idempotency_key").distinct().count() == 2


def test_the_last_call_to_finish_records_when_the_campaign_completed(acme, agent, twilio_api):
    script_dials(twilio_api, 1)
    with tenant_context(acme):
        contact = ContactFactory(phone="+14152000000")
        campaign = transition(
            CampaignFactory(agent=agent, contact_list=ContactListFactory(contacts=[contact])), "start"
        )
        [claim] = dispatch.tick()
        dispatch.dial(claim.attempt_id, claim.token)
        apply_status(Attempt.objects.get().call, Call.Status.COMPLETED, duration_seconds=30)
        campaign = Campaign.objects.get(pk=campaign.pk)
        assert (campaign.status, campaign.completed_at is not None) == ("completed", True)


def test_a_tick_claims_for_every_running_campaign(acme, agent):
    with tenant_context(acme):
        campaigns = [
            transition(CampaignFactory(agent=agent, contact_list=ContactListFactory(contacts=[contact])), "start")
            for contact in (ContactFactory(phone="+14152000000"), ContactFactory(phone="+14152000001"))
        ]
        claimed = {Attempt.objects.get(pk=claim.attempt_id).campaign_id for claim in dispatch.tick()}
    assert claimed == {campaign.pk for campaign in campaigns}


def test_a_campaign_paused_after_the_tick_listed_it_is_not_claimed(acme, agent):
    with tenant_context(acme):
        campaign = transition(campaign_for(agent, 1), "start")
        transition(campaign, "pause")
        assert dispatch._dispatch_campaign(campaign.pk, timezone.now()) == []
        assert Attempt.objects.get().status == "pending"


def test_a_campaign_before_its_start_date_dials_nobody(acme, agent):
    now = timezone.now()
    with tenant_context(acme):
        transition(campaign_for(agent, 2, start_date=(now + timedelta(days=2)).date()), "start", now=now)
        assert dispatch.tick(now=now) == []
        assert set(Attempt.objects.values_list("status", flat=True)) == {"pending"}


def test_a_campaign_past_its_end_date_expires_what_is_left_and_completes(acme, agent):
    now = timezone.now()
    with tenant_context(acme):
        campaign = transition(campaign_for(agent, 2, end_date=(now - timedelta(days=2)).date()), "start", now=now)
        assert dispatch.tick(now=now) == []
        assert set(Attempt.objects.values_list("status", "outcome")) == {("expired", "window_over")}
        campaign.refresh_from_db()
        assert (campaign.status, campaign.completed_at) == ("completed", now)


def test_a_dial_leaves_the_other_attempts_being_dialed_alone(acme, agent, twilio_api):
    script_dials(twilio_api, 1)
    with tenant_context(acme):
        transition(campaign_for(agent, 2), "start")
        first, second = dispatch.tick()
        Attempt.objects.filter(pk=first.attempt_id).update(status="dialing")  # its own task is dialing it now
        dispatch.dial(second.attempt_id, second.token)
        other = Attempt.objects.get(pk=first.attempt_id)
        assert (other.status, other.call) == ("dialing", None)
        assert Attempt.objects.get(pk=second.attempt_id).status == "in_progress"


def test_an_attempt_whose_contact_was_deleted_is_still_dialed(acme, agent, twilio_api):
    script_dials(twilio_api, 1)
    with tenant_context(acme):
        transition(campaign_for(agent, 1, variables={"offer": "cleaning"}), "start")
        [claim] = dispatch.tick()
        Attempt.objects.get().contact.delete()
        dispatch.dial(claim.attempt_id, claim.token)
        call = Attempt.objects.get().call
        assert (call.to_number, call.contact_variables) == ("+14152000000", {"offer": "cleaning"})


def test_every_contact_not_answering_gets_its_own_retry(acme, agent, twilio_api):
    script_dials(twilio_api, 2)
    with tenant_context(acme):
        campaign = transition(campaign_for(agent, 2, max_attempts=2, retry_on=["no_answer"]), "start")
        for claim in dispatch.tick():
            dispatch.dial(claim.attempt_id, claim.token)
        for call in Call.objects.all():
            apply_status(call, Call.Status.NO_ANSWER)
        retried = Attempt.objects.filter(campaign=campaign, attempt_no=2).values_list("number", flat=True)
        assert sorted(retried) == ["+14152000000", "+14152000001"]
