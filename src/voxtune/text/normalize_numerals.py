"""Numbers not claimed by a more specific rule (dates, times, money, units...), which run before these.

Rules:
- Huge numbers (37 or more digits, in one run or in comma groups) are read digit by digit before anything
  else: no one says "ten undecillion", and num2words and `int()` have limits far above that.
- Decades: a multiple of ten followed by "s" or "'s" with no space: "1980s" -> "nineteen eighties",
  "1900s" -> "nineteen hundreds", "2000s" -> "two thousands", "'90s" / "90s" -> "nineties".
- Ordinals: "21st", "2nd", "103rd", "1,000th" -> "twenty-first", ...; the suffix is trusted as written.
- Dotted numbers with two or more dots (versions, IP addresses) read part by part with "dot":
  "3.11.7" -> "three dot eleven dot seven".
- Decimals: "3.14" -> "three point one four", ".5" -> "point five"; digits after the point one by one.
- Grouped numbers: "1,234" -> "one thousand two hundred thirty-four" (a comma grouping marks a quantity).
- Plain digit runs:
  * a leading zero ("007", "0123") -> digit by digit;
  * four digits from 1100 to 2099 -> a year ("1999" -> "nineteen ninety-nine", "2005" -> "two thousand
    five"): in running text such numbers are years far more often than counts; write "1,234" for a count;
  * five or more digits -> a quantity when they end in "00" ("1000000" -> "one million", "25000"), else a
    code read digit by digit ("90210", "1234567") — quantities are written with commas or are round;
  * anything else -> a cardinal.
- A "-", "−" or "+" directly before a number, not after a letter, digit or ")", is a sign ("-5" -> "minus
  five", "(−3)", "+5" -> "plus five"); a signed number is always a quantity, never a year or code.
"""

from __future__ import annotations

import re

from voxtune.text.normalize_common import NUMBER_END, NUMBER_START, SIGN, sign_words, substitute
from voxtune.text.numbers import cardinal, decimal, digits, ordinal, pluralize, quantity, year

_HUGE = re.compile(r"[0-9]{37,}|[0-9]{1,3}(?:,[0-9]{3}){12,}")
_DECADE = re.compile(r"(?<![\w'’])(?:['’](?P<short>[1-9]0)|(?P<bare>[1-9]0)|(?P<full>[1-9][0-9]{2}0))['’]?s(?![\w'’])")
_ORDINAL = re.compile(
    rf"{NUMBER_START}(?P<number>[0-9]{{1,3}}(?:,[0-9]{{3}})+|[0-9]+)(?:st|nd|rd|th|ST|ND|RD|TH)(?![A-Za-z])"
)
_DOTTED = re.compile(r"(?<![0-9.])[0-9]+(?:\.[0-9]+){2,}(?![0-9]|\.[0-9])")
_DECIMAL = re.compile(
    rf"{SIGN}{NUMBER_START}(?P<whole>[0-9]{{1,3}}(?:,[0-9]{{3}})+|[0-9]+)?\.(?P<fraction>[0-9]+){NUMBER_END}"
)
_GROUPED = re.compile(rf"{SIGN}{NUMBER_START}(?P<number>[0-9]{{1,3}}(?:,[0-9]{{3}})+){NUMBER_END}")
_INTEGER = re.compile(rf"{SIGN}(?<![0-9])(?P<number>[0-9]+)")


def _decade(match: re.Match[str]) -> str:
    if match["full"]:
        return pluralize(year(int(match["full"])))
    return pluralize(cardinal(int(match["short"] or match["bare"])))


def _ordinal(match: re.Match[str]) -> str:
    return ordinal(int(match["number"].replace(",", "")))


def _dotted(match: re.Match[str]) -> str:
    parts = match.group(0).split(".")
    return " dot ".join(
        digits(part) if part.startswith("0") and len(part) > 1 else cardinal(int(part)) for part in parts
    )


def _decimal(match: re.Match[str]) -> str | None:
    whole = match["whole"] or ""
    if not whole and match.start() > 0 and match.string[match.start() - 1].isalnum():
        return None  # "v.5", "No.5": the dot belongs to the word before
    return sign_words(match["sign"]) + decimal(whole, match["fraction"])


def _grouped(match: re.Match[str]) -> str:
    return sign_words(match["sign"]) + quantity(match["number"])


def read_integer(number: str) -> str:
    """Read a bare run of ASCII digits by the rules in the module docstring."""
    if len(number) > 1 and number.startswith("0"):
        return digits(number)
    value = int(number)
    if len(number) == 4 and 1100 <= value <= 2099:
        return year(value)
    if len(number) >= 5 and not number.endswith("00"):
        return digits(number)
    return cardinal(value)


def _integer(match: re.Match[str]) -> str:
    if match["sign"]:
        return sign_words(match["sign"]) + cardinal(int(match["number"]))
    return read_integer(match["number"])


def expand_huge_numbers(text: str) -> str:
    """Example: a 40-digit number -> its digits one by one, so no later rule builds a giant int."""
    return substitute(_HUGE, text, lambda match: digits(match.group(0).replace(",", "")))


def expand_decades(text: str) -> str:
    """Example: "the 1980s and '90s" -> "the nineteen eighties and nineties"."""
    return substitute(_DECADE, text, _decade)


def expand_ordinals(text: str) -> str:
    """Example: "the 21st and 103rd" -> "the twenty-first and one hundred third"."""
    return substitute(_ORDINAL, text, _ordinal)


def expand_numbers(text: str) -> str:
    """Read every remaining ASCII digit: dotted numbers, decimals, grouped numbers, then digit runs."""
    text = substitute(_DOTTED, text, _dotted)
    text = substitute(_DECIMAL, text, _decimal)
    text = substitute(_GROUPED, text, _grouped)
    return substitute(_INTEGER, text, _integer)
