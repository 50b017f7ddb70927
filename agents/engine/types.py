"""Values exchanged with the conversation engine."""

from collections.abc import Callable
from dataclasses import dataclass, field

from agents.providers.base import Expectation


@dataclass(frozen=True)
class AgentConfig:
    """What the engine needs to know about an agent; built from the Agent model by the agents app."""

    name: str = ""
    company: str = ""
    greeting: str = ""
    system_prompt: str = ""
    language: str = "en-US"
    llm_model: str = ""
    temperature: float = 0.2
    max_tokens: int = 300
    tools_enabled: tuple[str, ...] = ()
    transfer_number: str = ""
    voicemail_message: str = ""
    # Re-prompts after silence before the engine ends the call politely.
    max_silence_prompts: int = 2
    goodbye_message: str = "Thank you for calling. Goodbye!"
    # Said before the greeting ("" for none): chosen for this call's direction by the agents app.
    disclosure: str = ""
    # Asked after the greeting, before the flow ("" for none): the caller's consent to record the call.
    consent_question: str = ""
    # The tenant's keypad opt-out ("" for none): pressed alone, the caller is put on the Do-Not-Call list.
    opt_out_digit: str = ""
    # Replies staff corrected on past calls, newest first: (what the caller said, what the agent should reply).
    # The LLM sees the first `engine.EXAMPLES_LIMIT` that fit in `engine.EXAMPLES_CHARS`.
    examples: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Event:
    """What happened since the engine last spoke."""

    kind: str  # "utterance" | "silence" | "dtmf" | "interruption"
    text: str = ""
    digits: str = ""

    @classmethod
    def utterance(cls, text: str) -> "Event":
        return cls("utterance", text=text)

    @classmethod
    def silence(cls) -> "Event":
        return cls("silence")

    @classmethod
    def dtmf(cls, digits: str) -> "Event":
        return cls("dtmf", digits=digits)

    @classmethod
    def interruption(cls, heard_text: str) -> "Event":
        """The caller spoke over the agent, who had got as far as `heard_text`."""
        return cls("interruption", text=heard_text)


@dataclass
class EngineResult:
    utterances: list[str] = field(default_factory=list)
    # {"name", "params", "ok", "data", "external"}: external ones are for telephony to perform.
    actions: list[dict] = field(default_factory=list)
    state: dict = field(default_factory=dict)
    ended: bool = False
    end_reason: str = ""
    node_id: str = ""
    expect: Expectation = field(default_factory=Expectation)
    timings: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ActionContext:
    agent: AgentConfig
    node_id: str
    # Flat dotted names: context variables given to Engine.start ("call.id", "contact.name") and "answers.<name>".
    variables: dict
    knowledge: Callable[[str], list[str]] | None = None


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    say: str = ""
    data: dict = field(default_factory=dict)
    end_call: bool = False
    transfer_to: str = ""
