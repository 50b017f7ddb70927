"""The opening disclosure: per agent, said before anything else (even the greeting), on by default on outbound
calls only; the prepared greeting audio of a call is the disclosure when there is one, so it plays at once."""

import pytest
from django_tenants.utils import tenant_context

from agents.engine import AgentConfig, Engine
from agents.services.conversations import DEFAULT_DISCLOSURE, agent_config
from agents.tests.factories import AgentFactory
from calls.media.greetings import greeting_text
from calls.models import Call
from calls.services import start_call
from compliance.tests.factories import ComplianceSettingsFactory

pytestmark = pytest.mark.django_db

FLOW = {
    "schema_version": 1,
    "nodes": [
        {"id": "ask", "type": "question", "start": True, "text": "How can I help?", "variable": "x", "next": "end"},
        {"id": "end", "type": "action", "action": "end_call"},
    ],
}


def test_the_engine_says_the_disclosure_before_the_greeting():
    agent = AgentConfig(
        name="Ava", company="Acme", greeting="Hi, Ava here.", disclosure="An AI assistant for {company}."
    )
    assert Engine().start(agent, FLOW, {}).utterances == [
        "An AI assistant for Acme.",
        "Hi, Ava here.",
        "How can I help?",
    ]


def test_without_a_disclosure_the_greeting_comes_first():
    agent = AgentConfig(name="Ava", company="Acme", greeting="Hi, Ava here.")
    assert Engine().start(agent, FLOW, {}).utterances[0] == "Hi, Ava here."


@pytest.mark.parametrize(
    "setting, direction, expected",
    [
        ("outbound", "outbound", DEFAULT_DISCLOSURE),
        ("outbound", "inbound", ""),
        ("outbound", "", ""),
        ("always", "inbound", DEFAULT_DISCLOSURE),
        ("never", "outbound", ""),
    ],
)
def test_an_agent_discloses_on_the_calls_it_is_set_for(acme, setting, direction, expected):
    with tenant_context(acme):
        agent = AgentFactory(disclosure=setting)
        assert agent_config(agent, examples=[], direction=direction).disclosure == expected


def test_an_outbound_agent_discloses_by_default_in_its_own_words(acme):
    with tenant_context(acme):
        agent = AgentFactory(disclosure_text="Heads up: I'm {agent.name}, a virtual assistant of {company}.")
        assert agent.disclosure == "outbound"
        assert agent_config(agent, examples=[], direction="outbound").disclosure == agent.disclosure_text


def test_an_outbound_calls_prepared_first_words_are_the_disclosure(acme):
    with tenant_context(acme):
        agent = AgentFactory(greeting="Hello from {company}!")
        outbound = start_call(direction=Call.Direction.OUTBOUND, agent=agent, to_number="+14155550123")
        inbound = start_call(direction=Call.Direction.INBOUND, agent=agent, from_number="+14155550123")
        assert greeting_text(outbound) == f"This call is handled by an AI assistant for {acme.name}."
        assert greeting_text(inbound) == f"Hello from {acme.name}!"


# The tenant's recording disclosure --------------------------------------------------------------------


@pytest.mark.parametrize(
    "setting, direction, expected",
    [
        ("outbound", "inbound", "This call is recorded."),
        ("outbound", "outbound", f"This call is recorded. {DEFAULT_DISCLOSURE}"),
        ("never", "outbound", "This call is recorded."),
        ("always", "", ""),  # a sandbox conversation records nothing
    ],
)
def test_a_tenant_that_records_its_calls_says_so_first_on_every_call(acme, setting, direction, expected):
    with tenant_context(acme):
        ComplianceSettingsFactory(record_calls=True)
        agent = AgentFactory(disclosure=setting)
        assert agent_config(agent, examples=[], direction=direction).disclosure == expected


def test_the_recording_disclosure_is_said_in_the_tenants_words(acme):
    with tenant_context(acme):
        ComplianceSettingsFactory(record_calls=True, recording_disclosure="We record calls at {company}.")
        agent = AgentFactory(disclosure="never", greeting="Hi!")
        inbound = start_call(direction=Call.Direction.INBOUND, agent=agent, from_number="+14155550123")
        assert greeting_text(inbound) == f"We record calls at {acme.name}."


def test_a_blank_recording_disclosure_says_nothing_of_recording(acme):
    with tenant_context(acme):
        ComplianceSettingsFactory(record_calls=True, recording_disclosure="")
        agent = AgentFactory(disclosure="never")
        assert agent_config(agent, examples=[], direction="inbound").disclosure == ""


def test_a_tenant_that_does_not_record_says_nothing_of_recording(acme):
    with tenant_context(acme):
        ComplianceSettingsFactory(record_calls=False, recording_disclosure="This call is recorded.")
        agent = AgentFactory(disclosure="outbound")
        assert agent_config(agent, examples=[], direction="inbound").disclosure == ""
        assert agent_config(agent, examples=[], direction="outbound").disclosure == DEFAULT_DISCLOSURE


def test_the_engine_says_the_recording_disclosure_before_the_greeting(acme):
    with tenant_context(acme):
        ComplianceSettingsFactory(record_calls=True)
        agent = AgentFactory(disclosure="never", greeting="Hi, Ava here.")
        config = agent_config(agent, examples=[], direction="inbound")
    assert Engine().start(config, FLOW, {}).utterances[:2] == ["This call is recorded.", "Hi, Ava here."]
