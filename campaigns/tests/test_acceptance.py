"""Acceptance: a campaign of 1,000 contacts dispatches with pacing and concurrency respected (time driven by an
injected clock, dials at the fake Twilio HTTP boundary), retries its no-answers per policy, and completes."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from calls.models import Call
from calls.services.lifecycle import apply_status
from campaigns.models import Attempt, Campaign
from campaigns.services import dispatch
from campaigns.services.lifecycle import transition
from campaigns.tests.conftest import dialed_numbers, script_dials, twilio_api
from campaigns.tests.factories import CampaignFactory
from compliance.models import AuditEvent
from compliance.services import add_dnc_entry
from contacts.models import Contact
from contacts.tests.factories import ContactListFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
__all__ = ["twilio_api"]

SIZE, CALLS_PER_MINUTE, MAX_CONCURRENT, CALL_LENGTH, TICK = 1000, 100, 30, timedelta(seconds=10), timedelta(seconds=5)


def number(n):
    return f"+1415200{n:04d}"


def max_dials_in_any_minute(times):
    times, most, first = sorted(times), 0, 0
    for last, at in enumerate(times):
        while times[first] <= at - timedelta(minutes=1):
            first += 1
        most = max(most, last - first + 1)
    return most


def test_a_campaign_of_1000_contacts_is_paced_retries_no_answers_and_completes(acme, agent, twilio_api):
    blocked = {number(n) for n in range(0, SIZE, 50)}  # 20 numbers on the DNC list
    no_answer_first = {number(n) for n in range(SIZE) if n % 4 == 1}  # 250 who do not pick up the first time
    script_dials(twilio_api, SIZE + len(no_answer_first))
    now = start = timezone.now()
    with tenant_context(acme):
        for blocked_number in blocked:
            add_dnc_entry(blocked_number)
        contacts = Contact.objects.bulk_create([Contact(phone=number(n)) for n in range(SIZE)])
        campaign = CampaignFactory(
            agent=agent,
            contact_list=ContactListFactory(contacts=contacts),
            calls_per_minute=CALLS_PER_MINUTE,
            max_concurrent_calls=MAX_CONCURRENT,
            max_attempts=3,
            retry_delay_minutes=2,
            retry_on=["no_answer"],
        )
        transition(campaign, "start", now=now)
        most_live = 0
        while Campaign.objects.get(pk=campaign.pk).status == "running" and now < start + timedelta(hours=1):
            for claim in dispatch.tick(now=now):
                dispatch.dial(claim.attempt_id, claim.token, now=now)
            live = Attempt.objects.filter(campaign=campaign, status__in=("claimed", "dialing", "in_progress"))
            most_live = max(most_live, live.count())
            # Twilio reports each call over CALL_LENGTH after it was dialed.
            for attempt in live.filter(dialed_at__lte=now - CALL_LENGTH).select_related("call"):
                status = (
                    Call.Status.NO_ANSWER
                    if attempt.attempt_no == 1 and attempt.number in no_answer_first
                    else Call.Status.COMPLETED
                )
                apply_status(attempt.call, status, duration_seconds=30 if status == Call.Status.COMPLETED else None)
            now += TICK

        campaign.refresh_from_db()
        assert campaign.status == "completed"
        attempts = list(campaign.attempts.select_related("call"))
        assert Counter(a.status for a in attempts) == {
            "done": SIZE - len(blocked) + len(no_answer_first - blocked),
            "skipped_dnc": len(blocked),
        }
        dialed_times = [a.dialed_at for a in attempts if a.dialed_at]
        assert max_dials_in_any_minute(dialed_times) <= CALLS_PER_MINUTE
        assert max_dials_in_any_minute(dialed_times) == CALLS_PER_MINUTE  # and the pace was actually used
        assert most_live == MAX_CONCURRENT  # reached, never exceeded
        retries = [a for a in attempts if a.attempt_no == 2]
        assert {a.number for a in retries} == no_answer_first - blocked
        firsts = {a.number: a for a in attempts if a.attempt_no == 1}
        for retry in retries:
            assert retry.due_at - firsts[retry.number].call.ended_at >= timedelta(minutes=2)
            assert retry.dialed_at >= retry.due_at
        assert AuditEvent.objects.filter(action="campaign.completed", target=f"campaign:{campaign.pk}").count() == 1

    # Exactly one Twilio create per attempt dialed: once per number, twice for those retried.
    expected = Counter({n: 1 for n in map(number, range(SIZE)) if n not in blocked})
    expected.update(no_answer_first - blocked)
    assert Counter(dialed_numbers(twilio_api)) == expected
