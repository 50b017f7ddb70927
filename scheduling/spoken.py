"""Dates and times as callers say them (and as speech recognition writes them), and slots as the agent says them.

Understands what the recognition grammars of `agents.providers.grammars` produce ("next monday",
"december third", "the third of december", "ten thirty a m", "quarter to eleven") as well as typed forms
("2026-12-03", "12/3", "10:30am", "14:00").
"""

import re
from datetime import date, datetime, time, timedelta

from agents.providers.grammars import MONTHS, ORDINALS, TEENS, TENS, UNITS, WEEKDAYS

_WORD_NUMBERS = {word: number for number, word in enumerate(UNITS + TEENS) if number}
_WORD_NUMBERS.update({word: 10 * index for index, word in enumerate(TENS) if word})
_ORDINAL_NUMBERS = {word: number for number, word in enumerate(ORDINALS, start=1)}
_MONTH_NAMES = {
    **{name: i for i, name in enumerate(MONTHS, 1)},
    **{name[:3]: i for i, name in enumerate(MONTHS, 1)},
    "sept": 9,
}
_DAY_NAMES = {**{name: i for i, name in enumerate(WEEKDAYS)}, **{name[:3]: i for i, name in enumerate(WEEKDAYS)}}
_SPOKEN_NUMBER = (
    r"(?:\d+|(?:" + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True)) + r")(?: (?:" + "|".join(UNITS[1:]) + r"))?)"
)
# "half past ten", "quarter to eleven", "twenty five past two".
_RELATIVE = re.compile(rf"\b(half|quarter|{_SPOKEN_NUMBER}) (past|to|after|before) ({_SPOKEN_NUMBER})\b")
# Business hours: a bare "two" means 2 pm, a bare "nine" 9 am.
_AFTERNOON_WITHOUT_MERIDIEM = range(1, 8)


def _words(text: str) -> str:
    text = text.lower().replace("a.m.", " am ").replace("p.m.", " pm ")
    text = re.sub(r"\b([ap])\s+m\b", r"\1m", text)
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    text = re.sub(r"(\d)\s*(am|pm)\b", r"\1 \2", text)
    return " ".join(re.sub(r"[^a-z0-9:/\-' ]+", " ", text).split())


def _ordinal_in(text: str) -> int | None:
    """The day of the month said in `text`: "third", "twenty first", "3"."""
    for word, number in sorted(_ORDINAL_NUMBERS.items(), key=lambda item: -len(item[0])):
        if re.search(rf"\b{word}\b", text):
            return number
    found = re.search(r"\b(\d{1,2})\b", text)
    return int(found.group(1)) if found else None


def _on_or_after(today: date, month: int, day: int, year: int | None) -> date | None:
    try:
        if year:
            return date(year, month, day)
        candidate = date(today.year, month, day)
        return candidate if candidate >= today else date(today.year + 1, month, day)
    except ValueError:
        return None


def parse_date(text: str, today: date) -> date | None:
    """The date a caller means, counted from `today` (in the calendar's time zone); None if not understood."""
    text = _words(text or "")
    if not text:
        return None
    iso = re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", text)
    if iso:
        try:
            return date(*map(int, iso.groups()))
        except ValueError:
            return None
    if "day after tomorrow" in text:
        return today + timedelta(days=2)
    if re.search(r"\btomorrow\b", text):
        return today + timedelta(days=1)
    if re.search(r"\btoday\b", text):
        return today
    if re.search(r"\bnext week\b", text):
        return today + timedelta(days=7 - today.weekday())
    year_match = re.search(r"\b(20\d\d)\b", text)
    year = int(year_match.group(1)) if year_match else None
    without_year = re.sub(r"\b20\d\d\b", " ", text)
    slash = re.search(r"\b(\d{1,2})/(\d{1,2})\b", without_year)
    if slash:
        return _on_or_after(today, int(slash.group(1)), int(slash.group(2)), year)
    month = next((number for name, number in _MONTH_NAMES.items() if re.search(rf"\b{name}\b", without_year)), None)
    weekday = next((number for name, number in _DAY_NAMES.items() if re.search(rf"\b{name}\b", without_year)), None)
    day = _ordinal_in(re.sub(r"\b(" + "|".join(_MONTH_NAMES) + r")\b", " ", without_year))
    if month and day:
        return _on_or_after(today, month, day, year)
    if day and re.search(r"\bthe\b", without_year):
        # "the fifth": the next fifth of a month from today on.
        for ahead in range(13):
            year_, month_ = divmod(today.month - 1 + ahead, 12)
            found = _on_or_after(today, month_ + 1, day, today.year + year_)
            if found and found >= today:
                return found
        return None
    if weekday is not None:
        # "Monday", "this Monday" and "next Monday" all mean the coming one, never today.
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    return None


