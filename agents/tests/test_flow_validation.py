"""Save-time validation of flows: each rule rejects the flow and names the node at fault."""

import json
from pathlib import Path

import pytest

from agents.engine import ActionRegistry, registry
from agents.flows import SCHEMA_VERSION, FlowValidationError, require_valid, validate


def flow(*nodes):
    return {"schema_version": SCHEMA_VERSION, "nodes": list(nodes)}


def ask(id_, next_="bye", start=False, **extra):
    node = {"id": id_, "type": "question", "text": "Question?", "variable": id_, "next": next_, **extra}
    return {**node, "start": True} if start else node


BYE = {"id": "bye", "type": "action", "action": "end_call", "text": "Goodbye!"}


def codes(errors):
    return {(e.node_id, e.code) for e in errors}


def test_a_minimal_flow_is_valid():
    assert validate(flow(ask("name", start=True), BYE)) == []


def test_the_same_flow_checked_again_gets_the_same_errors():
    broken = flow({"id": "name", "type": "question", "start": True}, BYE)
    first = validate(broken)
    assert first and validate(broken) == first
    assert validate(flow(ask("name", start=True), BYE)) == []


def test_a_flow_that_is_not_json_is_still_checked():
    assert validate({"schema_version": SCHEMA_VERSION, "nodes": [{1: "one"}]})


def test_a_flow_without_start_node_is_rejected():
    assert codes(validate(flow(ask("name"), BYE))) == {("", "no_start")}


def test_two_start_nodes_are_rejected_naming_both():
    errors = validate(flow(ask("a", start=True), ask("b", start=True), BYE))
    assert codes(errors) == {("a", "multiple_starts"), ("b", "multiple_starts")}


def test_an_edge_to_a_missing_node_is_rejected_naming_its_source():
    errors = validate(flow(ask("name", next_="nowhere", start=True), BYE))
    assert codes(errors) == {("name", "dangling_edge")}
    assert "nowhere" in errors[0].message


def test_a_dangling_condition_branch_is_rejected():
    route = {"id": "route", "type": "condition", "branches": [{"op": "yes", "next": "ghost"}], "else": "bye"}
    assert codes(validate(flow(ask("q", next_="route", start=True), route, BYE))) == {("route", "dangling_edge")}


def test_an_unreachable_node_is_rejected_by_name():
    orphan = {"id": "orphan", "type": "message", "text": "Nobody hears this.", "next": "bye"}
    assert codes(validate(flow(ask("q", start=True), orphan, BYE))) == {("orphan", "unreachable")}


def test_a_message_leading_nowhere_is_a_dead_end():
    stuck = {"id": "stuck", "type": "message", "text": "And then?", "start": True}
    errors = validate(flow(stuck))
    assert codes(errors) == {("stuck", "dead_end")}


def test_a_condition_without_else_is_a_dead_end():
    route = {"id": "route", "type": "condition", "branches": [{"op": "yes", "next": "bye"}]}
    assert codes(validate(flow(ask("q", next_="route", start=True), route, BYE))) == {("route", "dead_end")}


def test_an_action_that_does_not_end_the_call_needs_a_next_node():
    remember = {"id": "remember", "type": "action", "action": "set_variable", "params": {"name": "x", "value": "1"}}
    assert codes(validate(flow(ask("q", next_="remember", start=True), remember))) == {("remember", "dead_end")}


def test_end_call_and_transfer_end_a_path():
    transfer = {"id": "human", "type": "action", "action": "transfer", "params": {"to": "+15550100"}}
    assert validate(flow(ask("q", next_="human", start=True), transfer)) == []


def test_a_loop_without_max_visits_is_rejected_naming_a_node_of_the_loop():
    again = {"id": "route", "type": "condition", "branches": [{"op": "no", "next": "q"}], "else": "bye"}
    errors = validate(flow(ask("q", next_="route", start=True), again, BYE))
    assert [e.code for e in errors] == ["unbounded_loop"]
    assert errors[0].node_id in {"q", "route"}
    assert "q" in errors[0].message and "route" in errors[0].message


def test_a_loop_through_a_node_with_max_visits_is_accepted():
    again = {"id": "route", "type": "condition", "branches": [{"op": "no", "next": "q"}], "else": "bye"}
    bounded = ask("q", next_="route", start=True, max_visits=3, on_max_visits="bye")
    assert validate(flow(bounded, again, BYE)) == []


def test_a_loop_escaping_into_itself_is_still_unbounded():
    again = {"id": "route", "type": "condition", "branches": [{"op": "no", "next": "q"}], "else": "bye"}
    escape_to_loop = ask("q", next_="route", start=True, max_visits=3, on_max_visits="route")
    assert "unbounded_loop" in {e.code for e in validate(flow(escape_to_loop, again, BYE))}


def test_max_visits_requires_somewhere_to_go_beyond_it():
    errors = validate(flow(ask("q", start=True, max_visits=2), BYE))
    assert codes(errors) == {("q", "invalid")}
    assert "on_max_visits" in errors[0].message


