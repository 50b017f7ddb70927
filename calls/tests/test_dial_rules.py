"""place_call rules that mutation testing of calls/services/dialing.py found unguarded: the flow an outbound call
runs, and an idempotency key replayed with a number that is not one."""

import pytest
from django_tenants.utils import tenant_context

from agents.services.templates import install_library_template
from agents.tests.factories import AgentFactory
from calls.services import place_call
from calls.tests.factories import (
    API_PREFIX,
    PhoneNumberFactory,
    TwilioAccountFactory,
    call_resource,
    call_sid,
    twilio_api,
)
from config.errors import Conflict

pytestmark = pytest.mark.django_db
__all__ = ["twilio_api"]

CALLER_ID = "+14155550100"
CONTACT = "+14155550123"
TWILIO_CALLS = f"{API_PREFIX}/Calls.json"


@pytest.fixture
def agent(acme):
    with tenant_context(acme):
        TwilioAccountFactory()
        agent = AgentFactory()
        PhoneNumberFactory(number=CALLER_ID, agent=agent)
        return agent


def script_dial(twilio_api):
    twilio_api.add("POST", TWILIO_CALLS, status=201, json=call_resource(call_sid(), to=CONTACT, from_=CALLER_ID))


def test_an_outbound_call_runs_the_flow_its_agent_has_when_it_is_placed(acme, agent, twilio_api):
    script_dial(twilio_api)
    with tenant_context(acme):
        template, _ = install_library_template("medical-receptionist")
        agent.template = template
        agent.save(update_fields=["template"])
        call, _ = place_call(acme, agent=agent, to_number=CONTACT)
        assert call.flow_version == template.latest_version is not None


def test_a_key_replayed_with_an_invalid_number_is_refused_as_reused(acme, agent, twilio_api):
    """Not the first call back: the replay must name the same number as the call the key placed."""
    script_dial(twilio_api)
    with tenant_context(acme):
        place_call(acme, agent=agent, to_number=CONTACT, idempotency_key="k-1")
        with pytest.raises(Conflict) as refused:
            place_call(acme, agent=agent, to_number="call me", idempotency_key="k-1")
    assert refused.value.error_code == "idempotency_key_reused"
