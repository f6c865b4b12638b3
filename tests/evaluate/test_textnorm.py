import pytest

from voxtune.evaluate.textnorm import normalize_for_scoring


@pytest.mark.parametrize(
    ("written", "heard"),
    [
        ("press 1", "Press one."),
        ("Press 6 to play the next message.", "press six to play the next message"),
        ("It is 5:30 PM", "it is five thirty p.m."),
        ("$12.50", "12 dollars and 50 cents"),
        ("I'm sorry, that number isn't valid.", "I am sorry that number is not valid"),
        ("It's time; we've got it, won't we?", "it is time we have got it will not we"),
        ("twenty-one", "twenty one"),
        ("Can't", "cannot"),
        ("OK, e-mail me", "okay email me"),
        ("10:00", "ten o'clock"),
        ("Mr. Smith", "Mister Smith"),
        ("the U.S.A.", "the USA"),
        ("The city centre’s colours", "the city centers colors"),
        ("...to exit the menu.", "To exit the menu!"),
        ("The train leaves at 7:45 in the morning.", "The train leaves at 7.45 in the morning."),
        ("It starts at 2:30 PM sharp.", "It starts at 230 p.m. sharp."),
        ("more than a hundred years", "more than 100 years"),
    ],
)
def test_written_and_heard_forms_score_equal(written: str, heard: str) -> None:
    assert normalize_for_scoring(written) == normalize_for_scoring(heard)


def test_output_is_plain_lowercase_words() -> None:
    assert normalize_for_scoring("  Hello,   WORLD!! (3 times) ") == "hello world three times"
    assert normalize_for_scoring("") == ""
    assert normalize_for_scoring("?!") == ""


def test_decimals_and_plain_numbers_stay_numbers() -> None:
    assert normalize_for_scoring("It weighs 2.30 kilos") == "it weighs two point three zero kilos"
    assert normalize_for_scoring("Room 230 is free") != normalize_for_scoring("Room 2:30 is free")


def test_other_languages_keep_their_digits() -> None:
    assert normalize_for_scoring("Bonjour, 5 ÉLÈVES!", "fr") == "bonjour 5 élèves"
