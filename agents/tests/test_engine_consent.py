"""Consent to record: an agent set to ask puts the question after its greeting, before the flow; only a clear yes
(spoken, or 1 on the keypad) is consent, and the answer reaches telephony as the `recording_consent` action."""

from dataclasses import replace

import pytest

from agents.engine import AgentConfig, Engine, Event
from agents.engine.engine import CONSENT_NODE
from compliance import opt_out

pytestmark = pytest.mark.usefixtures("no_scheduling")

QUESTION = "May we record this call?"
AGENT = AgentConfig(name="Ava", company="Acme", greeting="Hi, Ava here.", consent_question=QUESTION, opt_out_digit="9")
FLOW = {
    "schema_version": 1,
    "nodes": [
        {"id": "ask", "type": "question", "start": True, "text": "How can I help?", "variable": "need", "next": "end"},
        {"id": "end", "type": "action", "action": "end_call"},
    ],
}


def answered(event, agent=AGENT):
    engine = Engine()
    opening = engine.start(agent, FLOW, {})
    return opening, engine.handle(agent, FLOW, opening.state, event)


def consent(result):
    return [action["data"]["granted"] for action in result.actions if action["name"] == "recording_consent"]


def test_the_question_comes_after_the_greeting_and_before_the_flow():
    opening, _ = answered(Event.utterance("yes"))
    assert opening.utterances == ["Hi, Ava here.", QUESTION]
    assert opening.node_id == CONSENT_NODE and opening.expect.classes == ("yes_no",)
    assert set(opt_out.PHRASES) <= set(opening.expect.phrases)


@pytest.mark.parametrize("event", [Event.utterance("Yes, that's fine"), Event.dtmf("1")])
def test_a_yes_is_consent_and_the_flow_begins(event):
    _, result = answered(event)
    assert consent(result) == [True] and result.utterances == ["How can I help?"]


@pytest.mark.parametrize(
    "event", [Event.utterance("No thanks"), Event.dtmf("2"), Event.utterance("what is this about")]
)
def test_a_no_or_an_unclear_answer_is_no_consent_and_the_call_goes_on(event):
    _, result = answered(event)
    assert consent(result) == [False] and result.state["answers"]["recording_consent"] == "no"
    assert result.node_id == "ask" and not result.ended


def test_asking_not_to_be_called_again_at_the_question_opts_out():
    _, result = answered(Event.utterance("stop calling me"))
    assert result.end_reason == "opted_out" and consent(result) == []


def test_an_agent_that_does_not_ask_starts_its_flow_at_once():
    opening, _ = answered(Event.utterance("hello"), agent=replace(AGENT, consent_question=""))
    assert opening.utterances == ["Hi, Ava here.", "How can I help?"]
