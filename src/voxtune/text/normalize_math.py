"""Number relations: arithmetic, ranges, dimensions and fractions.

These rules rewrite only the operators and leave the digits for the number rules that run later, so
"3-5 km" becomes "3 to 5 km" and the unit rule still sees "5 km".

Rules:
- Arithmetic: only a chain of numbers and operators that has an "=" ("2 + 2 = 4", "10 / 2 = 5",
  "5 - 3 = 2") is read as arithmetic: + plus, - or − minus, x × * times, / ÷ divided by, = equals. A minus
  right after an operator stays a sign ("5 - -3 = 8" -> "5 minus -3 equals 8").
- Codes: three or more digit groups joined by hyphens ("978-3-16-148410-0", "123-45-6789") are not
  ranges; each group is read digit by digit and groups are separated by commas. (ISO dates and phone
  numbers are read earlier.)
- Ranges: a hyphen or dash between two numbers, with a space on both sides or neither, outside
  arithmetic, is "to":
  "3-5 minutes", "1990–1995", "$5-$10". (Scores like "3-2" also read "three to two".)
- Dimensions: "x" or "×" between two numbers outside arithmetic is "by" ("1920x1080", "2 × 4").
- "+" between two numbers outside an equation is "plus" ("2 + 2").
- Fractions: a slash between two numbers with no year after it (dates are handled earlier) is a fraction:
  "1/2" one half, "3/4" three quarters, "2/3" two thirds, "5/8" five eighths; a whole number before it
  makes a mixed number, "1 1/2" one and a half, "2 3/4" two and three quarters (proper fractions only).
  Denominator 1 reads "over one"; 0 is left alone. A few fixed expressions read as people say them:
  "24/7", "50/50", "9/11".
"""

from __future__ import annotations

import re

from voxtune.text.normalize_common import substitute
from voxtune.text.numbers import cardinal, digits, ordinal, pluralize

_OPERAND = r"[-−]?[0-9]+(?:\.[0-9]+)?"
_OPERATOR = r"[-−+×x*/÷]"
_EQUATION = re.compile(
    rf"(?<![\w.])(?:{_OPERAND}\s*{_OPERATOR}\s*)+{_OPERAND}\s*=\s*{_OPERAND}(?:\s*{_OPERATOR}\s*{_OPERAND})*"
    r"(?!\w|\.[0-9])"
)
# In an equation an operator is binary when it follows a digit; anything else is a sign.
_BINARY = re.compile(rf"(?<=[0-9])\s*(?P<op>{_OPERATOR}|=)\s*")
_OPERATOR_WORDS: dict[str, str] = {
    "+": "plus",
    "-": "minus",
    "−": "minus",
    "×": "times",
    "x": "times",
    "*": "times",
    "/": "divided by",
    "÷": "divided by",
    "=": "equals",
}

# Spaces on both sides or on neither: "3 -5" is a number and a negative number, not a range.
_RANGE = re.compile(r"(?<=[0-9])(?<![A-Za-z][0-9])(?:[-–—]| [-–—] )(?=[$€£¥₹]?[0-9])")
_CODE = re.compile(r"(?<![\w.,-])[0-9]+(?:-[0-9]+){2,}(?![\w-]|[.,][0-9])")
_BY = re.compile(r"(?<=[0-9])\s?[x×]\s?(?=[0-9])")
_PLUS = re.compile(r"(?<=[0-9])\s?\+\s?(?=[0-9])")

_FRACTION_START = r"(?<![0-9/.,])"
_FRACTION_END = r"(?![0-9/]|[.,][0-9])"
_MIXED = re.compile(rf"{_FRACTION_START}(?P<whole>[0-9]+) (?P<num>[0-9]+)/(?P<den>[0-9]+){_FRACTION_END}")
_FRACTION = re.compile(rf"{_FRACTION_START}(?P<num>[0-9]+)/(?P<den>[0-9]+){_FRACTION_END}")
_IDIOMS: dict[str, str] = {"24/7": "twenty-four seven", "50/50": "fifty-fifty", "9/11": "nine eleven"}


def _equation(match: re.Match[str]) -> str:
    return _BINARY.sub(lambda op: f" {_OPERATOR_WORDS[op['op']]} ", match.group(0))


def _denominator(den: int, plural: bool) -> str:
    word = {2: "half", 4: "quarter"}.get(den) or ordinal(den)
    if not plural:
        return word
    return "halves" if den == 2 else pluralize(word)


def _fraction_words(num: int, den: int) -> str:
    return f"{cardinal(num)} {_denominator(den, plural=num != 1)}"


def _mixed(match: re.Match[str]) -> str | None:
    num, den = int(match["num"]), int(match["den"])
    if not 0 < num < den:
        return None
    part = f"a {_denominator(den, plural=False)}" if num == 1 else _fraction_words(num, den)
    return f"{cardinal(int(match['whole']))} and {part}"


def _fraction(match: re.Match[str]) -> str | None:
    idiom = _IDIOMS.get(match.group(0))
    if idiom:
        return idiom
    num, den = int(match["num"]), int(match["den"])
    if den == 0:
        return None
    if den == 1:
        return f"{cardinal(num)} over one"
    return _fraction_words(num, den)


def expand_equations(text: str) -> str:
    """Example: "2 + 2 = 4" -> "2 plus 2 equals 4" (numbers are read later)."""
    return substitute(_EQUATION, text, _equation)


def expand_ranges(text: str) -> str:
    """Example: "3-5 minutes" -> "3 to 5 minutes"; also codes, "by" in dimensions and "plus" between numbers."""
    text = substitute(_CODE, text, lambda match: ", ".join(digits(group) for group in match.group(0).split("-")))
    text = _RANGE.sub(" to ", text)
    text = _BY.sub(" by ", text)
    return _PLUS.sub(" plus ", text)


def expand_fractions(text: str) -> str:
    """Example: "1 1/2 cups, 3/4 of it" -> "one and a half cups, three quarters of it"."""
    text = substitute(_MIXED, text, _mixed)
    return substitute(_FRACTION, text, _fraction)
