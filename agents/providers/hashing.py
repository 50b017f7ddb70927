"""Offline default embeddings: a deterministic feature-hashing vectoriser.

It is lexical, not semantic: texts score as similar when they share words and word pairs
("book an appointment" ~ "I want to book an appointment"), never for synonyms ("cancel" vs
"call off"). Good enough to rank knowledge-base chunks that reuse the caller's words, with no
model download; use an `openai` embeddings provider for meaning.
"""

import hashlib
import math
import re

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def _features(text: str) -> list[str]:
    words = WORD.findall(text.lower())
    return words + [f"{first} {second}" for first, second in zip(words, words[1:])]


class HashingEmbeddings:
    """Word unigrams and bigrams, signed feature hashing (blake2b, so stable across processes), L2-normalised."""

    def __init__(self, *, dimensions: int = 256):
        self.dimensions = int(dimensions)

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dimensions
        for feature in _features(text):
            digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
            # One hash bit picks the sign so that collisions cancel out on average instead of piling up.
            vector[(digest >> 1) % self.dimensions] += 1.0 if digest & 1 else -1.0
        norm = math.sqrt(sum(value * value for value in vector))
        return [value / norm for value in vector] if norm else vector

    def embed(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(text) for text in texts]
