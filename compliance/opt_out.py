"""Whether a caller's words ask not to be called again, on recognised text (lower or upper case, with or without
punctuation, contractions spelled either way). Kept narrow on purpose: "don't call me before noon" is not an opt-out,
"please stop calling me" is."""

import re

# The DNC entry's source (`DncEntry.Source`) of each way to opt out during a call.
SPOKEN = "opt_out_spoken"
KEYPAD = "opt_out_dtmf"

# What a recogniser constrained to a grammar should also listen for, at any question (see `agents.engine`).
PHRASES = (
    "stop calling me",
    "please stop calling me",
    "take me off your list",
    "remove me from your list",
    "do not call me again",
    "don't call me again",
    "put me on your do not call list",
)

_CONTRACTIONS = {"don't": "do not", "dont": "do not", "won't": "will not", "can't": "cannot", "never": "do not ever"}
_LIST = r"(?:your |the |this |my )?(?:calling |call |contact |phone |mailing )?list"
_OPT_OUT = re.compile(
    "|".join(
        (
            r"\b(?:stop|quit|cease) (?:calling|ringing|phoning|contacting|bothering)\b",
            rf"\b(?:take|remove|delete|drop|get|cross|scratch) (?:me|my number|this number|us)"
            rf"(?: (?:off|from|out of) {_LIST})",
            rf"\b(?:put|add|place) (?:me|my number|this number|us) (?:on|to) {_LIST.replace('list', '')}"
            r"(?:do not call|dnc|no call) list\b",
            r"\bdo not (?:ever )?(?:call|contact|phone|ring) (?:me|us|this number|here)"
            r"(?: (?:again|anymore|any more|ever|back ever)| at all)?$",
            r"\bdo not (?:ever )?(?:call|contact|phone|ring) (?:me |us |this number )?(?:again|anymore|any more)\b",
            r"\b(?:unsubscribe|opt out|opt me out)\b",
        )
    )
)


def normalise(text: str) -> list[str]:
    """The clauses of `text`, lower case, apostrophes unified, contractions expanded, punctuation gone."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    clauses = []
    for clause in re.split(r"[.!?;,]+", text):
        words = [_CONTRACTIONS.get(word, word) for word in re.findall(r"[a-z']+", clause)]
        if words:
            clauses.append(" ".join(words).replace("'", ""))
    return clauses


def is_opt_out_request(text: str) -> bool:
    return any(_OPT_OUT.search(clause) for clause in normalise(text or ""))
