"""Bulk calls and calls scheduled for a time: both become campaigns, so one dispatcher dials everything."""

import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from campaigns.models import Attempt, Campaign, idempotency_key
from campaigns.services.lifecycle import transition
from contacts.models import Contact
from contacts.services import add_to_list, create_contact_list, upsert_contacts_for_numbers


@transaction.atomic
def bulk_calls(*, agent, numbers=(), contacts=(), name="", schedule: datetime | None = None, **policy) -> Campaign:
    """A campaign over a new list of the given contacts (ids) and numbers (contacts made for new numbers), running
    now or scheduled. An invalid number is a 400 naming it (`numbers.<index>`) and nothing is made."""
    people = set(contacts)  # ids; unknown ones are a 400 from add_to_list
    if numbers:
        people |= {contact.pk for contact in upsert_contacts_for_numbers(list(numbers), source=Contact.Source.API)}
    now = timezone.now()
    name = name or f"Bulk calls {now:%Y-%m-%d %H:%M:%S}"
    # List names are unique per tenant; the suffix keeps two bulk requests of the same name apart.
    contact_list = create_contact_list(
        name=f"{name} ({uuid.uuid4().hex[:8]})", description="Made by a bulk call request."
    )
    add_to_list(contact_list, people)
    campaign = Campaign.objects.create(name=name, agent=agent, contact_list=contact_list, **policy)
    if schedule is not None:
        return transition(campaign, "schedule", starts_at=schedule, now=now)
    return transition(campaign, "start", now=now)


@transaction.atomic
def schedule_call(*, agent, to: str, at: datetime, variables=None, voicemail_action="") -> Campaign:
    """One call at `at`: a running campaign of kind `single_call` with one attempt due then (cancel it like any
    campaign). Pacing and retries keep the model's defaults."""
    [contact] = upsert_contacts_for_numbers([to], source=Contact.Source.API)
    campaign = Campaign.objects.create(
        name=f"Call to {contact.phone} at {at:%Y-%m-%d %H:%M %Z}",
        kind=Campaign.Kind.SINGLE_CALL,
        agent=agent,
        status=Campaign.Status.RUNNING,
        started_at=timezone.now(),
        variables=variables or {},
        voicemail_action=voicemail_action or "",
    )
    Attempt.objects.create(
        campaign=campaign,
        contact=contact,
        number=contact.phone,
        due_at=at,
        idempotency_key=idempotency_key(campaign.pk, contact.pk, 1),
    )
    return campaign
