"""Conditions branch deterministically on the last answer or a variable; unmatched answers take the else branch."""

import pytest

from agents.engine import AgentConfig, Engine, Event
from agents.flows.conditions import matches, parse_number, yes_no

AGENT = AgentConfig(name="Ava", company="Acme Dental")


def route_flow(*branches, subject=None):
    route = {"id": "route", "type": "condition", "branches": list(branches), "else": "other"}
    if subject:
        route["subject"] = subject
    return {
        "schema_version": 1,
        "nodes": [
            {"id": "ask", "type": "question", "text": "Well?", "variable": "answer", "next": "route", "start": True},
            route,
            *[
                {"id": target, "type": "action", "action": "end_call", "text": target}
                for target in sorted({b["next"] for b in branches} | {"other"})
            ],
        ],
    }


def branch_taken(flow, answer):
    engine = Engine()
    state = engine.start(AGENT, flow, {}).state
    return engine.handle(AGENT, flow, state, Event.utterance(answer)).node_id


@pytest.mark.parametrize(
    "answer, taken",
    [
        ("I'd like to book an appointment", "book"),
        ("BOOK!", "book"),
        ("I want to make a booking", "other"),  # whole words only
        ("what are your hours", "other"),
    ],
)
def test_contains_matches_whole_words_case_insensitively(answer, taken):
    assert branch_taken(route_flow({"op": "contains", "value": ["book", "schedule"], "next": "book"}), answer) == taken


@pytest.mark.parametrize("answer, taken", [("Rent.", "rent"), ("  rent ", "rent"), ("rent please", "other")])
def test_equals_matches_the_whole_answer_ignoring_case_and_punctuation(answer, taken):
    assert branch_taken(route_flow({"op": "equals", "value": "rent", "next": "rent"}), answer) == taken


@pytest.mark.parametrize("answer, taken", [("my zip is 90210", "zip"), ("my zip is 9021", "other")])
def test_regex_searches_the_answer(answer, taken):
    assert branch_taken(route_flow({"op": "regex", "value": r"\b\d{5}\b", "next": "zip"}), answer) == taken


INTENTS = [
    {"op": "intent", "value": "book", "examples": ["book an appointment", "schedule a visit"], "next": "book"},
    {"op": "intent", "value": "cancel", "examples": ["cancel my appointment", "call off my visit"], "next": "cancel"},
]


@pytest.mark.parametrize(
    "answer, taken",
    [
        ("I need to schedule a visit next week", "book"),
        ("please cancel the appointment I have", "cancel"),
        ("can I call off my visit", "cancel"),
        ("what's the weather like", "other"),
    ],
)
def test_intent_picks_the_closest_intent_of_the_node(answer, taken):
    assert branch_taken(route_flow(*INTENTS), answer) == taken


@pytest.mark.parametrize(
    "answer, taken",
    [
        ("yes", "yes"),
        ("yeah, sure", "yes"),
        ("sure, why not", "yes"),
        ("that's right", "yes"),
        ("no", "no"),
        ("not really", "no"),
        ("nope", "no"),
        ("no, that's not right", "no"),
        ("maybe later", "other"),
    ],
)
def test_yes_and_no_recognise_everyday_answers(answer, taken):
    flow = route_flow({"op": "yes", "next": "yes"}, {"op": "no", "next": "no"})
    assert branch_taken(flow, answer) == taken


@pytest.mark.parametrize(
    "answer, taken",
    [
        ("around $450,000", "high"),
        ("four hundred fifty thousand", "high"),
        ("500k", "high"),
        ("one hundred thousand dollars", "low"),
        ("99999", "low"),
        ("I have no idea", "other"),
    ],
)
def test_numeric_compare_reads_written_and_spoken_numbers(answer, taken):
    flow = route_flow({"op": "gte", "value": 200000, "next": "high"}, {"op": "lt", "value": 200000, "next": "low"})
    assert branch_taken(flow, answer) == taken


@pytest.mark.parametrize(
    "op, value, subject, expected",
    [
        ("eq", 2, "two people", True),
        ("eq", 2, "3", False),
        ("lt", 10, "nine", True),
        ("lte", 10, "10", True),
        ("gt", 8, "twelve of us", True),
        ("gt", 8, "8", False),
        ("gte", 8, 8, True),
    ],
)
def test_each_numeric_operator(op, value, subject, expected):
    assert matches({"op": op, "value": value}, subject) is expected


def test_branches_are_tried_in_order():
    flow = route_flow(
        {"op": "contains", "value": "book", "next": "first"},
        {"op": "contains", "value": "appointment", "next": "second"},
    )
    assert branch_taken(flow, "book an appointment") == "first"


def test_a_condition_can_branch_on_a_variable_instead_of_the_last_answer():
    flow = route_flow({"op": "equals", "value": "vip", "next": "vip"}, subject="contact.tier")
    engine = Engine()
    state = engine.start(AGENT, flow, {"contact": {"tier": "VIP"}}).state
    assert engine.handle(AGENT, flow, state, Event.utterance("no idea")).node_id == "vip"


def test_an_empty_answer_takes_the_else_branch():
    flow = route_flow({"op": "yes", "next": "yes"}, {"op": "gt", "value": 1, "next": "many"})
    assert branch_taken(flow, "") == "other"


def test_yes_no_is_none_for_an_unclear_answer():
    assert yes_no("I guess it depends") is None


def test_parse_number_takes_the_first_number_mentioned():
    assert parse_number("3 adults and two kids") == 3
    assert parse_number("two adults and 3 kids") == 2
