"""Providers on the OpenAI API through the official SDK. Any `base_url` works, which is how customers
run their own models (Ollama, vLLM, LM Studio... at e.g. http://localhost:11434/v1).

Every SDK failure becomes a `ProviderError` whose message names what failed and why in general
terms (timeout, rejected key, HTTP status); the provider's own message is left out, as it may
echo request details.
"""

import json
import time
from contextlib import contextmanager

import openai

from agents.audio import resample, to_wav
from agents.providers.base import Audio, ChatResult, Expectation, ProviderError, ToolCall, ToolSpec, Transcription

PCM_RATE = 24000  # response_format="pcm" is raw 16-bit mono at 24 kHz
VOICES = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "fable",
    "onyx",
    "nova",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
)
EMBEDDING_SIZES = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}


@contextmanager
def _errors(what: str):
    try:
        yield
    except openai.APITimeoutError:
        raise ProviderError(f"{what} timed out.") from None
    except openai.APIConnectionError:
        raise ProviderError(f"{what} could not be reached.") from None
    except openai.AuthenticationError:
        raise ProviderError(f"{what} rejected the API key.") from None
    except openai.RateLimitError:
        raise ProviderError(f"{what} refused the request: rate limit or quota reached.") from None
    except openai.APIStatusError as exc:
        raise ProviderError(f"{what} failed with HTTP {exc.status_code}.") from None
    except (openai.OpenAIError, ValueError, TypeError, AttributeError, IndexError, KeyError):
        # Malformed responses surface as validation, JSON or attribute errors from the parsed model.
        raise ProviderError(f"{what} returned a response that could not be read.") from None


class _OpenAIClient:
    """Options shared by every OpenAI provider: `timeout` (seconds) and `max_retries` (the SDK's backoff)."""

    service = "The OpenAI API"

    def __init__(self, *, api_key: str = "", base_url: str = "", timeout: float = 30.0, max_retries: int = 2):
        # Local servers take no key, but the SDK insists on one.
        self.client = openai.OpenAI(
            api_key=api_key or "not-needed",
            base_url=base_url or None,
            timeout=float(timeout),
            max_retries=int(max_retries),
        )


def _parse_arguments(raw: str | None) -> dict:
    arguments = json.loads(raw or "{}")
    if not isinstance(arguments, dict):
        raise ValueError("tool arguments are not an object")
    return arguments


class OpenAIChat(_OpenAIClient):
    """Chat completions with function tools. Option `model` (default gpt-4o-mini) is used when a call names none."""

    service = "The language model"
    # OpenAI's current models take max_completion_tokens; most compatible servers only know max_tokens.
    token_limit = "max_completion_tokens"

    def __init__(self, *, model: str = "gpt-4o-mini", **client_options):
        super().__init__(**client_options)
        self.model = model

    def chat(
        self,
        messages: list[dict],
        *,
        tools: list[ToolSpec] = (),
        model: str = "",
        temperature: float = 0.2,
        max_tokens: int = 300,
    ) -> ChatResult:
        started = time.perf_counter()
        request = {
            "model": model or self.model,
            "messages": messages,
            "temperature": temperature,
            self.token_limit: max_tokens,
        }
        if tools:
            request["tools"] = [
                {
                    "type": "function",
                    "function": {"name": tool.name, "description": tool.description, "parameters": tool.parameters},
                }
                for tool in tools
            ]
        with _errors(self.service):
            completion = self.client.chat.completions.create(**request)
            message = completion.choices[0].message
            calls = [
                ToolCall(call.id, call.function.name, _parse_arguments(call.function.arguments))
                for call in message.tool_calls or ()
                if call.type == "function"
            ]
        return ChatResult(text=message.content or "", tool_calls=calls, ms=(time.perf_counter() - started) * 1000)


