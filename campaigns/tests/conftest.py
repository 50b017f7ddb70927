"""A tenant ready to dial (Twilio account, an agent with a caller id, calls allowed at any hour) and Twilio's
REST API faked at the HTTP boundary, answering each dial with a new call sid."""

from datetime import time

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from agents.tests.factories import AgentFactory
from billing.tests.factories import put_on_plan
from calls.tests.factories import (
    API_PREFIX,
    PhoneNumberFactory,
    TwilioAccountFactory,
    call_resource,
    call_sid,
    twilio_api,
)
from campaigns.tests.factories import CampaignFactory
from compliance.services import update_settings
from config.weekly_hours import WEEKDAYS
from contacts.tests.factories import ContactFactory, ContactListFactory

__all__ = ["twilio_api"]

CALLER_ID = "+14155550100"
TWILIO_CALLS = f"{API_PREFIX}/Calls.json"


def ready_to_dial(max_concurrent_calls=1000):
    """In the current tenant: an agent that can dial, on a plan whose line limit does not get in the way."""
    TwilioAccountFactory()
    put_on_plan(connection.tenant, max_concurrent_calls=max_concurrent_calls)
    update_settings(calling_window_start=time(0), calling_window_end=time(0), calling_days=WEEKDAYS)
    agent = AgentFactory()
    PhoneNumberFactory(number=CALLER_ID, agent=agent)
    return agent


@pytest.fixture
def agent(acme):
    with tenant_context(acme):
        return ready_to_dial()


def script_dials(fake, count, *, delay_on=None, delay=0.0):
    """`count` Twilio answers to POST Calls.json, each a new call sid; `delay_on` (1-based) answers slowly."""
    for n in range(1, count + 1):
        fake.add(
            "POST",
            TWILIO_CALLS,
            status=201,
            json=call_resource(call_sid(), to="+14155550123", from_=CALLER_ID),
            delay=delay if n == delay_on else 0.0,
        )


def dialed_numbers(fake) -> list[str]:
    from urllib.parse import parse_qs

    return [parse_qs(request.body.decode())["To"][0] for request in fake.requests_to("POST", TWILIO_CALLS)]


def campaign_for(agent, size, **fields):
    """A draft campaign of `size` new contacts (numbers +1415200NNNN)."""
    contacts = [ContactFactory(phone=f"+1415200{n:04d}") for n in range(size)]
    return CampaignFactory(agent=agent, contact_list=ContactListFactory(contacts=contacts), **fields)
