"""Offline text-to-speech with the espeak-ng command line (robotic, but instant and free).

A voice id is an espeak-ng language (`en-us`, `en-gb`, `fr`) optionally followed by `+variant`
(`en-us+f3` for a female variant); both lists come from the installed espeak-ng.
"""

import functools
import shutil
import subprocess

from agents import audio
from agents.providers.base import Audio, ProviderError

ESPEAK = "espeak-ng"
NATIVE_RATE = 22050
# Voice qualities worth offering in a picker; any installed variant is accepted.
SUGGESTED_VARIANTS = ("f1", "f2", "f3", "f4", "f5", "m1", "m2", "m3", "m4", "m7")
TIMEOUT_SECONDS = 20


def _list(kind: str) -> list[str]:
    if shutil.which(ESPEAK) is None:
        return []
    listing = subprocess.run(
        [ESPEAK, f"--voices={kind}" if kind else "--voices"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    ).stdout
    rows = [line.split() for line in listing.splitlines()[1:]]
    if kind == "variant":
        # Variant names are the file names ("!v/f3"); some have spaces and cannot be named in a voice id.
        return [row[-1].removeprefix("!v/") for row in rows if len(row) >= 5 and row[-1].startswith("!v/")]
    return [row[1] for row in rows if len(row) >= 2]


@functools.cache
def installed_languages() -> frozenset[str]:
    return frozenset(_list(""))


@functools.cache
def installed_variants() -> frozenset[str]:
    return frozenset(_list("variant"))


def is_valid_voice(voice: str) -> bool:
    language, _, variant = voice.partition("+")
    return language in installed_languages() and (not variant or variant in installed_variants())


def voices(language: str = "") -> list[str]:
    """Voice ids to offer: each installed language (filtered by prefix, e.g. "en"), plain and with the suggested variants."""
    prefix = language.lower()
    languages = sorted(name for name in installed_languages() if name.startswith(prefix))
    variants = [variant for variant in SUGGESTED_VARIANTS if variant in installed_variants()]
    return [voice for name in languages for voice in (name, *(f"{name}+{variant}" for variant in variants))]


def voice_for_language(language: str) -> str:
    """ "en-US" → "en-us"; "es-MX" → "es" when espeak-ng has no Mexican Spanish."""
    tag = language.lower()
    for candidate in (tag, tag.split("-")[0]):
        if candidate in installed_languages():
            return candidate
    raise ProviderError(f"espeak-ng has no voice for language {language!r}.")


class EspeakTTS:
    """Options: `sample_rate` (default 22050, espeak-ng's own; 8000 for telephony), `speed` (words per minute)."""

    def __init__(self, *, sample_rate: int = NATIVE_RATE, speed: int = 160, voice: str = ""):
        self.sample_rate = int(sample_rate)
        self.speed = int(speed)
        self.voice = voice

    voices_for = staticmethod(voices)
    is_valid_voice = staticmethod(is_valid_voice)

    def synthesize(self, text: str, *, voice: str = "", language: str = "en-US") -> Audio:
        voice = voice or self.voice or voice_for_language(language)
        if not is_valid_voice(voice):
            raise ProviderError(f"Unknown espeak-ng voice {voice!r}.")
        if not text.strip():
            return Audio(b"", self.sample_rate)
        # The text goes through stdin so that nothing in it can be taken for a command-line option.
        try:
            result = subprocess.run(
                [ESPEAK, "-v", voice, "-s", str(self.speed), "--stdout"],
                input=text.encode(),
                capture_output=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ProviderError("espeak-ng could not be run.") from exc
        if result.returncode != 0 or not result.stdout:
            raise ProviderError("espeak-ng produced no audio.")
        try:
            speech = audio.from_wav(result.stdout)
        except ValueError as exc:
            raise ProviderError("espeak-ng produced unreadable audio.") from exc
        return audio.resample(speech, self.sample_rate)
