"""OpenAI-compatible providers against a fake OpenAI API speaking the documented wire format."""

import math
import struct

import pytest

from agents import audio
from agents.providers import registry
from agents.providers.base import Audio, Expectation, ProviderError, ToolSpec
from agents.tests.fake_http import openai_chat_completion, openai_embeddings, openai_error

BOOK = ToolSpec(
    name="book_appointment",
    description="Book an appointment for the caller.",
    parameters={
        "type": "object",
        "properties": {"day": {"type": "string"}, "time": {"type": "string"}},
        "required": ["day", "time"],
    },
)
MESSAGES = [
    {"role": "system", "content": "You book dental appointments."},
    {"role": "user", "content": "Monday at ten, please."},
]


def build(kind, name, fake_http, **options):
    return registry.build(
        kind, name, {"api_key": "sk-test", "base_url": fake_http.url + "/v1"}, {"max_retries": 0, **options}
    )


def pcm_tone(sample_rate, ms):
    count = sample_rate * ms // 1000
    return struct.pack(f"<{count}h", *(int(6000 * math.sin(2 * math.pi * 300 * i / sample_rate)) for i in range(count)))


def test_chat_sends_messages_and_tools_in_the_openai_shape(fake_http):
    fake_http.add("POST", "/v1/chat/completions", json=openai_chat_completion("Booked."))

    build("llm", "openai", fake_http, model="gpt-4o-mini").chat(MESSAGES, tools=[BOOK], max_tokens=150)

    (request,) = fake_http.requests_to("POST", "/v1/chat/completions")
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.json["model"] == "gpt-4o-mini"
    assert request.json["messages"] == MESSAGES
    assert request.json["max_completion_tokens"] == 150
    assert request.json["tools"] == [
        {
            "type": "function",
            "function": {"name": "book_appointment", "description": BOOK.description, "parameters": BOOK.parameters},
        }
    ]


def test_chat_parses_tool_calls_with_their_arguments(fake_http):
    completion = openai_chat_completion(tool_calls=[("book_appointment", {"day": "monday", "time": "10:00"})])
    fake_http.add("POST", "/v1/chat/completions", json=completion)

    result = build("llm", "openai", fake_http).chat(MESSAGES, tools=[BOOK])

    (call,) = result.tool_calls
    assert call.id == completion["choices"][0]["message"]["tool_calls"][0]["id"]
    assert (call.name, call.arguments) == ("book_appointment", {"day": "monday", "time": "10:00"})
    assert result.text == ""


def test_chat_returns_the_assistant_text_and_its_duration(fake_http):
    fake_http.add("POST", "/v1/chat/completions", json=openai_chat_completion("See you Monday at ten."))

    result = build("llm", "openai", fake_http).chat(MESSAGES)

    assert result.text == "See you Monday at ten."
    assert result.tool_calls == []
    assert result.ms > 0


def test_a_call_without_tools_sends_no_tools_key(fake_http):
    fake_http.add("POST", "/v1/chat/completions", json=openai_chat_completion("Hi."))

    build("llm", "openai", fake_http).chat(MESSAGES)

    assert "tools" not in fake_http.requests[0].json


def test_openai_compatible_servers_get_max_tokens_and_need_no_key(fake_http):
    fake_http.add("POST", "/v1/chat/completions", json=openai_chat_completion("Hi."))
    llm = registry.build(
        "llm", "openai_compatible", {"base_url": fake_http.url + "/v1"}, {"model": "llama3.1:8b", "max_retries": 0}
    )

    llm.chat(MESSAGES, max_tokens=99)

    assert fake_http.requests[0].json["model"] == "llama3.1:8b"
    assert fake_http.requests[0].json["max_tokens"] == 99


def test_openai_compatible_without_a_model_is_a_provider_error(fake_http):
    llm = registry.build("llm", "openai_compatible", {"base_url": fake_http.url + "/v1"}, {})

    with pytest.raises(ProviderError, match="model"):
        llm.chat(MESSAGES)


