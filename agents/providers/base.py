"""The small interfaces every provider implements, and the values they exchange.

Audio between components is 16-bit signed little-endian mono PCM (`Audio.pcm`) with its sample rate;
telephony converts to and from 8 kHz mu-law at the edge.
"""

from dataclasses import dataclass, field
from typing import Protocol


class ProviderError(RuntimeError):
    """A provider failed (network, credentials, bad response); the message is safe to show staff."""


@dataclass(frozen=True)
class Audio:
    pcm: bytes
    sample_rate: int

    @property
    def duration_ms(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate * 1000


@dataclass(frozen=True)
class Expectation:
    """What the caller is expected to say at this point, so recognition can be constrained.

    `phrases` are literal answers ("yes", "book an appointment"); `classes` name built-in grammars:
    "yes_no", "digits", "number", "date", "time", "name". Empty means open vocabulary.
    """

    phrases: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()

    @property
    def is_open(self) -> bool:
        return not self.phrases and not self.classes


@dataclass(frozen=True)
class Transcription:
    text: str
    confidence: float | None = None
    ms: float = 0.0


@dataclass(frozen=True)
class ToolSpec:
    """A function the LLM may call (OpenAI function-calling shape)."""

    name: str
    description: str
    parameters: dict


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict


@dataclass
class ChatResult:
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    ms: float = 0.0


class LLMProvider(Protocol):
    def chat(
        self,
        messages: list[dict],
        *,
        tools: list[ToolSpec] = (),
        model: str = "",
        temperature: float = 0.2,
        max_tokens: int = 300,
    ) -> ChatResult:
        """`messages` are OpenAI chat messages (role/content, plus tool_calls / tool_call_id)."""


class STTProvider(Protocol):
    def transcribe(
        self, audio: Audio, *, language: str = "en-US", expect: Expectation | None = None
    ) -> Transcription: ...


class TTSProvider(Protocol):
    def synthesize(self, text: str, *, voice: str = "", language: str = "en-US") -> Audio: ...


class EmbeddingsProvider(Protocol):
    dimensions: int

    def embed(self, texts: list[str]) -> list[list[float]]: ...
