"""Masking of personal data in transcripts before they are stored (the tenant's `redact_pii`, on by default): payment
card numbers (13 to 19 digits passing the Luhn check, spaced or not), US Social Security numbers (written as
123-45-6789, or nine digits said after "social security" or "SSN") and dates of birth (a date said after "born",
"birth" or "DOB"). Runs on every stored turn of a live call, so it is a few regular expressions, nothing more."""

import re

CARD = "[card number]"
SSN = "[SSN]"
BIRTH_DATE = "[date of birth]"

_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_SSN_FORMATTED = re.compile(r"\b\d{3}([- ])\d{2}\1\d{4}\b")
_SSN_SAID = re.compile(r"(?i)\b(social security(?: number)?|ssn)(\W{0,3}(?:\w+\W+){0,3}?)(\d{9}|\d{3} \d{2} \d{4})\b")
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = (
    r"(?:\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}"
    rf"|{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}(?:,?\s+\d{{4}})?)"
)
_BIRTH_DATE = re.compile(
    rf"(?i)\b(born|birth(?:day|date)?|d\.?o\.?b\.?)(\W{{0,3}}(?:\w+\W+){{0,4}}?)({_DATE})", re.IGNORECASE
)


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group())
    return CARD if 13 <= len(digits) <= 19 and _luhn(digits) else match.group()


def redact(text: str) -> str:
    if not text or not any(char.isdigit() for char in text):
        return text
    text = _CARD.sub(_card, text)
    text = _SSN_SAID.sub(lambda m: f"{m.group(1)}{m.group(2)}{SSN}", text)
    text = _SSN_FORMATTED.sub(SSN, text)
    return _BIRTH_DATE.sub(lambda m: f"{m.group(1)}{m.group(2)}{BIRTH_DATE}", text)
