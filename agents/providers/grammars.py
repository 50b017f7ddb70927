"""JSGF grammars for constrained recognition, built from an `Expectation`.

Recognised text is normalised: lowercase words, no punctuation, numbers as spoken words
("four two one", "ten thirty a m", "march fifth"). Literal phrases are normalised the same way
("Option 2" → "option two"), so the engine can compare a transcript with its phrases directly.
"""

import hashlib
import re
from dataclasses import dataclass

from agents.providers.base import Expectation

UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ORDINALS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
    *(f"twenty {o}" for o in ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]),
    "thirtieth",
    "thirty first",
]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
FIRST_NAMES = [
    "james",
    "john",
    "robert",
    "michael",
    "william",
    "david",
    "richard",
    "joseph",
    "thomas",
    "charles",
    "daniel",
    "matthew",
    "anthony",
    "mark",
    "paul",
    "steven",
    "andrew",
    "kevin",
    "brian",
    "george",
    "peter",
    "sam",
    "bob",
    "mary",
    "patricia",
    "jennifer",
    "linda",
    "elizabeth",
    "barbara",
    "susan",
    "jessica",
    "sarah",
    "karen",
    "lisa",
    "nancy",
    "emily",
    "emma",
    "olivia",
    "sophia",
    "anna",
    "laura",
    "maria",
    "amy",
    "alice",
    "julia",
    "kate",
]
LAST_NAMES = [
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "wilson",
    "anderson",
    "taylor",
    "thomas",
    "moore",
    "jackson",
    "martin",
    "lee",
    "thompson",
    "white",
    "harris",
    "clark",
    "lewis",
    "walker",
    "hall",
    "young",
    "king",
    "wright",
    "scott",
    "green",
    "baker",
    "adams",
]


def _alternatives(words):
    return " | ".join(words)


# Rules shared by the classes; each class rule below may refer to these.
_COMMON = {
    "unit": _alternatives(UNITS[1:]),
    "teen": _alternatives(TEENS),
    "tens": _alternatives(TENS[2:]),
    "below_hundred": "<unit> | <teen> | <tens> [<unit>]",
    "hundreds": "<unit> hundred [[and] <below_hundred>] | <below_hundred>",
    "hour": _alternatives(UNITS[1:] + TEENS[:3]),
    "minute": "oh <unit> | <teen> | <tens> [<unit>]",
    "ampm": "a.m. | p.m. | in the morning | in the afternoon | in the evening",
    "weekday": _alternatives(WEEKDAYS),
    "month": _alternatives(MONTHS),
    "ordinal": _alternatives(ORDINALS),
    "first_name": _alternatives(FIRST_NAMES),
    "last_name": _alternatives(LAST_NAMES),
}

CLASSES = {
    "yes_no": "yes | yeah | yep | sure | correct | that's right | right | okay | yes please "
    "| no | nope | not really | no thanks | no thank you",
    "digits": "(zero | oh | <unit>)+",
    "number": "zero | <unit> thousand [[and] <hundreds>] | <hundreds>",
    "date": "today | tomorrow | the day after tomorrow | next week | [this | next] <weekday> "
    "| [<weekday>] <month> <ordinal> | [<weekday>] the <ordinal> [of <month>] | <ordinal> of <month>",
    "time": "(<hour> [<minute> | o'clock] | half past <hour> | quarter (past | to) <hour> "
    "| <minute> (past | to) <hour>) [<ampm>] | noon | midnight",
    "name": "[my name is | it's | this is | i'm] <first_name> [<last_name>]",
}


def number_words(number: int) -> str:
    """0–999999 as spoken ("two hundred and five"); larger numbers digit by digit."""
    if number < 10:
        return UNITS[number]
    if number < 20:
        return TEENS[number - 10]
    if number < 100:
        return TENS[number // 10] + (f" {UNITS[number % 10]}" if number % 10 else "")
    if number < 1000:
        rest = number % 100
        return f"{UNITS[number // 100]} hundred" + (f" and {number_words(rest)}" if rest else "")
    if number < 1000000:
        rest = number % 1000
        joiner = " and " if 0 < rest < 100 else " "
        return f"{number_words(number // 1000)} thousand" + (f"{joiner}{number_words(rest)}" if rest else "")
    return " ".join(UNITS[int(digit)] for digit in str(number))


def normalise(text: str) -> str:
    """Lowercase spoken words: numbers spelled out, punctuation dropped (apostrophes kept)."""
    text = re.sub(r"\d+", lambda match: f" {number_words(int(match.group()))} ", text.lower())
    return " ".join(re.findall(r"[a-z]+(?:'[a-z]+)*", text))


@dataclass(frozen=True)
class Grammar:
    name: str
    jsgf: str
    # Phrases lose words the recogniser cannot pronounce; a hypothesis equal to a shortened phrase
    # is reported as the phrase the agent expects.
    originals: dict

    def restore(self, hypothesis: str) -> str:
        return self.originals.get(hypothesis, hypothesis)


def _references(body):
    return set(re.findall(r"<([a-z_]+)>", body))


def build_grammar(expect: Expectation, is_known_word) -> Grammar | None:
    """The JSGF grammar for `expect`, or None when nothing in it can be recognised (open vocabulary then).

    Unknown classes are ignored here; `validate_expectation` reports them.
    """
    originals = {}
    for phrase in expect.phrases:
        spoken = normalise(phrase)
        known = " ".join(word for word in spoken.split() if is_known_word(word))
        if known:
            originals.setdefault(known, spoken)
    classes = [name for name in dict.fromkeys(expect.classes) if name in CLASSES]
    if not originals and not classes:
        return None
    rules = {}
    alternatives = []
    if originals:
        rules["phrase"] = _alternatives(originals)
        alternatives.append("<phrase>")
    for name in classes:
        rules[name] = CLASSES[name]
        alternatives.append(f"<{name}>")
    pending = set().union(*(_references(body) for body in rules.values()))
    while pending - rules.keys():
        name = (pending - rules.keys()).pop()
        rules[name] = _COMMON[name]
        pending |= _references(rules[name])
    lines = ["#JSGF V1.0;", "grammar answer;", f"public <answer> = {' | '.join(alternatives)};"]
    lines += [f"<{name}> = {body};" for name, body in sorted(rules.items())]
    jsgf = "\n".join(lines) + "\n"
    return Grammar(hashlib.sha1(jsgf.encode()).hexdigest()[:16], jsgf, originals)


def validate_expectation(expect: Expectation) -> None:
    unknown = [name for name in expect.classes if name not in CLASSES]
    if unknown:
        raise ValueError(f"Unknown expectation class {unknown[0]!r}; expected one of {', '.join(CLASSES)}.")
