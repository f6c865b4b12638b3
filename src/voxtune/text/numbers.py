"""Numbers to English words: thin wrappers over num2words that shape its output for a phonemizer.

num2words writes British-style "one hundred and three" and puts commas between thousands groups
("one thousand, two hundred"). A comma makes espeak pause mid-number and "and" is not how American
English reads numbers, so both are removed here; every other module spells numbers through these
functions so the whole normalizer reads numbers one way. Results are cached: num2words is the slow step
and the same small numbers recur in every text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from num2words import num2words

_AND = re.compile(r"\band ")
_DIGIT_WORDS: tuple[str, ...] = tuple(num2words(d, lang="en") for d in range(10))


def _tidy(words: str) -> str:
    return _AND.sub("", words.replace(",", ""))


@lru_cache(maxsize=4096)
def cardinal(n: int) -> str:
    """`1234` -> "one thousand two hundred thirty-four" (no "and", no commas; sign not handled)."""
    return _tidy(num2words(n, lang="en"))


@lru_cache(maxsize=4096)
def ordinal(n: int) -> str:
    """`103` -> "one hundred third"."""
    return _tidy(num2words(n, to="ordinal", lang="en"))


@lru_cache(maxsize=4096)
def year(n: int) -> str:
    """Read `n` the way a year is said: 1999 -> "nineteen ninety-nine", 2005 -> "two thousand five",
    1905 -> "nineteen oh five", 2025 -> "twenty twenty-five". Numbers outside 1000..9999 are cardinals."""
    if not 1000 <= n <= 9999:
        return cardinal(n)
    # "oh-five" is one hyphenated token in num2words; a separate "oh" matches how times read minutes.
    return _tidy(num2words(n, to="year", lang="en")).replace("oh-", "oh ")


def digits(text: str) -> str:
    """Read a string of ASCII digits one by one: "0199" -> "zero one nine nine"."""
    return " ".join(_DIGIT_WORDS[int(ch)] for ch in text)


def decimal(integer_part: str, fraction_part: str) -> str:
    """`("3", "14")` -> "three point one four". Digits after the point are read one by one, as people
    read them; an empty integer part (".5") gives "point five". Commas in the integer part are allowed."""
    head = cardinal(int(integer_part.replace(",", ""))) + " " if integer_part else ""
    return f"{head}point {digits(fraction_part)}"


def quantity(number: str) -> str:
    """Read an unsigned numeric token as an amount: "1,234" / "1000000" / "2.5" / ".5".

    Used where the context says the token counts something (money, percent, units), so long digit strings
    are cardinals here, never digit-by-digit codes.
    """
    integer_part, dot, fraction_part = number.partition(".")
    if dot:
        return decimal(integer_part, fraction_part)
    return cardinal(int(integer_part.replace(",", "")))


def is_one(number: str) -> bool:
    """True when a numeric token is exactly one, which takes a singular noun ("1 km" -> "one kilometer";
    "1.0 km" is read "one point zero kilometers", so it stays plural)."""
    return number == "1"


def pluralize(words: str) -> str:
    """Plural of the last word of a spelled number: "nineteen eighty" -> "nineteen eighties",
    "two thousand" -> "two thousands" (decades), "third" -> "thirds" (fractions)."""
    if words.endswith("y"):
        return words[:-1] + "ies"
    return words + "s"
