"""Splitting extracted text into retrieval-sized chunks that keep paragraphs and sentences whole."""

import re

CHUNK_CHARS = 800

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _pieces(paragraph: str, limit: int):
    """A paragraph cut at sentence ends, and at spaces for sentences longer than `limit`."""
    for sentence in _SENTENCE_END.split(paragraph):
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            yield sentence[:cut].strip()
            sentence = sentence[cut:].strip()
        if sentence:
            yield sentence


def chunk_text(text: str, limit: int = CHUNK_CHARS) -> list[str]:
    paragraphs = [re.sub(r"[ \t]+", " ", p).strip() for p in re.split(r"\n\s*\n|\n(?=\S)", text)]
    chunks, current = [], ""
    for paragraph in filter(None, paragraphs):
        for piece in [paragraph] if len(paragraph) <= limit else _pieces(paragraph, limit):
            if current and len(current) + 1 + len(piece) > limit:
                chunks.append(current)
                current = piece
            else:
                current = f"{current}\n{piece}" if current else piece
    if current:
        chunks.append(current)
    return chunks
