"""ElevenLabs text-to-speech through its documented HTTP API (httpx2, the HTTP client the openai SDK uses).

POST {base_url}/v1/text-to-speech/{voice_id}?output_format=pcm_16000 with the `xi-api-key` header
and JSON {"text", "model_id"}; the answer is raw 16-bit mono PCM at 16 kHz.
"""

import re

import httpx2

from agents.audio import resample
from agents.providers.base import Audio, ProviderError

API_URL = "https://api.elevenlabs.io"
PCM_RATE = 16000
DEFAULT_VOICE = "JBFqnCBsd6RMkjVDRZzb"  # "George", a premade voice every account has
VOICE_ID = re.compile(r"^[A-Za-z0-9]{10,40}$")


class ElevenLabsTTS:
    """Credentials: `api_key`, optional `base_url` (e.g. a data-residency endpoint).
    Options: `voice` (a voice id), `model` (default eleven_flash_v2_5, the low-latency one),
    `sample_rate` of the result, `timeout` in seconds."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str = API_URL,
        voice: str = DEFAULT_VOICE,
        model: str = "eleven_flash_v2_5",
        sample_rate: int = PCM_RATE,
        timeout: float = 15.0,
    ):
        self.voice, self.model, self.sample_rate = voice, model, int(sample_rate)
        self.client = httpx2.Client(
            base_url=base_url.rstrip("/"),
            timeout=float(timeout),
            headers={"xi-api-key": api_key, "Accept": "audio/pcm"},
        )

    @staticmethod
    def voices_for(language: str = "") -> list[str]:
        """Voices belong to each ElevenLabs account, so there is no fixed list to offer."""
        return []

    @staticmethod
    def is_valid_voice(voice: str) -> bool:
        return bool(VOICE_ID.match(voice))

    def synthesize(self, text: str, *, voice: str = "", language: str = "en-US") -> Audio:
        if not text.strip():
            return Audio(b"", self.sample_rate)
        voice = voice or self.voice
        if not self.is_valid_voice(voice):
            raise ProviderError(f"{voice!r} is not an ElevenLabs voice id.")
        try:
            response = self.client.post(
                f"/v1/text-to-speech/{voice}",
                params={"output_format": f"pcm_{PCM_RATE}"},
                json={"text": text, "model_id": self.model},
            )
        except httpx2.TimeoutException:
            raise ProviderError("ElevenLabs timed out.") from None
        except httpx2.HTTPError:
            raise ProviderError("ElevenLabs could not be reached.") from None
        if response.status_code == 401:
            raise ProviderError("ElevenLabs rejected the API key.")
        if response.status_code == 429:
            raise ProviderError("ElevenLabs refused the request: too many requests or quota reached.")
        if response.status_code != 200:
            raise ProviderError(f"ElevenLabs failed with HTTP {response.status_code}.")
        if response.headers.get("content-type", "").startswith("application/json"):
            raise ProviderError("ElevenLabs answered with JSON instead of audio.")
        pcm = response.content
        return resample(Audio(pcm[: len(pcm) - len(pcm) % 2], PCM_RATE), self.sample_rate)
