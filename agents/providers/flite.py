"""Offline text-to-speech with the flite command line (Debian's `flite`: CMU's Festival-lite with its voices
built in, BSD-style licence).

Clearer than espeak-ng to a listener and to a recogniser: the simulated caller speaks with it, so that what
the offline Whisper hears in a simulated call is what a caller would say. Voices are flite's own (`flite -lv`).
"""

import functools
import shutil
import subprocess
import tempfile

from agents import audio
from agents.providers.base import Audio, ProviderError

FLITE = "flite"
NATIVE_RATE = 16000
DEFAULT_VOICE = "awb"
TIMEOUT_SECONDS = 20


@functools.cache
def installed_voices() -> tuple[str, ...]:
    if shutil.which(FLITE) is None:
        return ()
    listing = subprocess.run([FLITE, "-lv"], capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    # awb_time only speaks times of day.
    return tuple(name for name in listing.stdout.partition(":")[2].split() if name != "awb_time")


def voices(language: str = "") -> list[str]:
    """flite's voices are all US English."""
    return list(installed_voices()) if not language or language.lower().startswith("en") else []


def is_valid_voice(voice: str) -> bool:
    return voice in installed_voices()


class FliteTTS:
    """Options: `sample_rate` (default 16000, flite's own; 8000 for telephony), `voice` (default awb)."""

    def __init__(self, *, sample_rate: int = NATIVE_RATE, voice: str = ""):
        self.sample_rate = int(sample_rate)
        self.voice = voice

    voices_for = staticmethod(voices)
    is_valid_voice = staticmethod(is_valid_voice)

    def synthesize(self, text: str, *, voice: str = "", language: str = "en-US") -> Audio:
        voice = voice or self.voice or DEFAULT_VOICE
        if not language.lower().startswith("en"):
            raise ProviderError(f"flite only speaks English, not {language!r}.")
        if not is_valid_voice(voice):
            raise ProviderError(f"Unknown flite voice {voice!r}.")
        if not text.strip():
            return Audio(b"", self.sample_rate)
        with tempfile.NamedTemporaryFile(suffix=".wav") as out:
            try:
                # `-t` takes the next argument as the text, whatever it starts with.
                result = subprocess.run(
                    [FLITE, "-voice", voice, "-o", out.name, "-t", text],
                    capture_output=True,
                    timeout=TIMEOUT_SECONDS,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise ProviderError("flite could not be run.") from exc
            if result.returncode != 0:
                raise ProviderError("flite produced no audio.")
            try:
                speech = audio.from_wav(out.read())
            except ValueError as exc:
                raise ProviderError("flite produced unreadable audio.") from exc
        return audio.resample(speech, self.sample_rate)
