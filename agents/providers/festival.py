"""Offline text-to-speech with Festival and an HTS voice (Debian main: `festival`, `festvox-us-slt-hts`).

The default offline voice: through the phone channel the offline Whisper understands it almost word for word,
where espeak-ng loses about a word in three (figures and licences: docs/licences.md). Its model file is checked
against the sha256 this code was measured with before a Festival process is started (`prepare`: at the media
process's start), so an altered or different voice is refused rather than spoken.

Festival takes about a second to start and load its lexicon and voice, so each media process keeps up to
`TTS_FESTIVAL_PROCESSES` of them running (started on first use), each reading Scheme commands on its stdin and
synthesizing one text at a time into a WAV file of its own. The text reaches Festival only as a Scheme string
(quotes and backslashes escaped, control characters made spaces), never as code.
"""

import os
import select
import shutil
import subprocess
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from agents import audio
from agents.providers.base import Audio, ProviderError
from agents.providers.whisper import file_sha256

FESTIVAL = "festival"
START_SECONDS = 30
TIMEOUT_SECONDS = 20
# Festival writes this line after each command it is asked to confirm: the answer is complete.
DONE = "festival-done"


@dataclass(frozen=True)
class Voice:
    command: str  # the Scheme function that selects it
    model: Path
    sha256: str
    package: str


_HTS = Path("/usr/share/festival/voices/us/cmu_us_slt_arctic_hts/hts")
VOICES = {
    # CMU ARCTIC "slt" (US English, female), HTS statistical parametric voice.
    "slt": Voice(
        "voice_cmu_us_slt_arctic_hts",
        _HTS / "cmu_us_slt_arctic_hts.htsvoice",
        "04475446a92233deabaad85fa52a1e2df562cb269cf4acf463752644d6e4ce2e",
        "festvox-us-slt-hts",
    ),
}
DEFAULT_VOICE = "slt"


class ModelMismatch(ProviderError):
    """The voice's model file on disk is not the one this code was measured with."""


_VERIFIED: set[str] = set()


def verify(name: str) -> None:
    """Refuses a voice whose model file is missing or has another sha256 (checked once per process)."""
    if name in _VERIFIED:
        return
    voice = VOICES[name]
    if shutil.which(FESTIVAL) is None:
        raise ProviderError("Festival is not installed (apt-get install festival).")
    if not voice.model.is_file():
        raise ProviderError(f"The Festival voice file {voice.model} does not exist (apt-get install {voice.package}).")
    found = file_sha256(voice.model)
    if found != voice.sha256:
        raise ModelMismatch(
            f"The Festival voice file {voice.model} has sha256 {found}, but {voice.sha256} was expected; "
            f"refusing to use it (reinstall {voice.package})."
        )
    _VERIFIED.add(name)


def voices(language: str = "") -> list[str]:
    """The voices are US English."""
    return list(VOICES) if not language or language.lower().startswith("en") else []


def is_valid_voice(voice: str) -> bool:
    return voice in VOICES


def scheme_string(text: str) -> str:
    """`text` as a Scheme string literal: accents dropped (Festival's lexicon is ASCII), controls made spaces."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    plain = "".join(" " if ord(char) < 32 or char == "\x7f" else char for char in plain)
    return '"' + plain.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Process:
    """One running Festival with one voice selected."""

    def __init__(self, voice: Voice):
        self.folder = tempfile.mkdtemp(prefix="festival-")
        self.output = os.path.join(self.folder, "speech.wav")
        try:
            self.process = subprocess.Popen(
                [FESTIVAL, "--pipe"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                cwd=self.folder,
            )
        except OSError as exc:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise ProviderError("Festival could not be run.") from exc
        self.pending = b""
        try:
            self._run(f"({voice.command})", START_SECONDS)
        except ProviderError:
            self.close()
            raise

    def _run(self, command: str, timeout: float) -> None:
        """Sends `command` and waits until Festival has carried it out."""
        try:
            self.process.stdin.write(f'{command}\n(format t "{DONE}\\n")(fflush nil)\n'.encode())
            self.process.stdin.flush()
        except OSError as exc:
            raise ProviderError("Festival stopped.") from exc
        descriptor = self.process.stdout.fileno()
        while f"{DONE}\n".encode() not in self.pending:
            ready, _, _ = select.select([descriptor], [], [], timeout)
            chunk = os.read(descriptor, 4096) if ready else b""
            if not chunk:
                raise ProviderError("Festival did not answer." if not ready else "Festival stopped.")
            self.pending += chunk
        self.pending = self.pending.partition(f"{DONE}\n".encode())[2]

    def synthesize(self, text: str) -> Audio:
        utterance = f"(utt.synth (Utterance Text {scheme_string(text)}))"
        self._run(f"(utt.save.wave {utterance} {scheme_string(self.output)} 'riff)", TIMEOUT_SECONDS)
        try:
            with open(self.output, "rb") as wav:
                speech = audio.from_wav(wav.read())
            os.remove(self.output)
        except (OSError, ValueError) as exc:
            raise ProviderError("Festival produced no audio.") from exc
        return speech

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            pipe.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class _Processes:
    """Festival processes of one voice, started on demand up to `limit`, each used by one thread at a time."""

    def __init__(self, voice: Voice):
        self.voice = voice
        self.idle: list[_Process] = []
        self.running = 0
        self.available = threading.Condition()

    def take(self, limit: int) -> _Process:
        with self.available:
            while not self.idle and self.running >= limit:
                self.available.wait()
            if self.idle:
                return self.idle.pop()
            self.running += 1
        try:
            return _Process(self.voice)
        except ProviderError:
            self.give(None)
            raise

    def give(self, process: _Process | None) -> None:
        """`process` back for the next caller, or None when it broke (it is not reused)."""
        with self.available:
            if process is None:
                self.running -= 1
            else:
                self.idle.append(process)
            self.available.notify()


_PROCESSES: dict[str, _Processes] = {}
_STARTING = threading.Lock()


def processes(name: str) -> _Processes:
    with _STARTING:
        if name not in _PROCESSES:
            verify(name)
            _PROCESSES[name] = _Processes(VOICES[name])
        return _PROCESSES[name]


class FestivalTTS:
    """The default TTS. Options: `sample_rate` (default 8000, the telephone's), `voice` (default slt)."""

    def __init__(self, *, sample_rate: int = audio.MULAW_RATE, voice: str = ""):
        self.sample_rate = int(sample_rate)
        self.voice = voice

    voices_for = staticmethod(voices)
    is_valid_voice = staticmethod(is_valid_voice)

    @staticmethod
    def prepare() -> None:
        """The default voice checked and one Festival started, before the first call needs it."""
        pool = processes(DEFAULT_VOICE)
        pool.give(pool.take(_limit()))

    def synthesize(self, text: str, *, voice: str = "", language: str = "en-US") -> Audio:
        voice = voice or self.voice or DEFAULT_VOICE
        if not language.lower().startswith("en"):
            raise ProviderError(f"The Festival voices only speak English, not {language!r}.")
        if not is_valid_voice(voice):
            raise ProviderError(f"Unknown Festival voice {voice!r}.")
        if not text.strip():
            return Audio(b"", self.sample_rate)
        pool = processes(voice)
        process = pool.take(_limit())
        try:
            speech = process.synthesize(text)
        except ProviderError:
            process.close()
            pool.give(None)
            raise
        pool.give(process)
        return audio.resample(speech, self.sample_rate)


def _limit() -> int:
    from django.conf import settings

    return settings.TTS_FESTIVAL_PROCESSES
