"""Opt-out during a call, at any node, in flow and LLM modes: the caller's words or the tenant's keypad digit end
the call politely with the `opt_out` action (telephony puts the number on the DNC list), before anything else."""

from dataclasses import replace

import pytest

from agents.engine import AgentConfig, Engine, Event
from agents.engine.engine import SAY_OPTED_OUT
from agents.flows import validate
from agents.providers.base import ChatResult, ToolCall
from agents.tests.test_engine_llm import ScriptedLLM
from compliance.opt_out import is_opt_out_request

pytestmark = pytest.mark.usefixtures("no_scheduling")

AGENT = AgentConfig(name="Ava", company="Acme", greeting="Hi, Ava from Acme.", opt_out_digit="9")

FLOW = {
    "schema_version": 1,
    "nodes": [
        {
            "id": "interest",
            "type": "question",
            "start": True,
            "text": "Would you like a demo?",
            "variable": "interest",
            "expect": {"type": "yes_no"},
            "next": "menu",
        },
        {
            "id": "menu",
            "type": "question",
            "text": "Press 1 for sales or 9 for support.",
            "variable": "department",
            "expect": {"type": "options", "options": ["sales"]},
            "dtmf": {"9": "support"},
            "next": "bye",
        },
        {"id": "bye", "type": "action", "action": "end_call"},
    ],
}

OWN_PATH = {
    **FLOW,
    "on_opt_out": "sorry",
    "nodes": FLOW["nodes"]
    + [
        {
            "id": "sorry",
            "type": "action",
            "action": "set_variable",
            "params": {"name": "outcome", "value": "opted out"},
            "text": "So sorry to bother you.",
            "next": "leave",
        },
        {"id": "leave", "type": "action", "action": "opt_out"},
    ],
}


def answer(event, *, flow=FLOW, agent=AGENT, engine=None, before=()):
    engine = engine or Engine()
    result = engine.start(agent, flow, {})
    for earlier in before:
        result = engine.handle(agent, flow, result.state, earlier)
    return engine.handle(agent, flow, result.state, event)


def opt_outs(result):
    return [action for action in result.actions if action["name"] == "opt_out"]


@pytest.mark.parametrize(
    "said",
    [
        "please stop calling me",
        "No. Stop calling me!",
        "Take me off your list.",
        "don't call again",
        "Do not call me again please",
        "Put me on your do-not-call list",
        "never call this number again",
    ],
)
def test_words_asking_not_to_be_called_again_are_recognised(said):
    assert is_opt_out_request(said)


@pytest.mark.parametrize(
    "said", ["Don't call me before noon", "call me again tomorrow", "stop", "I'm not on any list", "yes please"]
)
def test_ordinary_answers_are_not_an_opt_out(said):
    assert not is_opt_out_request(said)


def test_a_spoken_opt_out_at_a_question_ends_the_call_with_a_confirmation():
    result = answer(Event.utterance("Please stop calling me."))
    assert (result.ended, result.end_reason, result.utterances) == (True, "opted_out", [SAY_OPTED_OUT])
    [action] = opt_outs(result)
    assert action["ok"] and action["external"]
    assert action["data"] == {"reason": "opted_out", "source": "opt_out_spoken", "said": "Please stop calling me."}


def test_a_spoken_opt_out_is_heard_at_a_later_question_too():
    result = answer(Event.utterance("take me off your list"), before=[Event.utterance("yes")])
    assert result.end_reason == "opted_out" and opt_outs(result)


def test_the_tenants_opt_out_digit_ends_the_call_as_a_keypad_opt_out():
    result = answer(Event.dtmf("9#"))
    assert (result.end_reason, result.utterances) == ("opted_out", [SAY_OPTED_OUT])
    assert opt_outs(result)[0]["data"]["source"] == "opt_out_dtmf"


def test_a_question_that_maps_the_digit_itself_keeps_it_as_its_answer():
    result = answer(Event.dtmf("9"), before=[Event.utterance("yes")])
    assert not opt_outs(result) and result.state["answers"]["department"] == "support"


def test_without_an_opt_out_digit_the_keypad_opts_nobody_out():
    result = answer(Event.dtmf("9"), agent=replace(AGENT, opt_out_digit=""))
    assert not opt_outs(result) and not result.ended


def test_a_flow_with_its_own_opt_out_path_takes_it():
    result = answer(Event.utterance("stop calling me"), flow=OWN_PATH)
    assert result.utterances == ["So sorry to bother you."]
    assert result.state["answers"]["outcome"] == "opted out" and result.end_reason == "opted_out"
    [action] = opt_outs(result)
    assert action["data"]["source"] == "opt_out_spoken" and action["data"]["said"] == "stop calling me"


def test_a_flow_whose_opt_out_path_names_no_node_is_invalid():
    errors = validate({**FLOW, "on_opt_out": "nowhere"})
    assert [error.code for error in errors] == ["dangling_edge"]


def test_a_node_reached_only_by_the_opt_out_path_is_reachable():
    assert validate(OWN_PATH) == []


def test_in_llm_mode_the_opt_out_comes_before_the_llm():
    llm = ScriptedLLM()
    result = answer(Event.utterance("Don't call me again."), flow=None, engine=Engine(llm=llm))
    assert result.end_reason == "opted_out" and opt_outs(result) and llm.requests == []


def test_the_llm_may_opt_the_caller_out_for_words_the_phrases_miss():
    agent = replace(AGENT, tools_enabled=("opt_out",))
    llm = ScriptedLLM(
        ChatResult(text="Of course, you won't hear from us again.", tool_calls=[ToolCall("1", "opt_out", {})])
    )
    result = answer(
        Event.utterance("I never want to hear from you people"), flow=None, agent=agent, engine=Engine(llm=llm)
    )
    [action] = opt_outs(result)
    assert result.end_reason == "opted_out" and action["data"]["said"] == "I never want to hear from you people"