class OpenAICompatibleChat(OpenAIChat):
    """Any server with an OpenAI-style chat API at `base_url`; the model must be named (e.g. "llama3.1:8b")."""

    token_limit = "max_tokens"

    def __init__(self, *, base_url: str, model: str = "", **client_options):
        super().__init__(base_url=base_url, model=model, **client_options)

    def chat(self, messages, *, tools=(), model="", **kwargs) -> ChatResult:
        if not (model or self.model):
            raise ProviderError("No model is configured for the OpenAI-compatible server.")
        return super().chat(messages, tools=tools, model=model, **kwargs)


class OpenAIWhisperSTT(_OpenAIClient):
    """Transcription (option `model`, default whisper-1). The text comes back as the API writes it, with
    punctuation and digits; `grammars.normalise` makes it comparable with pocketsphinx's output."""

    service = "The transcription service"

    def __init__(self, *, model: str = "whisper-1", **client_options):
        super().__init__(**client_options)
        self.model = model

    def transcribe(self, audio: Audio, *, language: str = "en-US", expect: Expectation | None = None) -> Transcription:
        started = time.perf_counter()
        request = {"model": self.model, "file": ("speech.wav", to_wav(audio), "audio/wav"), "response_format": "json"}
        if language:
            # Whisper takes ISO 639-1 codes ("en"), not locales ("en-GB").
            request["language"] = language.split("-")[0].lower()
        if expect is not None and expect.phrases:
            # The prompt biases recognition towards the words the agent expects.
            request["prompt"] = ", ".join(expect.phrases)
        with _errors(self.service):
            text = self.client.audio.transcriptions.create(**request).text
        return Transcription(text.strip(), None, (time.perf_counter() - started) * 1000)


class OpenAITTS(_OpenAIClient):
    """Speech (options `model` default gpt-4o-mini-tts, `voice` default alloy, `sample_rate` of the result)."""

    service = "The speech service"

    def __init__(
        self, *, model: str = "gpt-4o-mini-tts", voice: str = "alloy", sample_rate: int = PCM_RATE, **client_options
    ):
        super().__init__(**client_options)
        self.model, self.voice, self.sample_rate = model, voice, int(sample_rate)

    @staticmethod
    def voices_for(language: str = "") -> list[str]:
        return list(VOICES)

    @staticmethod
    def is_valid_voice(voice: str) -> bool:
        # Custom voices made in the account have ids like "voice_1234".
        return voice in VOICES or voice.startswith("voice_")

    def synthesize(self, text: str, *, voice: str = "", language: str = "en-US") -> Audio:
        if not text.strip():
            return Audio(b"", self.sample_rate)
        voice = voice or self.voice
        with _errors(self.service):
            pcm = self.client.audio.speech.create(
                model=self.model,
                voice={"id": voice} if voice.startswith("voice_") else voice,
                input=text,
                response_format="pcm",
            ).content
        # A stray odd byte would shift every later sample; drop it.
        return resample(Audio(pcm[: len(pcm) - len(pcm) % 2], PCM_RATE), self.sample_rate)


class OpenAIEmbeddings(_OpenAIClient):
    """Embeddings (option `model`, default text-embedding-3-small). `dimensions` is needed for models
    whose size is not known here, and asks text-embedding-3 models for shortened vectors."""

    service = "The embeddings service"

    def __init__(self, *, model: str = "text-embedding-3-small", dimensions: int | None = None, **client_options):
        super().__init__(**client_options)
        if dimensions is None and model not in EMBEDDING_SIZES:
            raise ValueError(f"Option 'dimensions' is needed for the embeddings model {model!r}.")
        self.model = model
        self.requested_dimensions = dimensions
        self.dimensions = int(dimensions or EMBEDDING_SIZES[model])

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        request = {"model": self.model, "input": list(texts), "encoding_format": "float"}
        if self.requested_dimensions is not None and self.model.startswith("text-embedding-3"):
            request["dimensions"] = self.dimensions
        with _errors(self.service):
            data = sorted(self.client.embeddings.create(**request).data, key=lambda item: item.index)
            vectors = [list(item.embedding) for item in data]
        if len(vectors) != len(texts) or any(len(vector) != self.dimensions for vector in vectors):
            raise ProviderError(f"{self.service} returned vectors of an unexpected number or size.")
        return vectors
