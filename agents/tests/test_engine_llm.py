"""LLM mode: tool calling for actions, knowledge in the prompt, goals, and failing providers, with a scripted LLM."""

import json

import pytest

from agents.engine import ActionResult, AgentConfig, Engine, Event, registry
from agents.providers.base import ChatResult, ProviderError, ToolCall

# The engine is specified here on its own: booking is unavailable unless a test registers it.
pytestmark = pytest.mark.usefixtures("no_scheduling")

AGENT = AgentConfig(
    name="Ava",
    company="Acme Dental",
    greeting="Hi, Ava from Acme Dental.",
    system_prompt="You are {agent.name}, the receptionist of {company}.",
    llm_model="gpt-test",
    temperature=0.1,
    max_tokens=120,
    tools_enabled=("book_appointment", "lookup_knowledge", "end_call"),
    transfer_number="+15550100",
)


class ScriptedLLM:
    """An in-process LLMProvider that answers from a script and records every request."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.requests = []

    def chat(self, messages, *, tools=(), model="", temperature=0.2, max_tokens=300):
        self.requests.append(
            {
                "messages": json.loads(json.dumps(messages)),
                "tools": [t.name for t in tools],
                "model": model,
                "temperature": temperature,
                "max_tokens": max_tokens,
            }
        )
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


def booking_actions(booked):
    actions = registry.copy()

    def book(ctx, params):
        booked.append(params)
        return ActionResult(ok=True, data={"appointment": f"{params['date']} {params['time']}"})

    actions.register("book_appointment", book, owner="scheduling")
    return actions


def converse(engine, *events, agent=AGENT, flow=None, variables=None):
    result = engine.start(agent, flow, variables or {})
    for event in events:
        result = engine.handle(agent, flow, result.state, event)
    return result


def test_a_tool_call_runs_the_action_then_the_llm_follows_up():
    booked = []
    llm = ScriptedLLM(
        ChatResult(
            tool_calls=[ToolCall("call_1", "book_appointment", {"date": "Monday", "time": "9am", "name": "Ann"})]
        ),
        ChatResult(text="You're booked for Monday at 9am."),
    )
    result = converse(Engine(llm=llm, actions=booking_actions(booked)), Event.utterance("Book me Monday at 9"))
    assert booked == [{"date": "Monday", "time": "9am", "name": "Ann"}]
    assert result.utterances == ["You're booked for Monday at 9am."]
    assert result.actions == [
        {
            "name": "book_appointment",
            "params": {"date": "Monday", "time": "9am", "name": "Ann"},
            "ok": True,
            "data": {"appointment": "Monday 9am"},
            "external": False,
        }
    ]
    follow_up = llm.requests[1]["messages"]
    assert follow_up[-2]["tool_calls"][0] == {
        "id": "call_1",
        "type": "function",
        "function": {
            "name": "book_appointment",
            "arguments": json.dumps({"date": "Monday", "name": "Ann", "time": "9am"}),
        },
    }
    assert follow_up[-1]["role"] == "tool" and follow_up[-1]["tool_call_id"] == "call_1"
    assert json.loads(follow_up[-1]["content"])["ok"] is True


def test_the_llm_gets_the_agents_prompt_model_and_settings():
    llm = ScriptedLLM(ChatResult(text="Sure."))
    converse(Engine(llm=llm), Event.utterance("Hello"))
    request = llm.requests[0]
    assert request["messages"][0]["role"] == "system"
    assert request["messages"][0]["content"].startswith("You are Ava, the receptionist of Acme Dental.")
    assert request["messages"][1:] == [
        {"role": "assistant", "content": "Hi, Ava from Acme Dental."},
        {"role": "user", "content": "Hello"},
    ]
    assert (request["model"], request["temperature"], request["max_tokens"]) == ("gpt-test", 0.1, 120)
    assert request["tools"] == ["lookup_knowledge", "end_call", "complete_goal"]


def test_retrieved_knowledge_chunks_reach_the_prompt():
    queries = []

    def knowledge(query):
        queries.append(query)
        return ["Parking is free behind the building.", "We open at 8am."]

    llm = ScriptedLLM(ChatResult(text="Parking is free behind the building."))
    result = converse(Engine(llm=llm, knowledge=knowledge), Event.utterance("Where can I park?"))
    assert queries == ["Where can I park?"]
    system = llm.requests[0]["messages"][0]["content"]
    assert "- Parking is free behind the building.\n- We open at 8am." in system
    assert result.utterances == ["Parking is free behind the building."]


def test_the_lookup_knowledge_tool_returns_chunks_to_the_llm():
    llm = ScriptedLLM(
        ChatResult(tool_calls=[ToolCall("k1", "lookup_knowledge", {"query": "insurance"})]),
        ChatResult(text="Yes, we take Delta Dental."),
    )
    engine = Engine(llm=llm, knowledge=lambda q: ["We accept Delta Dental."] if q == "insurance" else [])
    result = converse(engine, Event.utterance("Do you take my insurance?"))
    reply = json.loads(llm.requests[1]["messages"][-1]["content"])
    assert reply["data"]["chunks"] == ["We accept Delta Dental."]
    assert result.utterances == ["Yes, we take Delta Dental."]
    assert result.timings["knowledge_ms"] >= 0 and result.timings["llm_ms"] >= 0


def test_an_unavailable_booking_is_not_offered_and_the_llm_is_told_to_say_so():
    llm = ScriptedLLM(ChatResult(text="I'm sorry, I can't book appointments on this call."))
    converse(Engine(llm=llm), Event.utterance("Book me in"))
    assert "book_appointment" not in llm.requests[0]["tools"]
    assert (
        "You cannot book appointment on this call; if asked, say so honestly."
        in llm.requests[0]["messages"][0]["content"]
    )


def test_a_call_to_a_tool_that_was_not_offered_is_refused():
    llm = ScriptedLLM(
        ChatResult(tool_calls=[ToolCall("b1", "book_appointment", {"date": "Mon", "time": "9"})]),
        ChatResult(text="Sorry, I can't book that here."),
    )
    result = converse(Engine(llm=llm), Event.utterance("Book me in"))
    reply = json.loads(llm.requests[1]["messages"][-1]["content"])
    assert reply["ok"] is False and "not available" in reply["error"]
    assert result.actions == []


def test_invalid_tool_arguments_are_sent_back_to_the_llm_without_acting():
    booked = []
    llm = ScriptedLLM(
        ChatResult(tool_calls=[ToolCall("b1", "book_appointment", {"date": "Monday"})]),
        ChatResult(text="What time would you like?"),
    )
    result = converse(Engine(llm=llm, actions=booking_actions(booked)), Event.utterance("Book Monday"))
    assert booked == [] and result.actions == []
    assert "'time' is a required property" in json.loads(llm.requests[1]["messages"][-1]["content"])["error"]


def test_the_llm_books_by_the_day_and_time_said_not_by_an_exact_start_of_its_own():
    booked = []
    start = {"date": "Monday", "time": "9am", "start": "2026-12-14T09:00:00-05:00"}
    llm = ScriptedLLM(
        ChatResult(tool_calls=[ToolCall("b1", "book_appointment", start)]),
        ChatResult(text="What time would you like?"),
    )
    result = converse(Engine(llm=llm, actions=booking_actions(booked)), Event.utterance("Book Monday at 9"))
    assert booked == [] and result.actions == []
    assert "'start' was unexpected" in json.loads(llm.requests[1]["messages"][-1]["content"])["error"]


def test_the_llm_cannot_choose_where_a_text_message_goes():
    agent = AgentConfig(name="Ava", company="Acme", tools_enabled=("send_sms",))
    llm = ScriptedLLM(
        ChatResult(tool_calls=[ToolCall("s1", "send_sms", {"to": "+19990000", "body": "hi"})]),
        ChatResult(tool_calls=[ToolCall("s2", "send_sms", {"body": "Your code is 12"})]),
        ChatResult(text="Sent!"),
    )
    result = converse(
        Engine(llm=llm), Event.utterance("Text me"), agent=agent, variables={"contact": {"phone": "+15550123"}}
    )
    assert [a["data"] for a in result.actions] == [{"to": "+15550123", "body": "Your code is 12"}]


def test_the_end_call_tool_ends_the_call_with_the_llms_goodbye():
    llm = ScriptedLLM(ChatResult(text="Bye now!", tool_calls=[ToolCall("e1", "end_call", {"reason": "done"})]))
    result = converse(Engine(llm=llm), Event.utterance("That's all, thanks"))
    assert result.utterances == ["Bye now!"]
    assert result.ended and result.end_reason == "done"
    assert result.actions[0]["name"] == "end_call" and result.actions[0]["external"] is True


GOAL_FLOW = {
    "schema_version": 1,
    "nodes": [
        {
            "id": "chat",
            "type": "llm",
            "start": True,
            "goal": "Find out which service {contact.name|the caller} needs.",
            "text": "How can I help?",
            "store": "need",
            "max_turns": 2,
            "next": "wrap",
            "exit_when": {"op": "contains", "value": "operator"},
        },
        {"id": "wrap", "type": "action", "action": "end_call", "text": "I'll note: {answers.need}."},
    ],
}


def test_completing_the_goal_stores_the_summary_and_continues_the_flow():
    llm = ScriptedLLM(ChatResult(tool_calls=[ToolCall("g1", "complete_goal", {"summary": "a cleaning"})]))
    result = converse(Engine(llm=llm), Event.utterance("I need a cleaning"), flow=GOAL_FLOW)
    assert (
        "Goal of this part of the call: Find out which service the caller needs."
        in llm.requests[0]["messages"][0]["content"]
    )
    assert result.state["answers"]["need"] == "a cleaning"
    assert result.utterances == ["I'll note: a cleaning."] and result.ended


def test_exit_when_leaves_the_llm_node_without_asking_the_llm():
    llm = ScriptedLLM()
    result = converse(Engine(llm=llm), Event.utterance("operator please"), flow=GOAL_FLOW)
    assert llm.requests == [] and result.node_id == "wrap"


def test_max_turns_bounds_the_llm_conversation():
    llm = ScriptedLLM(ChatResult(text="Tell me more."), ChatResult(text="And?"))
    result = converse(Engine(llm=llm), *[Event.utterance("hmm")] * 3, flow=GOAL_FLOW)
    assert len(llm.requests) == 2 and result.node_id == "wrap" and result.ended


def test_a_failing_llm_apologises_and_transfers_to_a_person():
    llm = ScriptedLLM(ProviderError("timeout"))
    result = converse(Engine(llm=llm), Event.utterance("Hello"))
    assert result.utterances == [
        "I'm sorry, I'm having trouble on my side.",
        "Let me transfer you to someone who can help.",
    ]
    assert result.ended and result.end_reason == "llm_error"
    assert result.actions[0]["name"] == "transfer" and result.actions[0]["params"] == {"to": "+15550100"}


def test_an_llm_node_without_an_llm_configured_ends_politely():
    agent = AgentConfig(name="Ava", company="Acme")
    result = converse(Engine(), Event.utterance("Hello"), agent=agent)
    assert result.ended and result.end_reason == "llm_unavailable"
    assert result.utterances[-1] == "Please call back a little later. Goodbye!"


def test_the_llm_remembers_only_what_the_caller_heard_before_interrupting():
    llm = ScriptedLLM(
        ChatResult(text="We are open from eight until six, Monday to Friday."),
        ChatResult(text="Yes, on Saturdays too."),
    )
    engine = Engine(llm=llm)
    converse(
        engine,
        Event.utterance("When are you open?"),
        Event.interruption("We are open from eight"),
        Event.utterance("Saturdays?"),
    )
    assert llm.requests[1]["messages"][-2:] == [
        {"role": "assistant", "content": "We are open from eight [interrupted by the caller]"},
        {"role": "user", "content": "Saturdays?"},
    ]


def test_keypad_digits_reach_the_llm():
    llm = ScriptedLLM(ChatResult(text="Thanks."))
    converse(Engine(llm=llm), Event.dtmf("42"))
    assert llm.requests[0]["messages"][-1] == {"role": "user", "content": "(pressed 42 on the keypad)"}


def test_a_flow_knowledge_lookup_is_answered_by_the_llm_from_the_chunks():
    flow = {
        "schema_version": 1,
        "nodes": [
            {
                "id": "q",
                "type": "question",
                "start": True,
                "text": "Your question?",
                "variable": "question",
                "next": "look",
            },
            {
                "id": "look",
                "type": "action",
                "action": "lookup_knowledge",
                "params": {"query": "{answers.question}"},
                "next": "say",
                "on_failure": "say",
            },
            {"id": "say", "type": "action", "action": "end_call", "text": "{answers.knowledge|I don't know.}"},
        ],
    }
    llm = ScriptedLLM(ChatResult(text="We close at six."))
    engine = Engine(llm=llm, knowledge=lambda q: ["Opening hours: 8am to 6pm."])
    result = converse(engine, Event.utterance("When do you close?"), flow=flow)
    assert "- Opening hours: 8am to 6pm." in llm.requests[0]["messages"][0]["content"]
    assert llm.requests[0]["messages"][1] == {"role": "user", "content": "When do you close?"}
    assert result.utterances == ["We close at six."]


def test_a_flow_knowledge_lookup_without_llm_says_the_best_chunk():
    flow = {
        "schema_version": 1,
        "nodes": [
            {
                "id": "look",
                "type": "action",
                "action": "lookup_knowledge",
                "start": True,
                "params": {"query": "hours"},
                "next": "say",
            },
            {"id": "say", "type": "action", "action": "end_call", "text": "{answers.knowledge|I don't know.}"},
        ],
    }
    result = Engine(knowledge=lambda q: ["Open 8 to 6.", "Closed Sundays."]).start(AGENT, flow, {})
    assert result.utterances[-1] == "Open 8 to 6."
    assert Engine().start(AGENT, flow, {}).utterances[-1] == "I don't know."
