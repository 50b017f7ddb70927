"""Phone numbers in E.164, validated with phonenumbers (metadata of real numbering plans)."""

import phonenumbers

INVALID_NUMBER = "Enter a valid phone number in international format, e.g. +14155550123."


def to_e164(value: str, region: str | None = None) -> str:
    """The number in E.164; ValueError when it is not a valid, dialable number.

    `region` (ISO 3166 code, e.g. "US") lets national formats such as "(415) 555-0123" through.
    """
    try:
        number = phonenumbers.parse(str(value), region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(INVALID_NUMBER) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(INVALID_NUMBER)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