def test_malformed_tool_arguments_are_a_provider_error(fake_http):
    completion = openai_chat_completion(tool_calls=[("book_appointment", {})])
    completion["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] = '{"day": "mon'
    fake_http.add("POST", "/v1/chat/completions", json=completion)

    with pytest.raises(ProviderError, match="could not be read"):
        build("llm", "openai", fake_http).chat(MESSAGES, tools=[BOOK])


def test_a_rejected_api_key_is_a_provider_error_without_the_providers_message(fake_http):
    fake_http.add(
        "POST",
        "/v1/chat/completions",
        status=401,
        json=openai_error("Incorrect API key provided: sk-te***st.", code="invalid_api_key"),
    )

    with pytest.raises(ProviderError, match="rejected the API key") as error:
        build("llm", "openai", fake_http).chat(MESSAGES)

    assert "sk-te" not in str(error.value)


@pytest.mark.parametrize(("status", "message"), [(429, "rate limit"), (500, "HTTP 500"), (404, "HTTP 404")])
def test_http_errors_are_provider_errors(fake_http, status, message):
    fake_http.add("POST", "/v1/chat/completions", status=status, json=openai_error("Nope.", type="server_error"))

    with pytest.raises(ProviderError, match=message):
        build("llm", "openai", fake_http).chat(MESSAGES)


def test_a_response_that_is_not_json_is_a_provider_error(fake_http):
    fake_http.add("POST", "/v1/chat/completions", body=b"{not json", headers={"Content-Type": "application/json"})

    with pytest.raises(ProviderError, match="could not be read"):
        build("llm", "openai", fake_http).chat(MESSAGES)


def test_a_slow_server_is_a_timeout_provider_error(fake_http):
    fake_http.add("POST", "/v1/chat/completions", json=openai_chat_completion("Late."), delay=1)

    with pytest.raises(ProviderError, match="timed out"):
        build("llm", "openai", fake_http, timeout=0.2).chat(MESSAGES)


def test_an_unreachable_server_is_a_provider_error():
    llm = registry.build(
        "llm", "openai", {"api_key": "sk-test", "base_url": "http://127.0.0.1:9/v1"}, {"max_retries": 0}
    )

    with pytest.raises(ProviderError, match="could not be reached"):
        llm.chat(MESSAGES)


def test_whisper_uploads_wav_and_returns_the_text(fake_http):
    fake_http.add("POST", "/v1/audio/transcriptions", json={"text": " Yes, Monday works. "})
    speech = Audio(pcm_tone(8000, 200), 8000)

    result = build("stt", "openai_whisper", fake_http).transcribe(
        speech, language="en-GB", expect=Expectation(phrases=("Monday", "Tuesday"))
    )

    (request,) = fake_http.requests
    assert result.text == "Yes, Monday works."
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert audio.to_wav(speech) in request.body
    for field, value in (("model", b"whisper-1"), ("language", b"en"), ("prompt", b"Monday, Tuesday")):
        assert b'name="%s"\r\n\r\n%s\r\n' % (field.encode(), value) in request.body


def test_whisper_errors_are_provider_errors(fake_http):
    fake_http.add("POST", "/v1/audio/transcriptions", status=400, json=openai_error("Invalid file format."))

    with pytest.raises(ProviderError, match="transcription service failed with HTTP 400"):
        build("stt", "openai_whisper", fake_http).transcribe(Audio(pcm_tone(8000, 100), 8000))


def test_openai_tts_asks_for_pcm_and_resamples_to_the_requested_rate(fake_http):
    fake_http.add("POST", "/v1/audio/speech", body=pcm_tone(24000, 500), headers={"Content-Type": "audio/pcm"})

    speech = build("tts", "openai", fake_http, sample_rate=8000, voice="coral").synthesize("Hello there.")

    assert fake_http.requests[0].json == {
        "model": "gpt-4o-mini-tts",
        "voice": "coral",
        "input": "Hello there.",
        "response_format": "pcm",
    }
    assert speech.sample_rate == 8000
    assert speech.duration_ms == pytest.approx(500, abs=1)


def test_openai_tts_sends_custom_voices_as_an_id(fake_http):
    fake_http.add("POST", "/v1/audio/speech", body=pcm_tone(24000, 100))

    build("tts", "openai", fake_http).synthesize("Hi.", voice="voice_1234")

    assert fake_http.requests[0].json["voice"] == {"id": "voice_1234"}


def test_openai_tts_errors_are_provider_errors(fake_http):
    fake_http.add("POST", "/v1/audio/speech", status=503, json=openai_error("Overloaded.", type="server_error"))

    with pytest.raises(ProviderError, match="speech service failed with HTTP 503"):
        build("tts", "openai", fake_http).synthesize("Hello.")


def test_openai_embeddings_return_vectors_in_input_order(fake_http):
    response = openai_embeddings([[0.0, 1.0], [1.0, 0.0]])
    response["data"].reverse()
    fake_http.add("POST", "/v1/embeddings", json=response)

    vectors = build("embeddings", "openai", fake_http, dimensions=2).embed(["first", "second"])

    assert vectors == [[0.0, 1.0], [1.0, 0.0]]
    assert fake_http.requests[0].json == {
        "model": "text-embedding-3-small",
        "input": ["first", "second"],
        "encoding_format": "float",
        "dimensions": 2,
    }


def test_openai_embeddings_of_the_wrong_size_are_a_provider_error(fake_http):
    fake_http.add("POST", "/v1/embeddings", json=openai_embeddings([[0.5, 0.5, 0.5]]))

    with pytest.raises(ProviderError, match="size"):
        build("embeddings", "openai", fake_http, dimensions=2).embed(["text"])


def test_embeddings_model_of_unknown_size_needs_the_dimensions_option(fake_http):
    with pytest.raises(registry.ProviderConfigError, match="dimensions") as error:
        build("embeddings", "openai", fake_http, model="nomic-embed-text")

    assert error.value.field == "options"


def test_whisper_without_a_language_lets_the_api_detect_it(fake_http):
    fake_http.add("POST", "/v1/audio/transcriptions", json={"text": "Hola."})

    build("stt", "openai_whisper", fake_http).transcribe(Audio(pcm_tone(8000, 100), 8000), language="")

    assert b'name="language"' not in fake_http.requests[0].body