def test_an_unknown_variable_in_a_text_is_rejected_naming_the_node():
    greet = {"id": "greet", "type": "message", "text": "Hi {contact.nickname}!", "next": "bye", "start": True}
    errors = validate(flow(greet, BYE))
    assert codes(errors) == {("greet", "unknown_variable")}
    assert "{contact.nickname}" in errors[0].message


def test_an_answer_no_node_sets_is_an_unknown_variable():
    greet = {"id": "greet", "type": "message", "text": "Budget: {answers.budget}", "next": "bye", "start": True}
    assert codes(validate(flow(greet, BYE))) == {("greet", "unknown_variable")}


def test_an_unknown_variable_in_action_params_is_rejected():
    sms = {
        "id": "sms",
        "type": "action",
        "action": "send_sms",
        "params": {"body": "Hi {contact.nmae}"},
        "next": "bye",
        "start": True,
    }
    assert codes(validate(flow(sms, BYE))) == {("sms", "unknown_variable")}


def test_a_condition_on_an_unknown_variable_is_rejected():
    route = {
        "id": "route",
        "type": "condition",
        "subject": "answers.ghost",
        "start": True,
        "branches": [{"op": "yes", "next": "bye"}],
        "else": "bye",
    }
    assert codes(validate(flow(route, BYE))) == {("route", "unknown_variable")}


def test_answers_set_by_questions_and_actions_and_context_variables_are_known():
    remember = {
        "id": "remember",
        "type": "action",
        "action": "set_variable",
        "params": {"name": "tier", "value": "gold"},
        "next": "say",
    }
    say = {
        "id": "say",
        "type": "message",
        "next": "bye",
        "text": "{contact.name|Friend} of {company}, {agent.name} noted {answers.budget} and {answers.tier}.",
    }
    assert validate(flow(ask("budget", next_="remember", start=True), remember, say, BYE)) == []


def test_known_variables_add_context_variables():
    greet = {"id": "greet", "type": "message", "text": "Your order {order.number}", "next": "bye", "start": True}
    assert codes(validate(flow(greet, BYE))) == {("greet", "unknown_variable")}
    assert validate(flow(greet, BYE), known_variables={"order.number"}) == []


def test_an_unknown_action_is_rejected():
    launch = {"id": "launch", "type": "action", "action": "launch_rocket", "next": "bye", "start": True}
    assert codes(validate(flow(launch, BYE))) == {("launch", "unknown_action")}


def test_missing_action_params_are_rejected():
    sms = {"id": "sms", "type": "action", "action": "send_sms", "params": {}, "next": "bye", "start": True}
    errors = validate(flow(sms, BYE))
    assert codes(errors) == {("sms", "invalid_params")}
    assert "body" in errors[0].message


def test_an_action_registered_by_an_app_becomes_valid():
    actions = ActionRegistry([registry.spec("end_call")])
    actions.register(
        "create_ticket",
        lambda ctx, params: None,
        owner="helpdesk",
        description="Open a ticket.",
        parameters={"type": "object", "properties": {}},
    )
    ticket = {"id": "ticket", "type": "action", "action": "create_ticket", "next": "bye", "start": True}
    assert validate(flow(ticket, BYE), actions=actions) == []


def test_an_invalid_regex_is_rejected():
    route = {
        "id": "route",
        "type": "condition",
        "branches": [{"op": "regex", "value": "([a-z", "next": "bye"}],
        "else": "bye",
    }
    assert codes(validate(flow(ask("q", next_="route", start=True), route, BYE))) == {("route", "invalid_condition")}


def test_an_unknown_node_type_is_rejected_naming_the_node():
    errors = validate(flow({"id": "dance", "type": "dance", "start": True}))
    assert ("dance", "invalid") in codes(errors)


def test_a_question_without_its_variable_is_rejected_naming_the_node():
    node = {"id": "q", "type": "question", "text": "Name?", "next": "bye", "start": True}
    errors = validate(flow(node, BYE))
    assert codes(errors) == {("q", "invalid")}
    assert "variable" in errors[0].message


def test_a_node_without_id_is_named_by_its_position():
    errors = validate(flow(ask("q", start=True), {"type": "message", "text": "hi", "next": "bye"}, BYE))
    assert ("#1", "invalid") in codes(errors)


def test_duplicate_node_ids_are_rejected():
    assert ("q", "duplicate_id") in codes(validate(flow(ask("q", start=True), ask("q"), BYE)))


def test_another_schema_version_is_rejected():
    assert codes(validate({"schema_version": 99, "nodes": []})) == {("", "unsupported_version")}


def test_a_flow_that_is_not_an_object_is_rejected():
    assert codes(validate(["nodes"])) == {("", "invalid")}


def test_require_valid_raises_with_every_error():
    with pytest.raises(FlowValidationError) as raised:
        require_valid(flow(ask("a", start=True), ask("b", start=True), BYE))
    assert {e.node_id for e in raised.value.errors} == {"a", "b"}
    assert raised.value.errors[0].as_dict()["code"] == "multiple_starts"


def test_the_example_in_the_documentation_is_valid():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "flows.md").read_text()
    example = doc.split("## Example")[1].split("```json")[1].split("```")[0]
    assert validate(json.loads(example)) == []
