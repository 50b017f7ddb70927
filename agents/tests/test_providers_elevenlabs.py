"""ElevenLabs TTS against a fake of its documented HTTP API."""

import math
import struct

import pytest

from agents.providers import registry
from agents.providers.base import ProviderError
from agents.providers.elevenlabs import DEFAULT_VOICE

VOICE = "21m00Tcm4TlvDq8ikWAM"


def pcm_16k(ms):
    count = 16 * ms
    return struct.pack(f"<{count}h", *(int(5000 * math.sin(2 * math.pi * 200 * i / 16000)) for i in range(count)))


def elevenlabs(fake_http, **options):
    return registry.build("tts", "elevenlabs", {"api_key": "xi-secret", "base_url": fake_http.url}, options)


def test_posts_text_and_model_with_the_api_key_header_asking_for_16khz_pcm(fake_http):
    fake_http.add("POST", f"/v1/text-to-speech/{VOICE}", body=pcm_16k(300), headers={"Content-Type": "audio/pcm"})

    elevenlabs(fake_http).synthesize("Your appointment is confirmed.", voice=VOICE)

    (request,) = fake_http.requests
    assert request.query == {"output_format": ["pcm_16000"]}
    assert request.headers["xi-api-key"] == "xi-secret"
    assert request.json == {"text": "Your appointment is confirmed.", "model_id": "eleven_flash_v2_5"}


def test_returns_the_audio_at_the_requested_sample_rate(fake_http):
    fake_http.add("POST", f"/v1/text-to-speech/{VOICE}", body=pcm_16k(400))

    speech = elevenlabs(fake_http, sample_rate=8000, voice=VOICE).synthesize("Hello.")

    assert speech.sample_rate == 8000
    assert speech.duration_ms == pytest.approx(400, abs=1)


def test_uses_the_default_voice_when_none_is_configured(fake_http):
    fake_http.add("POST", f"/v1/text-to-speech/{DEFAULT_VOICE}", body=pcm_16k(100))

    elevenlabs(fake_http).synthesize("Hello.")

    assert fake_http.requests[0].path == f"/v1/text-to-speech/{DEFAULT_VOICE}"


@pytest.mark.parametrize(
    ("status", "message"),
    [(401, "rejected the API key"), (429, "too many requests"), (422, "HTTP 422"), (500, "HTTP 500")],
)
def test_http_errors_are_provider_errors(fake_http, status, message):
    fake_http.add(
        "POST",
        f"/v1/text-to-speech/{VOICE}",
        status=status,
        json={"detail": {"status": "error", "message": "Something about xi-secret"}},
    )

    with pytest.raises(ProviderError, match=message) as error:
        elevenlabs(fake_http).synthesize("Hello.", voice=VOICE)

    assert "xi-secret" not in str(error.value)


def test_json_instead_of_audio_is_a_provider_error(fake_http):
    fake_http.add("POST", f"/v1/text-to-speech/{VOICE}", json={"detail": "unexpected"})

    with pytest.raises(ProviderError, match="JSON instead of audio"):
        elevenlabs(fake_http).synthesize("Hello.", voice=VOICE)


def test_a_slow_server_is_a_timeout_provider_error(fake_http):
    fake_http.add("POST", f"/v1/text-to-speech/{VOICE}", body=pcm_16k(100), delay=1)

    with pytest.raises(ProviderError, match="timed out"):
        elevenlabs(fake_http, timeout=0.2).synthesize("Hello.", voice=VOICE)


def test_a_voice_that_is_not_an_id_is_refused_before_any_request(fake_http):
    with pytest.raises(ProviderError, match="voice id"):
        elevenlabs(fake_http).synthesize("Hello.", voice="../../v1/user")

    assert fake_http.requests == []
