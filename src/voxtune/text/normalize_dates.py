"""Dates: month names with days, numeric dates and ISO dates.

Rules (American reading, the voices are en-US):
- "March 3, 2024" -> "March third, twenty twenty-four"; "Jan. 5" -> "January fifth"; "May 3-5" ->
  "May third to fifth". Month names must be capitalized ("may 5" stays a verb), abbreviations may carry a
  period ("Sept.", "Jan."). The separator before the year is kept as written.
- "3 March 2024" -> "the third of March twenty twenty-four" ("the" is not doubled after "the").
  "the 3rd of May" needs no rule here: the ordinal rule reads it.
- "3/4/2024" is month/day/year -> "March fourth, twenty twenty-four". When the first number cannot be a
  month but the second can ("25/12/2024") it is read day/month. Two-digit years are read as two digits
  ("3/4/24" -> "... twenty-four"). A slash pair without a year ("3/4") is a fraction, not a date.
- "2024-03-05" (ISO) -> "March fifth, twenty twenty-four".
Days outside 1..31 and months outside 1..12 are not dates and are left to the other rules.
"""

from __future__ import annotations

import re

from voxtune.text.normalize_common import ends_sentence, substitute
from voxtune.text.numbers import cardinal, ordinal, year

_MONTHS: tuple[str, ...] = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH_BY_NAME: dict[str, str] = {name: name for name in _MONTHS}
_MONTH_BY_NAME.update({name[:3]: name for name in _MONTHS if name != "May"})
_MONTH_BY_NAME["Sept"] = "September"

# Longest names first so "Sept" wins over "Sep" and "June" over "Jun".
_MONTH = "|".join(sorted(_MONTH_BY_NAME, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"
_DAY = r"[0-3]?[0-9]"

_MONTH_DAY = re.compile(
    rf"\b(?P<month>{_MONTH})\.?\s+(?P<day>{_DAY}){_ORD}"
    rf"(?:\s?[-–]\s?(?P<day2>{_DAY}){_ORD})?"
    r"(?:(?P<sep>,?\s+)(?P<year>[0-9]{4}))?"
    r"(?![0-9:])(?![.,][0-9])"
)
_DAY_MONTH = re.compile(
    rf"(?<![0-9])(?P<day>{_DAY}){_ORD}\s+(?P<month>{_MONTH})\b(?P<dot>\.)?"
    r"(?:(?P<sep>,?\s+)(?P<year>[0-9]{4})(?![0-9]))?"
)
_NUMERIC = re.compile(r"(?<![0-9/])(?P<a>[0-9]{1,2})/(?P<b>[0-9]{1,2})/(?P<year>[0-9]{4}|[0-9]{2})(?![0-9/])")
_ISO = re.compile(r"(?<![0-9-])(?P<year>[0-9]{4})-(?P<month>0[1-9]|1[0-2])-(?P<day>0[1-9]|[12][0-9]|3[01])(?![0-9-])")


def _valid_day(day: str | None) -> bool:
    return day is None or 1 <= int(day) <= 31


def _year_words(digits: str) -> str:
    if len(digits) == 2:
        return f"oh {cardinal(int(digits[1]))}" if digits[0] == "0" else cardinal(int(digits))
    return year(int(digits))


def _month_day(match: re.Match[str]) -> str | None:
    if not (_valid_day(match["day"]) and _valid_day(match["day2"])):
        return None
    words = f"{_MONTH_BY_NAME[match['month']]} {ordinal(int(match['day']))}"
    if match["day2"]:
        words += f" to {ordinal(int(match['day2']))}"
    if match["year"]:
        words += f"{match['sep']}{year(int(match['year']))}"
    return words


def _day_month(match: re.Match[str]) -> str | None:
    if not _valid_day(match["day"]):
        return None
    start = match.start()
    after_the = match.string[max(0, start - 4) : start].lower() == "the "
    words = f"{'' if after_the else 'the '}{ordinal(int(match['day']))} of {_MONTH_BY_NAME[match['month']]}"
    if match["year"]:
        words += f"{match['sep']}{year(int(match['year']))}"
    elif match["dot"] and ends_sentence(match.string, match.end()):
        words += "."
    return words


def _spoken(month: int, day: int, year_digits: str) -> str:
    return f"{_MONTHS[month - 1]} {ordinal(day)}, {_year_words(year_digits)}"


def _numeric(match: re.Match[str]) -> str | None:
    first, second = int(match["a"]), int(match["b"])
    month, day = (first, second) if 1 <= first <= 12 else (second, first)
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return _spoken(month, day, match["year"])


def _iso(match: re.Match[str]) -> str:
    return _spoken(int(match["month"]), int(match["day"]), match["year"])


def expand_dates(text: str) -> str:
    """Spell out the dates in `text` (see the module docstring for the shapes recognized)."""
    text = substitute(_ISO, text, _iso)
    text = substitute(_NUMERIC, text, _numeric)
    text = substitute(_MONTH_DAY, text, _month_day)
    return substitute(_DAY_MONTH, text, _day_month)
