"""Card numbers, Social Security numbers and dates of birth are masked in what is stored; other numbers are not."""

import pytest

from compliance.redaction import BIRTH_DATE, CARD, SSN, redact


@pytest.mark.parametrize(
    "said",
    [
        "my card is 4111 1111 1111 1111 thanks",
        "my card is 4111-1111-1111-1111 thanks",
        "my card is 4111111111111111 thanks",
        "my card is 378282246310005 thanks",  # American Express, 15 digits
    ],
)
def test_a_card_number_is_masked_however_it_is_spaced(said):
    assert redact(said) == f"my card is {CARD} thanks"


def test_a_long_number_that_fails_the_luhn_check_is_kept():
    assert redact("order 4111 1111 1111 1112 please") == "order 4111 1111 1111 1112 please"


def test_a_phone_number_and_a_time_are_kept():
    said = "call me on +1 415 555 0123 at 10:30, I have 2 kids"
    assert redact(said) == said


@pytest.mark.parametrize(
    "said, stored",
    [
        ("it is 123-45-6789", f"it is {SSN}"),
        ("my social security number is 123456789", f"my social security number is {SSN}"),
        ("SSN: 123 45 6789", f"SSN: {SSN}"),
    ],
)
def test_a_social_security_number_is_masked(said, stored):
    assert redact(said) == stored


@pytest.mark.parametrize(
    "said, stored",
    [
        ("my date of birth is 04/12/1985", f"my date of birth is {BIRTH_DATE}"),
        ("I was born on March 3rd, 1990.", f"I was born on {BIRTH_DATE}."),
        ("DOB 1985-04-12", f"DOB {BIRTH_DATE}"),
        ("my birthday is the 3rd of March 1990", f"my birthday is the {BIRTH_DATE}"),
    ],
)
def test_a_date_of_birth_is_masked(said, stored):
    assert redact(said) == stored


def test_a_date_that_is_not_a_birth_date_is_kept():
    said = "can I come on March 3rd at 10?"
    assert redact(said) == said


def test_text_without_digits_is_returned_as_it_is():
    said = "I'd like to book an appointment"
    assert redact(said) is said
