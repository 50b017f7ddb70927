"""The engine walking flow nodes: greeting, questions, events, actions, variables, state and timings."""

import json

import pytest

from agents.engine import ActionResult, AgentConfig, Engine, Event, expectation_at, registry
from agents.providers.base import Expectation
from compliance import opt_out

# The engine is specified here on its own: booking is unavailable unless a test registers it.
pytestmark = pytest.mark.usefixtures("no_scheduling")

AGENT = AgentConfig(
    name="Ava",
    company="Acme Dental",
    greeting="Hello, this is {agent.name} at {company}.",
    max_silence_prompts=2,
    transfer_number="+15550100",
)

FLOW = {
    "schema_version": 1,
    "nodes": [
        {
            "id": "visit",
            "type": "question",
            "start": True,
            "text": "{contact.first_name|Hi}, is this your first visit?",
            "variable": "first_visit",
            "expect": {"type": "yes_no"},
            "next": "service",
        },
        {
            "id": "service",
            "type": "question",
            "text": "Cleaning, filling or whitening?",
            "variable": "service",
            "expect": {"type": "options", "options": ["cleaning", "filling", "whitening"]},
            "dtmf": {"9": "emergency"},
            "next": "account",
        },
        {
            "id": "account",
            "type": "question",
            "text": "Your account number?",
            "variable": "account",
            "expect": {"type": "digits"},
            "reprompt": "Please type your account number.",
            "next": "sms",
        },
        {
            "id": "sms",
            "type": "action",
            "action": "send_sms",
            "text": "Noted: {answers.service}.",
            "params": {"body": "{answers.service} for account {answers.account}"},
            "next": "bye",
        },
        {"id": "bye", "type": "action", "action": "end_call", "text": "Goodbye {contact.first_name|}!"},
    ],
}
CONTACT = {"contact": {"first_name": "Ann", "phone": "+15550123"}}


def started(engine=None, flow=FLOW, variables=CONTACT):
    engine = engine or Engine()
    return engine, engine.start(AGENT, flow, variables)


def test_start_says_the_greeting_then_the_first_question_with_variables_filled_in():
    _, result = started()
    assert result.utterances == ["Hello, this is Ava at Acme Dental.", "Ann, is this your first visit?"]
    assert result.node_id == "visit" and not result.ended and result.actions == []


def test_a_missing_variable_uses_its_fallback_instead_of_failing():
    _, result = started(variables={})
    assert result.utterances[1] == "Hi, is this your first visit?"


def test_the_expectation_comes_from_the_question():
    engine, result = started()
    assert result.expect == Expectation(phrases=opt_out.PHRASES, classes=("yes_no",))
    result = engine.handle(AGENT, FLOW, result.state, Event.utterance("yes"))
    assert result.expect == Expectation(phrases=("cleaning", "filling", "whitening", *opt_out.PHRASES))


def test_a_stored_conversation_expects_what_its_waiting_question_does():
    engine, result = started()
    result = engine.handle(AGENT, FLOW, result.state, Event.utterance("yes"))

    assert expectation_at(FLOW, result.state) == Expectation(
        phrases=("cleaning", "filling", "whitening", *opt_out.PHRASES)
    )


def test_an_ended_conversation_or_an_unknown_node_expects_nothing_in_particular():
    assert expectation_at(FLOW, {"node": "service", "ended": True}) == Expectation()
    assert expectation_at(FLOW, {"node": "gone", "ended": False}) == Expectation()


def test_an_answer_is_stored_and_the_next_question_asked():
    engine, result = started()
    result = engine.handle(AGENT, FLOW, result.state, Event.utterance("Yes it is"))
    assert result.state["answers"] == {"first_visit": "Yes it is"}
    assert result.utterances == ["Cleaning, filling or whitening?"]


def test_dtmf_picks_an_option_by_its_number():
    engine, result = started()
    result = engine.handle(AGENT, FLOW, result.state, Event.dtmf("1"))
    assert result.state["answers"]["first_visit"] == "yes"
    result = engine.handle(AGENT, FLOW, result.state, Event.dtmf("2"))
    assert result.state["answers"]["service"] == "filling"


def test_dtmf_uses_the_question_map_first():
    engine, result = started()
    result = engine.handle(AGENT, FLOW, result.state, Event.dtmf("2"))
    assert result.state["answers"]["first_visit"] == "no"
    result = engine.handle(AGENT, FLOW, result.state, Event.dtmf("9"))
    assert result.state["answers"]["service"] == "emergency"


def test_dtmf_digits_answer_an_open_question_as_typed():
    engine, result = started()
    for event in (Event.utterance("yes"), Event.utterance("cleaning")):
        result = engine.handle(AGENT, FLOW, result.state, event)
    result = engine.handle(AGENT, FLOW, result.state, Event.dtmf("4471#"))
    assert result.state["answers"]["account"] == "4471"


