"""Text conversations with an agent through the engine (sandbox, agent tests, `manage.py talk`), kept by the
registered conversation store as test calls so they can be reviewed like real ones."""

import time
from dataclasses import dataclass
from typing import Any

from django.db import connection

from agents.engine import EXAMPLES_LIMIT, AgentConfig, Engine, EngineResult, Event
from agents.knowledge import services as knowledge
from agents.models import Agent
from agents.services.conversation_store import store
from agents.services.credentials import build_provider
from compliance.selectors import compliance_settings
from config.errors import Conflict, NotFound

KNOWLEDGE_CHUNKS = 3


@dataclass
class Turn:
    call: Any  # the session, a test call
    result: EngineResult

    @property
    def reply(self) -> str:
        return " ".join(self.result.utterances)


DEFAULT_DISCLOSURE = "This call is handled by an AI assistant for {company}."
DEFAULT_CONSENT_QUESTION = "May we record this call? Please say yes or no, or press 1 for yes and 2 for no."


def disclosure_for(agent: Agent, direction: str, *, recording: str = "") -> str:
    """What the agent says before anything else on a call in `direction` ("" on a sandbox conversation):
    `recording`, the tenant's recording disclosure when it records its calls, then the agent's own disclosure."""
    if not direction:
        return ""
    said = [recording.strip()]
    if agent.disclosure == "always" or (agent.disclosure == "outbound" and direction == "outbound"):
        said.append(agent.disclosure_text or DEFAULT_DISCLOSURE)
    return " ".join(part for part in said if part)


def agent_config(agent: Agent, *, examples=None, direction: str = "") -> AgentConfig:
    """An agent without its own greeting opens with its template's initial message. `examples`: the agent's
    training examples, [{"caller", "reply"}] newest first; by default its applied corrections, so the sandbox
    answers as the next phone call will. `direction`: the call's, for the disclosure."""
    if examples is None:
        examples = store().training_examples(agent, limit=EXAMPLES_LIMIT)
    greeting = agent.greeting or (agent.template.initial_message if agent.template_id else "")
    compliance = compliance_settings()
    return AgentConfig(
        name=agent.name,
        company=connection.tenant.name,
        greeting=greeting,
        system_prompt=agent.system_prompt,
        language=agent.language,
        llm_model=agent.llm_model,
        temperature=agent.temperature,
        max_tokens=agent.max_tokens,
        tools_enabled=tuple(agent.tools_enabled),
        transfer_number=agent.transfer_number,
        voicemail_message=agent.voicemail_message,
        examples=tuple((example["caller"], example["reply"]) for example in examples[:EXAMPLES_LIMIT]),
        opt_out_digit=compliance.opt_out_digit,
        disclosure=disclosure_for(
            agent, direction, recording=compliance.recording_disclosure if compliance.record_calls else ""
        ),
        consent_question=(agent.recording_consent_question or DEFAULT_CONSENT_QUESTION)
        if agent.recording_consent
        else "",
    )


def engine_for(agent: Agent, *, source: str) -> Engine:
    """The engine with the agent's LLM (none: flow only) and retrieval from the tenant's knowledge base."""
    llm = build_provider("llm", agent.llm_provider) if agent.llm_provider else None

    def retrieve(query: str) -> list[str]:
        return [hit["text"] for hit in knowledge.search(query, agent=agent, limit=KNOWLEDGE_CHUNKS, source=source)]

    return Engine(llm=llm, knowledge=retrieve)


def _record(call, result: EngineResult, started: float, caller_text: str | None) -> Turn:
    timings = {**result.timings, "total_ms": round((time.perf_counter() - started) * 1000, 3)}
    store().record(
        call,
        caller_text=caller_text,
        agent_text=" ".join(result.utterances),
        node_id=result.node_id,
        actions=result.actions,
        timings=timings,
        state=result.state,
    )
    if result.ended:
        call = store().finish(call, end_reason=result.end_reason)
    return Turn(call=call, result=result)


def start(agent: Agent, *, variables: dict | None = None, source: str = "sandbox") -> Turn:
    """A new test call on the agent's current flow version, up to the agent's first words."""
    started = time.perf_counter()
    version = agent.template.latest_version if agent.template_id else None
    call = store().start(agent=agent, flow_version=version)
    context = {**(variables or {}), "call": {**(variables or {}).get("call", {}), "id": call.pk}}
    result = engine_for(agent, source=source).start(agent_config(agent), version.flow if version else None, context)
    return _record(call, result, started, None)


def get_session(agent: Agent, session_id):
    call = store().get(agent=agent, session_id=session_id)
    if call is None:
        raise NotFound("No such sandbox session for this agent.", errors={"session_id": ["Unknown session."]})
    return call


def say(agent: Agent, call, text: str, *, source: str = "sandbox") -> Turn:
    """The agent's answer to one caller utterance, on the flow version the call started with."""
    if call.is_finished:
        raise Conflict("This conversation has ended; start a new session.", error_code="conversation_ended")
    started = time.perf_counter()
    flow = call.flow_version.flow if call.flow_version_id else None
    result = engine_for(agent, source=source).handle(agent_config(agent), flow, call.state, Event.utterance(text))
    return _record(call, result, started, text)
