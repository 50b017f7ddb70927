"""Deterministic matching of a caller's answer against a condition: no model, no I/O, same answer → same branch."""

import re
from functools import lru_cache

from .schema import NUMBER_OPS

_NON_WORD = re.compile(r"[^a-z0-9%$.']+")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "i",
        "i'm",
        "im",
        "to",
        "for",
        "of",
        "and",
        "or",
        "is",
        "it",
        "my",
        "me",
        "please",
        "um",
        "uh",
        "like",
        "just",
        "would",
        "want",
    ]
)

# The first polar word in an answer decides it: "sure, why not" is a yes, "not really" a no.
_YES = (
    "yes",
    "yeah",
    "yep",
    "yup",
    "sure",
    "correct",
    "right",
    "absolutely",
    "definitely",
    "ok",
    "okay",
    "affirmative",
    "certainly",
    "of course",
    "please do",
    "that's right",
    "go ahead",
    "sounds good",
)
_NO = ("no", "nope", "nah", "not", "don't", "dont", "never", "negative", "no thanks", "wrong", "incorrect")

_UNITS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    w: 10 * i
    for i, w in enumerate(["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])
    if i > 1
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_SUFFIX = {
    "k": 1_000,
    "m": 1_000_000,
    "mm": 1_000_000,
    "thousand": 1_000,
    "million": 1_000_000,
    "billion": 1_000_000_000,
}
_DIGITS = re.compile(r"(-?\d[\d,]*(?:\.\d+)?)\s*(k|mm|m|thousand|million|billion)?\b")


def normalize(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", (text or "").lower()).replace(".", " ").split())


def _phrases(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _contains(text: str, phrase: str) -> bool:
    return f" {normalize(phrase)} " in f" {text} "


def yes_no(text: str) -> bool | None:
    """True for an affirmative answer, False for a negative one, None when it is neither."""
    padded = f" {normalize(text)} "
    hits = [(padded.find(f" {w} "), True) for w in _YES] + [(padded.find(f" {w} "), False) for w in _NO]
    found = [(pos, polar) for pos, polar in hits if pos >= 0]
    return min(found, key=lambda hit: (hit[0], hit[1]))[1] if found else None


def parse_number(text: str) -> float | None:
    """The first number in an answer, written ("$450,000", "2.5k") or spoken ("four hundred fifty thousand")."""
    lowered = (text or "").lower()
    match = _DIGITS.search(lowered)
    written = None
    if match:
        written = float(match.group(1).replace(",", "")) * _SUFFIX.get(match.group(2) or "", 1)
    spoken = _spoken_number(normalize(lowered).replace("-", " ").split())
    if written is None:
        return spoken
    if spoken is None:
        return written
    # Whichever appears first in the answer wins.
    return written if match.start() <= _first_number_word(lowered) else spoken


def _first_number_word(text: str) -> int:
    positions = [
        m.start()
        for m in re.finditer(r"[a-z]+", text)
        if m.group() in _UNITS or m.group() in _TENS or m.group() in _SCALES
    ]
    return min(positions) if positions else len(text)


def _spoken_number(words: list[str]) -> float | None:
    total = current = 0
    seen = False
    for word in words:
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _SCALES:
            total += (current or 1) * _SCALES[word]
            current = 0
        elif word in ("and", "a") and seen:
            continue
        elif seen:
            break
        else:
            continue
        seen = True
    return float(total + current) if seen else None


@lru_cache(maxsize=1024)
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _keywords(text: str) -> frozenset[str]:
    return frozenset(_stem(w) for w in normalize(text).split() if w not in _STOPWORDS)


def intent_score(text: str, examples: list[str]) -> float:
    """Share of the words of the closest example that the answer contains (0..1)."""
    words = _keywords(text)
    best = 0.0
    for example in examples:
        wanted = _keywords(example)
        if wanted:
            best = max(best, len(words & wanted) / len(wanted))
    return best


INTENT_THRESHOLD = 0.5


def best_intent(text: str, conditions: list[dict]) -> str | None:
    """The intent, among a node's `intent` conditions, whose examples fit the answer best (first on a tie)."""
    best, best_score = None, INTENT_THRESHOLD
    for condition in conditions:
        if condition["op"] == "intent":
            score = intent_score(text, condition["examples"])
            if score > best_score or (best is None and score >= best_score):
                best, best_score = condition["value"], score
    return best


def matches(condition: dict, subject, intent: str | None = None) -> bool:
    """Whether `subject` (an answer or a variable's value) satisfies one condition.

    `intent` is the winner of `best_intent` over the same node's conditions.
    """
    op = condition["op"]
    text = normalize(str(subject) if subject is not None else "")
    if op == "contains":
        return any(_contains(text, p) for p in _phrases(condition["value"]))
    if op == "equals":
        return any(text == normalize(p) for p in _phrases(condition["value"]))
    if op == "regex":
        return any(_regex(p).search(str(subject or "")) for p in _phrases(condition["value"]))
    if op == "intent":
        return intent == condition["value"]
    if op in ("yes", "no"):
        return yes_no(text) is (op == "yes")
    if op in NUMBER_OPS:
        number = (
            subject
            if isinstance(subject, (int, float)) and not isinstance(subject, bool)
            else parse_number(str(subject or ""))
        )
        if number is None:
            return False
        value = condition["value"]
        return {
            "eq": number == value,
            "lt": number < value,
            "lte": number <= value,
            "gt": number > value,
            "gte": number >= value,
        }[op]
    raise ValueError(f"unknown condition op {op!r}")
