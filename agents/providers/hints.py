"""What a node expects the caller to say, used as hints for open-vocabulary recognition (Whisper).

A grammar constrains a decoder to the expected answers; Whisper hears anything, so its text is matched
against them afterwards instead: an answer close enough to one of the node's options (a misheard word, a
few words around it: "uh, cancel my appointment please") is reported as that option, and a yes or no
heard slightly wrong ("yeah." / "yep!") as the word itself. Anything else is kept as heard. Text comes
out normalised as `grammars.normalise` does (lowercase spoken words), with digit strings read digit by
digit where digits are expected and ordinals ("5th") as words, so flows compare it as they compare
pocketsphinx's.
"""

import re
from difflib import SequenceMatcher

from agents.providers import grammars
from agents.providers.base import Expectation

# How alike (0..1, difflib's ratio) an answer or a stretch of it must be to an option to count as it.
OPTION_SIMILARITY = 0.75
YES_NO_WORDS = ("yes", "yeah", "yep", "sure", "correct", "right", "okay", "no", "nope")
_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b")
# "1030 in the morning", "930am": a time of day written without its colon.
_CLOCK = re.compile(
    r"\b(1[0-2]|0?[1-9])([0-5]\d)(?=\s*(?:a\.?m\b|p\.?m\b|in the (?:morning|afternoon|evening)|o'clock))"
)
# "555-1234", "4-2-1-7": numbers said digit by digit.
_DASHED = re.compile(r"\b\d+(?:-\d+)+\b")
# "400,000": a thousands separator, which would otherwise read as two numbers ("four hundred", "zero").
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
# Words to prime Whisper with where a node expects a date: a day said alone is easily heard as other words
# ("Thursday" as "Sir, D.", "Tuesday" as "Just eat."). Times are heard well without (a prompt of times made
# "the first one" "1st 1"), and a yes/no prompt made line noise "Yes.".
CLASS_PROMPTS = {"date": "Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday, tomorrow, next week."}


def _spoken_ordinals(text: str) -> str:
    def word(match):
        number = int(match.group(1))
        return f" {grammars.ORDINALS[number - 1]} " if 1 <= number <= len(grammars.ORDINALS) else match.group()

    return _ORDINAL.sub(word, text.lower())


def _spoken_digits(text: str) -> str:
    """Digit strings ("421", "4-2-1") read digit by digit, as a caller gives an account or phone number."""
    joined = re.sub(r"(?<=\d)[\s,.-]+(?=\d)", "", text)
    return re.sub(r"\d+", lambda match: " " + " ".join(grammars.UNITS[int(d)] for d in match.group()) + " ", joined)


def normalise(text: str, expect: Expectation | None = None) -> str:
    """Whisper's text ("Tuesday, March 5th at 10:30.") as spoken words ("tuesday march fifth at ten thirty")."""
    text = _CLOCK.sub(r"\1 \2", _spoken_ordinals(_THOUSANDS.sub("", text)))
    text = _DASHED.sub(lambda match: _spoken_digits(match.group()), text)
    if expect is not None and "digits" in expect.classes:
        text = _spoken_digits(text)
    return grammars.normalise(text)


def _similarity(heard: str, option: str) -> float:
    """How well `option` is found in `heard`: the best match over the stretches of `heard` as long as it."""
    if f" {option} " in f" {heard} ":
        return 1.0
    words, size = heard.split(), len(option.split())
    stretches = [" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))] or [heard]
    return max(SequenceMatcher(None, stretch, option).ratio() for stretch in stretches)


def best_option(heard: str, options) -> str | None:
    """The option (normalised) that `heard` (normalised) says, or None when none is close enough.

    The longest of several options found whole wins ("book an appointment" over "book")."""
    scored = [(_similarity(heard, option), len(option), option) for option in options if option]
    scored = [entry for entry in scored if entry[0] >= OPTION_SIMILARITY]
    return max(scored)[2] if scored else None


def apply(text: str, expect: Expectation | None) -> str:
    """The recogniser's `text` as the node's answer: one of its options if it says one, else normalised."""
    heard = normalise(text, expect)
    if expect is None or expect.is_open or not heard:
        return heard
    if expect.phrases:
        option = best_option(heard, dict.fromkeys(grammars.normalise(phrase) for phrase in expect.phrases))
        if option is not None:
            return option
    if "yes_no" in expect.classes and len(heard.split()) <= 2:
        word = best_option(heard, YES_NO_WORDS)
        if word is not None:
            return word
    return heard


def prompt(expect: Expectation | None) -> str:
    """Words to prime the recogniser with (Whisper's initial prompt): the node's phrases (its options, and the
    opt-out every node listens for), then the words of the dates it expects, if it expects one."""
    if expect is None:
        return ""
    phrases = ", ".join(phrase.strip() for phrase in expect.phrases if phrase.strip())
    words = [f"{phrases}." if phrases else ""] + [
        CLASS_PROMPTS[kind] for kind in expect.classes if kind in CLASS_PROMPTS
    ]
    return " ".join(word for word in words if word)
