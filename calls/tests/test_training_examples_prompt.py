"""A correction applied to an agent is an example in its LLM prompt on its next phone call: the media stream
builds the agent's engine configuration with the agent's training examples (newest first, bounded)."""

import pytest
from django_tenants.utils import tenant_context

from agents.engine import Event
from agents.services.credentials import set_credentials
from agents.tests.factories import AgentFactory
from agents.tests.fake_http import openai_chat_completion
from calls.media.services import open_stream
from calls.tests.factories import CallFactory, CallTurnFactory

pytestmark = pytest.mark.django_db


def past_call(agent):
    call = CallFactory(agent=agent)
    CallTurnFactory(call=call, index=0, speaker="caller", text="Is there parking?")
    CallTurnFactory(call=call, index=1, speaker="agent", text="I don't know.")
    return call


@pytest.fixture
def agent(acme, fake_http):
    with tenant_context(acme):
        set_credentials("openai_compatible", {"base_url": fake_http.url + "/v1"})
        agent = AgentFactory(llm_provider="openai_compatible", llm_model="llama3.1:8b")
        agent.past_call = past_call(agent)
        return agent


def correct(client, call, suggested="Yes, free parking is behind the building.") -> int:
    body = client.post(
        f"/api/calls/{call.pk}/feedback", {"corrections": [{"turn": 1, "suggested": suggested}]}, format="json"
    ).json()
    return body["corrections"][0]["id"]


def next_call_prompt(acme, agent, fake_http) -> str:
    """The system prompt of the agent's first LLM turn on a new phone call."""
    fake_http.add("POST", "/v1/chat/completions", json=openai_chat_completion("Yes, behind the building."))
    with tenant_context(acme):
        call = CallFactory(agent=agent, status="ringing")
        live = open_stream(call.pk, call.twilio_call_sid)
        started = live.engine.start(live.agent, live.flow, live.variables)
        live.engine.handle(live.agent, live.flow, started.state, Event.utterance("Where do I park?"))
    [request] = fake_http.requests_to("POST", "/v1/chat/completions")
    return request.json["messages"][0]["content"]


def test_an_applied_correction_is_an_example_in_the_next_calls_prompt(api, alice, acme, agent, fake_http):
    client = api(alice, acme)
    correction = correct(client, agent.past_call)
    assert client.put(f"/api/training/feedback/{correction}/apply").status_code == 200
    prompt = next_call_prompt(acme, agent, fake_http)
    assert 'Caller: "Is there parking?" -> You: "Yes, free parking is behind the building."' in prompt


def test_a_correction_not_applied_or_withdrawn_is_not_in_the_prompt(api, alice, acme, agent, fake_http):
    client = api(alice, acme)
    correct(client, agent.past_call, suggested="Not applied yet.")
    withdrawn = correct(client, agent.past_call, suggested="Withdrawn.")
    client.put(f"/api/training/feedback/{withdrawn}/apply")
    client.delete(f"/api/training/feedback/{withdrawn}/apply")
    prompt = next_call_prompt(acme, agent, fake_http)
    assert "Not applied yet." not in prompt and "Withdrawn." not in prompt


def test_another_agents_examples_are_not_in_the_prompt(api, alice, acme, agent, fake_http):
    with tenant_context(acme):
        other_call = past_call(AgentFactory())
    client = api(alice, acme)
    correction = correct(client, other_call, suggested="Another agent's reply.")
    client.put(f"/api/training/feedback/{correction}/apply")
    assert "Another agent's reply." not in next_call_prompt(acme, agent, fake_http)


def test_the_sandbox_answers_with_the_agents_applied_corrections_too(api, alice, acme, agent, fake_http):
    client = api(alice, acme)
    client.put(f"/api/training/feedback/{correct(client, agent.past_call)}/apply")
    fake_http.add("POST", "/v1/chat/completions", json=openai_chat_completion("Yes, behind the building."))
    session = client.post(f"/api/agents/{agent.pk}/sandbox", {"text": "Where do I park?"}, format="json")
    assert session.status_code in (200, 201), session.json()
    [request] = fake_http.requests_to("POST", "/v1/chat/completions")
    assert "Yes, free parking is behind the building." in request.json["messages"][0]["content"]
