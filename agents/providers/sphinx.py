"""Offline speech recognition with pocketsphinx 5 and its bundled US-English model.

Open vocabulary is poor on telephone audio; with an `Expectation` the audio is decoded against a
small JSGF grammar (see `grammars`), which is fast and accurate, and open vocabulary is only the
fallback when the grammar finds nothing. Text is normalised as described in `grammars`.

Decoders hold ~100 MB and take ~0.3 s to load, and are not thread-safe: a process-wide pool lends
each transcription its own decoder (at most `POOL_SIZE`, created on demand, callers wait beyond
that), and each decoder keeps the grammars it has compiled.
"""

import functools
import os
import queue
import random
import struct
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager

from agents import audio
from agents.providers import grammars
from agents.providers.base import Audio, Expectation, ProviderError, Transcription

RATE = 16000
POOL_SIZE = min(4, max(2, os.cpu_count() or 1))
GRAMMARS_PER_DECODER = 64
PAD_MS = 200
WAIT_SECONDS = 30
NOISE_AMPLITUDE = 12


@functools.cache
def _noise() -> bytes:
    """One second of faint fixed-seed noise: exact digital silence starves the recogniser's
    normalisation, and a fixed seed (with dither off) makes results repeatable."""
    rng = random.Random(20260101)
    return struct.pack(f"<{RATE}h", *(rng.randint(-NOISE_AMPLITUDE, NOISE_AMPLITUDE) for _ in range(RATE)))


def _prepare(speech: Audio) -> bytes:
    pad = audio.silence(PAD_MS, RATE).pcm
    pcm = pad + audio.resample(speech, RATE).pcm + pad
    noise = _noise() * (len(pcm) // len(_noise()) + 1)
    return audio.mix(pcm, noise[: len(pcm)])


@functools.cache
def _dictionary() -> frozenset[str]:
    from pocketsphinx import get_model_path

    with open(os.path.join(get_model_path(), "en-us", "cmudict-en-us.dict"), encoding="utf-8") as source:
        return frozenset(line.split(" ", 1)[0].split("(", 1)[0] for line in source if line.strip())


@functools.lru_cache(maxsize=512)
def compile_grammar(expect: Expectation) -> grammars.Grammar | None:
    return grammars.build_grammar(expect, _dictionary().__contains__)


class _Decoder:
    def __init__(self):
        from pocketsphinx import Decoder

        self.decoder = Decoder(samprate=RATE, dither=False, loglevel="FATAL")
        self.open_vocabulary = self.decoder.current_search()
        self.searches = OrderedDict()

    def use(self, grammar: grammars.Grammar | None):
        if grammar is None:
            self.decoder.activate_search(self.open_vocabulary)
            return
        if grammar.name in self.searches:
            self.searches.move_to_end(grammar.name)
        else:
            self.decoder.add_jsgf_string(grammar.name, grammar.jsgf)
            self.searches[grammar.name] = True
        self.decoder.activate_search(grammar.name)
        while len(self.searches) > GRAMMARS_PER_DECODER:
            self.decoder.remove_search(self.searches.popitem(last=False)[0])

    def decode(self, pcm: bytes) -> tuple[str, float | None]:
        # Feature state (cepstral mean, noise estimate) adapts after every utterance; resetting it
        # makes a result depend on this audio alone, not on which caller the decoder heard before.
        self.decoder.reinit_feat()
        self.decoder.start_utt()
        self.decoder.process_raw(pcm, full_utt=True)
        self.decoder.end_utt()
        hypothesis = self.decoder.hyp()
        if hypothesis is None:
            return "", None
        return grammars.normalise(hypothesis.hypstr), min(1.0, max(0.0, hypothesis.prob))


class _Pool:
    def __init__(self, size: int):
        self._idle = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)

    @contextmanager
    def decoder(self):
        if not self._slots.acquire(timeout=WAIT_SECONDS):
            raise ProviderError("Speech recognition is overloaded; try again.")
        try:
            try:
                decoder = self._idle.get_nowait()
            except queue.Empty:
                decoder = _Decoder()
            # A decoder that failed mid-utterance is dropped rather than lent out again.
            yield decoder
            self._idle.put(decoder)
        finally:
            self._slots.release()


_POOL = _Pool(POOL_SIZE)


class PocketsphinxSTT:
    """The default, offline STT. English only (the bundled model is en-US)."""

    def transcribe(self, audio: Audio, *, language: str = "en-US", expect: Expectation | None = None) -> Transcription:
        if not language.lower().startswith("en"):
            raise ProviderError(f"pocketsphinx only recognises English, not {language!r}.")
        started = time.perf_counter()
        if not audio.pcm:
            return Transcription("", None, 0.0)
        if expect is not None:
            try:
                grammars.validate_expectation(expect)
            except ValueError as exc:
                raise ProviderError(str(exc)) from None
        grammar = None
        if expect is not None and not expect.is_open:
            # Rebuilt with tuples so that an expectation made with lists can still be a cache key.
            grammar = compile_grammar(Expectation(tuple(expect.phrases), tuple(expect.classes)))
        pcm = _prepare(audio)
        try:
            with _POOL.decoder() as decoder:
                text, confidence = "", None
                if grammar is not None:
                    decoder.use(grammar)
                    text, confidence = decoder.decode(pcm)
                    text = grammar.restore(text)
                if not text:
                    decoder.use(None)
                    text, confidence = decoder.decode(pcm)
        except ProviderError:
            raise
        except RuntimeError as exc:
            raise ProviderError("pocketsphinx failed to decode the audio.") from exc
        return Transcription(text, confidence, (time.perf_counter() - started) * 1000)
