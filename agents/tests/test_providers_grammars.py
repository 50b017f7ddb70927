import pytest

from agents.providers.base import Expectation
from agents.providers.grammars import build_grammar, normalise, number_words, validate_expectation


def everything_known(word):
    return True


def test_normalise_lowercases_drops_punctuation_and_spells_numbers():
    assert normalise("Option 2, please!") == "option two please"
    assert normalise("It's 10:30 A.M.") == "it's ten thirty a m"


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "zero"),
        (13, "thirteen"),
        (40, "forty"),
        (205, "two hundred and five"),
        (1999, "one thousand nine hundred and ninety nine"),
        (3005, "three thousand and five"),
        (12345678, "one two three four five six seven eight"),
    ],
)
def test_number_words_spells_numbers_as_spoken(number, words):
    assert number_words(number) == words


def test_phrases_become_alternatives_of_the_public_rule():
    grammar = build_grammar(Expectation(phrases=("Book an appointment", "Cancel")), everything_known)

    assert "public <answer> = <phrase>;" in grammar.jsgf
    assert "<phrase> = book an appointment | cancel;" in grammar.jsgf


def test_a_class_brings_the_rules_it_refers_to_and_no_others():
    grammar = build_grammar(Expectation(classes=("time",)), everything_known)

    assert "<hour> =" in grammar.jsgf and "<minute> =" in grammar.jsgf and "<unit> =" in grammar.jsgf
    assert "<month> =" not in grammar.jsgf


def test_words_the_recogniser_cannot_say_are_dropped_and_the_phrase_restored():
    grammar = build_grammar(Expectation(phrases=("transfer to Zyglowski",)), lambda word: word != "zyglowski")

    assert "<phrase> = transfer to;" in grammar.jsgf
    assert grammar.restore("transfer to") == "transfer to zyglowski"


def test_nothing_recognisable_means_no_grammar():
    assert build_grammar(Expectation(phrases=("Zyglowski",)), lambda word: False) is None


def test_the_same_expectation_gives_the_same_grammar_name():
    expect = Expectation(phrases=("yes",), classes=("digits",))

    assert build_grammar(expect, everything_known).name == build_grammar(expect, everything_known).name


def test_unknown_classes_are_reported():
    with pytest.raises(ValueError, match="colour"):
        validate_expectation(Expectation(classes=("colour",)))