def test_silence_reprompts_then_ends_the_call_politely():
    engine, result = started()
    result = engine.handle(AGENT, FLOW, result.state, Event.silence())
    assert result.utterances == ["Sorry, I didn't catch that. Ann, is this your first visit?"]
    assert not result.ended
    result = engine.handle(AGENT, FLOW, result.state, Event.silence())
    assert not result.ended
    result = engine.handle(AGENT, FLOW, result.state, Event.silence())
    assert result.ended and result.end_reason == "silence"
    assert "Goodbye" in result.utterances[-1]


def test_a_question_can_have_its_own_reprompt():
    engine, result = started()
    for event in (Event.utterance("yes"), Event.utterance("cleaning"), Event.silence()):
        result = engine.handle(AGENT, FLOW, result.state, event)
    assert result.utterances == ["Please type your account number."]


def test_an_answer_resets_the_silence_count():
    engine, result = started()
    for event in (Event.silence(), Event.silence(), Event.utterance("yes"), Event.silence(), Event.silence()):
        result = engine.handle(AGENT, FLOW, result.state, event)
    assert not result.ended


def test_an_interruption_is_recorded_and_waits_for_the_caller():
    engine, result = started()
    result = engine.handle(AGENT, FLOW, result.state, Event.interruption("Hello, this is Ava"))
    assert result.utterances == [] and not result.ended and result.node_id == "visit"
    assert result.state["interruptions"] == [{"turn": 1, "node": "visit", "heard": "Hello, this is Ava"}]
    assert result.state["history"][-1]["content"] == "Hello, this is Ava [interrupted by the caller]"
    result = engine.handle(AGENT, FLOW, result.state, Event.utterance("yes"))
    assert result.utterances == ["Cleaning, filling or whitening?"]


def test_external_actions_are_returned_for_telephony_to_perform():
    engine, result = started()
    for event in (Event.utterance("yes"), Event.utterance("whitening")):
        result = engine.handle(AGENT, FLOW, result.state, event)
    result = engine.handle(AGENT, FLOW, result.state, Event.utterance("4471"))
    assert result.utterances == ["Noted: whitening.", "Goodbye Ann!"]
    assert result.actions == [
        {
            "name": "send_sms",
            "params": {"body": "whitening for account 4471"},
            "ok": True,
            "data": {"to": "+15550123", "body": "whitening for account 4471"},
            "external": True,
        },
        {"name": "end_call", "params": {}, "ok": True, "data": {"reason": "completed"}, "external": True},
    ]
    assert result.ended and result.end_reason == "completed"


def test_an_ended_call_ignores_further_events():
    engine, result = started()
    for _ in range(3):
        result = engine.handle(AGENT, FLOW, result.state, Event.silence())
    again = engine.handle(AGENT, FLOW, result.state, Event.utterance("hello?"))
    assert again.ended and again.utterances == [] and again.actions == []


def booking_flow():
    return {
        "schema_version": 1,
        "nodes": [
            {"id": "when", "type": "question", "start": True, "text": "When?", "variable": "when", "next": "book"},
            {
                "id": "book",
                "type": "action",
                "action": "book_appointment",
                "params": {"date": "{answers.when}", "time": "9am"},
                "next": "booked",
                "on_failure": "human",
            },
            {"id": "booked", "type": "action", "action": "end_call", "text": "Booked for {answers.appointment}."},
            {"id": "human", "type": "action", "action": "transfer", "text": "Let me get a colleague."},
        ],
    }


def test_an_unavailable_booking_is_said_honestly_and_takes_the_failure_path():
    engine, result = started(flow=booking_flow())
    result = engine.handle(AGENT, booking_flow(), result.state, Event.utterance("Monday"))
    assert result.utterances == [
        "I'm sorry, I can't book appointments on this line right now.",
        "Let me get a colleague.",
    ]
    assert result.actions[0] == {
        "name": "book_appointment",
        "params": {"date": "Monday", "time": "9am"},
        "ok": False,
        "data": {"error": "unavailable"},
        "external": False,
    }
    assert result.actions[1]["name"] == "transfer" and result.actions[1]["data"]["to"] == "+15550100"
    assert result.ended and result.end_reason == "transfer"


