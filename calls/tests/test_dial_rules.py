"""place_call rules that mutation testing of calls/services/dialing.py found unguarded: the flow an outbound call
runs, and an idempotency key replayed with a number that is not one."""

import pytest
from django_tenants.utils import tenant_context

from agents.services.templates import install_library_template
from calls.services import place_call
from calls.tests.factories import (
    CONTACT,
    dialable_agent,
    script_dial,
    twilio_api,
)
from config.errors import Conflict

pytestmark = pytest.mark.django_db
__all__ = ["twilio_api"]


@pytest.fixture
def agent(acme):
    with tenant_context(acme):
        return dialable_agent()


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