def _number(words: list[str]) -> tuple[int | None, int]:
    """A number at the start of `words` (digits or spoken, "twenty five"), and how many words it took."""
    if not words:
        return None, 0
    if words[0].isdigit():
        return int(words[0]), 1
    if words[0] == "oh" and len(words) > 1 and words[1] in _WORD_NUMBERS:
        return _WORD_NUMBERS[words[1]], 2
    value = _WORD_NUMBERS.get(words[0])
    if value is None:
        return None, 0
    if value >= 20 and len(words) > 1 and _WORD_NUMBERS.get(words[1], 10) < 10:
        return value + _WORD_NUMBERS[words[1]], 2
    return value, 1


def parse_time(text: str) -> time | None:
    """The time of day a caller means; None if not understood."""
    text = _words(text or "")
    if re.search(r"\b(noon|midday)\b", text):
        return time(12, 0)
    if re.search(r"\bmidnight\b", text):
        return time(0, 0)
    meridiem = (
        "pm"
        if re.search(r"\b(pm|afternoon|evening|tonight)\b", text)
        else ("am" if re.search(r"\b(am|morning)\b", text) else "")
    )
    words = text.replace(":", " : ").replace(".", " : ").split()
    hour = minute = None
    relation = _RELATIVE.search(text)
    if relation:
        amount, direction, target = relation.groups()
        minutes = {"half": 30, "quarter": 15}.get(amount) or _number(amount.split())[0]
        hour = _number([target])[0]
        minute = minutes if direction in ("past", "after") else 60 - minutes
        if direction in ("to", "before"):
            hour -= 1
    else:
        for index in range(len(words)):
            hour, taken = _number(words[index:])
            if hour is not None:
                rest = words[index + taken :]
                if rest[:1] == [":"]:
                    rest = rest[1:]
                minute, _ = _number(rest)
                if minute is None and rest[:1] and re.fullmatch(r"\d{2}", rest[0]):
                    minute = int(rest[0])
                break
        if hour is None:
            return None
        minute = minute or 0
    if not (0 <= hour <= 24 and 0 <= minute < 60):
        return None
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    elif not meridiem and hour in _AFTERNOON_WITHOUT_MERIDIEM:
        hour += 12
    return time(hour % 24, minute)


_CHOICES = {"first": 0, "earliest": 0, "second": 1, "third": 2, "last": -1, "latest": -1}


def parse_choice(text: str) -> int | None:
    """Which of the times just offered a caller picks ("the first one", "the second", "the last one"), as a list
    index; None when they said no such thing."""
    found = re.search(r"\b(" + "|".join(_CHOICES) + r")\b", (text or "").lower())
    return _CHOICES[found.group(1)] if found else None


def say_time(moment: datetime | time) -> str:
    """ "9 am", "9:30 am", "2 pm", "12 pm": how the agent says a slot."""
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour} {suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d} {suffix}"


def say_date(day: date) -> str:
    """ "Monday, December 7"."""
    return f"{day:%A}, {day:%B} {day.day}"