def test_a_registered_handler_books_and_its_result_becomes_an_answer():
    actions = registry.copy()
    seen = []

    def book(ctx, params):
        seen.append((ctx.node_id, ctx.variables["answers.when"], ctx.agent.name, params))
        return ActionResult(ok=True, data={"appointment": f"{params['date']} at {params['time']}"})

    actions.register("book_appointment", book, owner="scheduling")
    engine = Engine(actions=actions)
    _, result = started(engine, flow=booking_flow())
    result = engine.handle(AGENT, booking_flow(), result.state, Event.utterance("Monday"))
    assert seen == [("book", "Monday", "Ava", {"date": "Monday", "time": "9am"})]
    assert result.utterances == ["Booked for Monday at 9am."]
    assert not registry.spec("book_appointment").available


def test_a_failing_handler_is_an_apology_not_a_crash():
    actions = registry.copy()

    def broken(ctx, params):
        raise ConnectionError("calendar down")

    actions.register("book_appointment", broken, owner="scheduling")
    engine = Engine(actions=actions)
    _, result = started(engine, flow=booking_flow())
    result = engine.handle(AGENT, booking_flow(), result.state, Event.utterance("Monday"))
    assert result.utterances[0] == "I'm sorry, something went wrong on my side."
    assert result.actions[0]["ok"] is False and result.actions[0]["data"] == {"error": "failed"}


def test_a_transfer_without_any_number_says_so_and_ends_politely():
    no_number = AgentConfig(name="Ava", company="Acme Dental")
    flow = {
        "schema_version": 1,
        "nodes": [{"id": "human", "type": "action", "action": "transfer", "start": True, "text": "One moment."}],
    }
    result = Engine().start(no_number, flow, {})
    assert result.utterances == [
        "One moment.",
        "I'm sorry, I can't transfer your call right now.",
        "Thank you for calling. Goodbye!",
    ]
    assert result.ended and result.end_reason == "action_failed"


def test_set_variable_completes_inside_the_engine():
    flow = {
        "schema_version": 1,
        "nodes": [
            {
                "id": "tag",
                "type": "action",
                "action": "set_variable",
                "start": True,
                "params": {"name": "tier", "value": "gold for {contact.first_name}"},
                "next": "say",
            },
            {"id": "say", "type": "action", "action": "end_call", "text": "You are {answers.tier}."},
        ],
    }
    result = Engine().start(AGENT, flow, CONTACT)
    assert result.utterances[-1] == "You are gold for Ann."
    assert result.actions[0]["external"] is False


def test_a_node_past_its_max_visits_follows_its_escape_edge():
    flow = {
        "schema_version": 1,
        "nodes": [
            {
                "id": "pin",
                "type": "question",
                "start": True,
                "text": "Your PIN?",
                "variable": "pin",
                "max_visits": 2,
                "on_max_visits": "locked",
                "next": "check",
            },
            {
                "id": "check",
                "type": "condition",
                "branches": [{"op": "equals", "value": "1234", "next": "ok"}],
                "else": "pin",
            },
            {"id": "ok", "type": "action", "action": "end_call", "text": "Welcome."},
            {"id": "locked", "type": "action", "action": "end_call", "text": "Too many tries."},
        ],
    }
    engine = Engine()
    result = engine.start(AGENT, flow, {})
    result = engine.handle(AGENT, flow, result.state, Event.utterance("1111"))
    assert result.utterances == ["Your PIN?"] and not result.ended
    result = engine.handle(AGENT, flow, result.state, Event.utterance("2222"))
    assert result.utterances == ["Too many tries."] and result.ended


def test_a_call_started_with_an_invalid_flow_apologises_and_transfers():
    result = Engine().start(AGENT, {"schema_version": 1, "nodes": [{"id": "x", "type": "message"}]}, {})
    assert result.ended and result.end_reason == "invalid_flow"
    assert result.actions[-1]["name"] == "transfer"


def test_state_is_json_and_the_callers_state_is_left_untouched():
    engine, result = started()
    before = json.dumps(result.state, sort_keys=True)
    following = engine.handle(AGENT, FLOW, json.loads(before), Event.utterance("yes"))
    assert json.dumps(result.state, sort_keys=True) == before
    json.dumps(following.state)


def test_same_inputs_give_the_same_outputs():
    def run():
        engine, result = started()
        outputs = [(result.utterances, result.actions, result.state)]
        for event in (Event.utterance("no"), Event.silence(), Event.dtmf("3"), Event.utterance("12")):
            result = engine.handle(AGENT, FLOW, result.state, event)
            outputs.append((result.utterances, result.actions, result.state))
        return json.dumps(outputs, sort_keys=True)

    assert run() == run()


def test_every_turn_reports_engine_and_provider_timings():
    engine, result = started()
    result = engine.handle(AGENT, FLOW, result.state, Event.utterance("yes"))
    assert set(result.timings) == {"engine_ms", "llm_ms", "actions_ms", "knowledge_ms"}
    assert 0 <= result.timings["engine_ms"] < 50 and result.timings["llm_ms"] == 0
