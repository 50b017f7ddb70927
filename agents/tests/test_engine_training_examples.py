"""Training examples (replies staff corrected) reach the LLM's prompt, most recent first and bounded,
through the real OpenAI-compatible provider against a fake chat-completions server."""

import pytest

from agents.engine import AgentConfig, Engine, Event
from agents.engine import engine as engine_module
from agents.providers import registry as providers
from agents.tests.fake_http import openai_chat_completion

AGENT = AgentConfig(name="Ava", company="Acme Dental", greeting="Hi, this is Ava.", llm_model="llama3.1:8b")


def system_prompt(fake_http, agent: AgentConfig, said="Is there parking?") -> str:
    fake_http.add("POST", "/v1/chat/completions", json=openai_chat_completion("Yes, behind the building."))
    llm = providers.build("llm", "openai_compatible", {"base_url": fake_http.url + "/v1"}, {"model": "llama3.1:8b"})
    engine = Engine(llm=llm)
    engine.handle(agent, None, engine.start(agent, None, {}).state, Event.utterance(said))
    [request] = fake_http.requests_to("POST", "/v1/chat/completions")
    system = request.json["messages"][0]
    assert system["role"] == "system"
    return system["content"]


def with_examples(*examples) -> AgentConfig:
    return AgentConfig(**{**AGENT.__dict__, "examples": tuple(examples)})


def test_an_example_is_in_the_prompt_as_what_the_caller_said_and_the_reply(fake_http):
    prompt = system_prompt(fake_http, with_examples(("Is there parking?", "Yes, free parking is behind the building.")))
    assert 'Caller: "Is there parking?" -> You: "Yes, free parking is behind the building."' in prompt


def test_an_example_without_caller_words_is_an_opening(fake_http):
    prompt = system_prompt(fake_http, with_examples(("", "Good morning, Acme Dental, Ava speaking.")))
    assert '- Opening the conversation -> You: "Good morning, Acme Dental, Ava speaking."' in prompt


def test_an_agent_without_examples_has_no_examples_section(fake_http):
    assert "corrected on past calls" not in system_prompt(fake_http, AGENT)


def test_only_the_most_recent_examples_are_in_the_prompt(fake_http, monkeypatch):
    monkeypatch.setattr(engine_module, "EXAMPLES_LIMIT", 2)
    prompt = system_prompt(fake_http, with_examples(("newest", "A"), ("older", "B"), ("oldest", "C")))
    assert '"newest"' in prompt and '"older"' in prompt and '"oldest"' not in prompt


def test_examples_stop_at_the_size_budget_and_long_ones_are_shortened(fake_http, monkeypatch):
    monkeypatch.setattr(engine_module, "EXAMPLE_TEXT_CHARS", 20)
    monkeypatch.setattr(engine_module, "EXAMPLES_CHARS", 100)
    prompt = system_prompt(fake_http, with_examples(("first", "x" * 500), ("second", "B"), ("third", "C")))
    assert f'You: "{"x" * 19}…"' in prompt and "x" * 20 not in prompt
    assert '"second"' in prompt and '"third"' not in prompt


@pytest.mark.parametrize("text", ['He said "no"\nthen left', "  spaced   out  "])
def test_example_text_is_one_line(fake_http, text):
    prompt = system_prompt(fake_http, with_examples((text, "Fine.")))
    assert f'Caller: "{" ".join(text.split())}"' in prompt
