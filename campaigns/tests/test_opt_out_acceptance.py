"""Acceptance (issue 21): a contact who says "please stop calling me" on a campaign call, or presses the tenant's
opt-out digit, hears a confirmation, the call ends, the number is on the tenant's DNC list with the source and the
call, and the next campaign attempt to it is refused with the reason. The whole way: the dispatcher dials through
the fake Twilio API, Twilio's side of the media stream is simulated, the caller's voice is synthesized."""

import pytest
from channels.db import database_sync_to_async
from django_tenants.utils import tenant_context

from agents.services.templates import install_library_template
from calls.models import Call
from calls.services import place_call
from calls.simulator import Press, Say, WaitForAgent
from calls.tests.factories import API_PREFIX, call_resource, call_sid, twilio_api
from calls.tests.media_helpers import caller_says, finished_call, heard, run_call
from campaigns.models import Attempt
from campaigns.services import dispatch
from campaigns.services.lifecycle import transition
from campaigns.tests.conftest import CALLER_ID, TWILIO_CALLS, campaign_for, dialed_numbers, ready_to_dial
from campaigns.tests.factories import CampaignFactory
from compliance.models import AuditEvent, DncEntry
from compliance.services import OnDncList
from contacts.models import Contact
from contacts.tests.factories import ContactListFactory
from tenants.models import Tenant

pytestmark = [pytest.mark.usefixtures("committed_db"), pytest.mark.slow]
__all__ = ["twilio_api"]

CONTACT = "+14152000000"  # the first number `campaign_for` gives out
# The sales template's own opt-out path says it.
CONFIRMATION = ("i'm sorry to have bothered you", "we won't call you again")


def run_campaign(agent, contact=None):
    """A campaign calling the contact (a new one, numbered CONTACT, by default), started and dispatched once."""
    if contact is None:
        campaign = campaign_for(agent, 1)
    else:
        campaign = CampaignFactory(agent=agent, contact_list=ContactListFactory(contacts=[contact]))
    transition(campaign, "start")
    for claim in dispatch.tick():
        dispatch.dial(claim.attempt_id, claim.token)
    return Attempt.objects.get(campaign=campaign)


@database_sync_to_async
def campaign_call(twilio_api) -> tuple[dict, object]:
    """Acme's sales agent calls the contact from a campaign: the dial reaches Twilio, which will accept the hang-up."""
    sid = call_sid()
    twilio_api.add("POST", TWILIO_CALLS, status=201, json=call_resource(sid, to=CONTACT, from_=CALLER_ID))
    twilio_api.add(
        "POST",
        f"{API_PREFIX}/Calls/{sid}.json",
        json=call_resource(sid, to=CONTACT, from_=CALLER_ID, status="completed"),
    )
    with tenant_context(Tenant.objects.get(slug="acme")):
        agent = ready_to_dial()
        agent.template, _ = install_library_template("sales-appointment-setting")
        agent.save(update_fields=["template"])
        attempt = run_campaign(agent)
        assert attempt.call.twilio_call_sid == sid
        return {"id": attempt.call_id, "sid": sid, "tenant": "acme"}, agent


@database_sync_to_async
def next_campaign(agent, twilio_api):
    with tenant_context(Tenant.objects.get(slug="acme")):
        dials_before = len(dialed_numbers(twilio_api))
        attempt = run_campaign(agent, Contact.objects.get(phone=CONTACT))
        assert len(dialed_numbers(twilio_api)) == dials_before
        return attempt


@database_sync_to_async
def single_call(agent) -> OnDncList:
    acme = Tenant.objects.get(slug="acme")
    with tenant_context(acme), pytest.raises(OnDncList) as refused:
        place_call(acme, agent=agent, to_number=CONTACT)
    return refused.value


@database_sync_to_async
def dnc_entry():
    with tenant_context(Tenant.objects.get(slug="acme")):
        entry = DncEntry.objects.get(number=CONTACT)
        event = AuditEvent.objects.get(action="dnc.added", target=CONTACT)
        return entry, event


async def opt_out_by(script, twilio_api):
    call, agent = await campaign_call(twilio_api)
    result, _ = await run_call(call, [WaitForAgent(), *script, WaitForAgent()], linger_ms=3000)
    stored, turns = await finished_call("acme", call["id"])
    return call, agent, result, stored


async def test_a_contact_who_says_stop_calling_me_is_never_dialed_again(twilio_api):
    call, agent, result, stored = await opt_out_by([Say(caller_says("please stop calling me"))], twilio_api)

    assert heard(result.answers[-1], *CONFIRMATION, "do you have a minute to talk") == list(CONFIRMATION)
    assert (stored.status, stored.end_reason) == (Call.Status.COMPLETED, "opted_out")
    entry, event = await dnc_entry()
    assert (entry.source, entry.call_id, entry.reason) == ("opt_out_spoken", call["id"], "please stop calling me")
    assert event.data["call_id"] == call["id"]

    attempt = await next_campaign(agent, twilio_api)
    assert (attempt.status, attempt.outcome) == ("skipped_dnc", "on_dnc_list")
    refusal = await single_call(agent)
    assert (refusal.error_code, refusal.detail) == ("on_dnc_list", f"{CONTACT} is on the Do-Not-Call list.")


async def test_a_contact_who_presses_the_opt_out_digit_is_never_dialed_again(twilio_api):
    call, agent, result, stored = await opt_out_by([Press("9#")], twilio_api)

    assert (stored.status, stored.end_reason) == (Call.Status.COMPLETED, "opted_out")
    entry, _ = await dnc_entry()
    assert (entry.source, entry.call_id) == ("opt_out_dtmf", call["id"])
    assert heard(result.answers[-1], *CONFIRMATION, "do you have a minute to talk") == list(CONFIRMATION)

    attempt = await next_campaign(agent, twilio_api)
    assert (attempt.status, attempt.outcome) == ("skipped_dnc", "on_dnc_list")
