"""A contact's custom field from a CSV import is spoken in a call's flow as `{contact.<field>}`."""

import pytest
from django_tenants.utils import tenant_context

from agents.engine import AgentConfig, Engine
from calls.media.services import call_variables
from calls.models import Call
from calls.tests.factories import CallFactory
from contacts import services
from contacts.models import Contact

pytestmark = pytest.mark.django_db

AGENT = AgentConfig(name="Ava", company="Acme Dental", greeting="Hello, this is {agent.name}.")
FLOW = {
    "schema_version": 1,
    "nodes": [
        {
            "id": "ask",
            "type": "question",
            "start": True,
            "variable": "still_fan",
            "expect": {"type": "yes_no"},
            "text": "Hi {contact.first_name}, do you still like {contact.favorite_color} on your {contact.plan|} plan?",
            "next": "bye",
        },
        {"id": "bye", "type": "action", "action": "end_call", "text": "Goodbye!"},
    ],
}


def test_an_imported_custom_field_renders_in_the_flow_of_a_call_to_the_contact(acme):
    with tenant_context(acme):
        services.import_contacts(b"Phone,First Name,Favorite Color,Plan\n+14155550101,Ann,teal,Gold\n")
        ann = Contact.objects.get()
        call = CallFactory(
            direction=Call.Direction.OUTBOUND, to_number=ann.phone, contact=ann, contact_variables=ann.variables()
        )

        result = Engine().start(AGENT, FLOW, call_variables(call))

    assert result.utterances == ["Hello, this is Ava.", "Hi Ann, do you still like teal on your Gold plan?"]
