"""The engine in LLM mode, through the real OpenAI SDK provider, against an OpenAI-compatible HTTP
server: a tool call books an appointment and the model's follow-up reaches the caller."""

import json

from agents.engine import ActionResult, AgentConfig, Engine, Event, registry
from agents.providers import registry as providers
from agents.tests.fake_http import openai_chat_completion

AGENT = AgentConfig(
    name="Ava",
    company="Acme Dental",
    greeting="Hi, this is Ava from Acme Dental.",
    system_prompt="You are {agent.name} of {company}.",
    llm_model="llama3.1:8b",
    temperature=0.0,
    max_tokens=150,
    tools_enabled=("book_appointment", "end_call"),
)


def test_llm_tool_call_over_http_books_an_appointment(fake_http):
    booked = []
    actions = registry.copy()
    actions.register(
        "book_appointment",
        lambda ctx, params: booked.append(params) or ActionResult(ok=True, data={"appointment": "Tue 10:00"}),
        owner="scheduling",
    )
    fake_http.add(
        "POST",
        "/v1/chat/completions",
        json=openai_chat_completion(
            tool_calls=[("book_appointment", {"name": "Ann Lee", "date": "2026-12-01", "time": "10:00"})]
        ),
    )
    fake_http.add("POST", "/v1/chat/completions", json=openai_chat_completion("You're booked for Tuesday at ten."))
    llm = providers.build("llm", "openai_compatible", {"base_url": fake_http.url + "/v1"}, {"model": "llama3.1:8b"})
    engine = Engine(llm=llm, actions=actions)

    started = engine.start(AGENT, None, {})
    result = engine.handle(AGENT, None, started.state, Event.utterance("Book me in Tuesday at ten, I'm Ann Lee"))

    assert booked == [{"name": "Ann Lee", "date": "2026-12-01", "time": "10:00"}]
    assert result.utterances == ["You're booked for Tuesday at ten."]
    assert [a["name"] for a in result.actions] == ["book_appointment"]
    first, second = (request.json for request in fake_http.requests_to("POST", "/v1/chat/completions"))
    assert first["model"] == "llama3.1:8b"
    assert "book_appointment" in [tool["function"]["name"] for tool in first["tools"]]
    assert first["messages"][-1] == {"role": "user", "content": "Book me in Tuesday at ten, I'm Ann Lee"}
    tool_reply = second["messages"][-1]
    assert tool_reply["role"] == "tool" and json.loads(tool_reply["content"])["ok"] is True
    assert result.timings["llm_ms"] > 0
