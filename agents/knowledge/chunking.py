"""Splitting extracted text into retrieval-sized chunks that keep paragraphs and sentences whole."""

import re

CHUNK_CHARS = 800

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$")


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
    """Paragraphs joined up to `limit` characters; a Markdown heading starts a new chunk, so each section of an FAQ
    is found (and read to a caller) on its own, led by its heading as a sentence ("## Parking" → "Parking.")."""
    paragraphs = [re.sub(r"[ \t]+", " ", p).strip() for p in re.split(r"\n\s*\n|\n(?=\S)", text)]
    chunks, current, titled = [], "", False
    for paragraph in filter(None, paragraphs):
        heading = _HEADING.match(paragraph)
        if heading:
            if current:
                chunks.append(current)
            title = heading.group(1)
            current, titled = (title if title[-1] in ".?!:" else f"{title}."), True
            continue
        for piece in [paragraph] if len(paragraph) <= limit else _pieces(paragraph, limit):
            if current and len(current) + 1 + len(piece) > limit:
                chunks.append(current)
                current = piece
            else:
                # A heading reads as the first sentence of its section's first paragraph.
                joiner = " " if titled else "\n"
                current = f"{current}{joiner}{piece}" if current else piece
            titled = False
    if current:
        chunks.append(current)
    return chunks
