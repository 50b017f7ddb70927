"""A node's expected answers as hints for open-vocabulary recognition: Whisper's text matched to them."""

from agents.providers import hints
from agents.providers.base import Expectation

MENU = Expectation(phrases=("Book an appointment", "Cancel my appointment", "Speak to a person"))
YES_NO = Expectation(classes=("yes_no",))


def test_an_answer_that_is_an_option_is_reported_as_the_normalised_option():
    assert hints.apply("Cancel my appointment.", MENU) == "cancel my appointment"


def test_an_option_said_among_other_words_is_reported_as_the_option():
    assert hints.apply("Uh, I'd like to cancel my appointment, please.", MENU) == "cancel my appointment"


def test_an_option_misheard_by_a_letter_or_two_is_still_the_option():
    assert hints.apply("Book an appointmen", MENU) == "book an appointment"
    assert hints.apply("Speak to a parson", MENU) == "speak to a person"


def test_an_answer_unlike_every_option_is_kept_as_heard():
    assert hints.apply("What are your opening hours?", MENU) == "what are your opening hours"


def test_the_longest_option_found_whole_wins():
    expect = Expectation(phrases=("book", "book an appointment"))

    assert hints.apply("I want to book an appointment", expect) == "book an appointment"


def test_a_yes_or_no_heard_slightly_wrong_is_the_word_itself():
    assert hints.apply("Yess!", YES_NO) == "yes"
    assert hints.apply("Nope.", YES_NO) == "nope"


def test_a_long_answer_to_a_yes_no_question_is_kept_as_heard():
    assert hints.apply("No, I said Tuesday, not Thursday.", YES_NO) == "no i said tuesday not thursday"


def test_digits_are_read_digit_by_digit_where_digits_are_expected():
    assert hints.apply("4-2-1, 7.", Expectation(classes=("digits",))) == "four two one seven"


def test_numbers_elsewhere_are_read_as_numbers():
    assert hints.apply("I have 21 cats.", None) == "i have twenty one cats"


def test_dates_and_times_come_out_as_spoken_words():
    expect = Expectation(classes=("date", "time"))

    assert hints.apply("Tuesday, March 5th at 10:30 a.m.", expect) == "tuesday march fifth at ten thirty a m"


def test_empty_text_stays_empty():
    assert hints.apply("", MENU) == ""


def test_the_prompt_lists_the_options():
    assert hints.prompt(MENU) == "Book an appointment, Cancel my appointment, Speak to a person."


def test_there_is_no_prompt_without_options_or_dates():
    assert hints.prompt(YES_NO) == ""
    assert hints.prompt(Expectation(classes=("time",))) == ""
    assert hints.prompt(None) == ""


def test_a_date_is_primed_with_the_days_callers_say_after_the_nodes_phrases():
    dated = Expectation(phrases=("stop calling me",), classes=("date",))
    assert hints.prompt(dated) == f"stop calling me. {hints.CLASS_PROMPTS['date']}"
    assert "Thursday" in hints.prompt(Expectation(classes=("date",)))


def test_a_number_with_a_thousands_separator_is_one_number():
    budget = Expectation(classes=("number",))
    assert hints.apply("$400,000.", budget) == "four hundred thousand"
    assert hints.apply("About 250,000 dollars", budget) == "about two hundred and fifty thousand dollars"


def test_a_time_written_without_its_colon_is_read_as_a_time():
    assert hints.apply("1030 in the morning.", None) == "ten thirty in the morning"
    assert hints.apply("At 930am", None) == "at nine thirty am"


def test_a_number_written_with_dashes_is_read_digit_by_digit():
    assert hints.apply("My number is 555-1234.", None) == "my number is five five five one two three four"


def test_a_plain_number_is_not_taken_for_a_time():
    assert hints.apply("1030 people", None) == "one thousand and thirty people"
