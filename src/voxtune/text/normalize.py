"""English text normalization: the words a phonemizer should read, from text as people write it.

`normalize_text` runs a fixed sequence of rewrite passes; each pass lives in its own module and documents
its rules and how it settles ambiguity. The order is what resolves the overlaps between them:

1. abbreviations  - before numbers, so "No. 5" and "5th St." are seen with their digits;
2. huge numbers   - 37+ digits read digit by digit, so no later rule meets a number too big to spell;
3. phone numbers  - before anything else reads their digit groups as numbers or ranges;
4. dates          - "3/4/2024", "2024-03-05", "March 3" before fractions, ranges and ordinals;
5. equations      - before ranges, so the "-" in "5 - 3 = 2" is minus, not "to";
6. ranges         - "3-5" -> "3 to 5" (and "x" dimensions, "+" between numbers) before money and units,
                    so "$5-10" and "3-5 km" read each number in its context;
7. times          - "7:30 am", "7pm";
8. money, percent - "$5.50", "£3m", "50%";
9. decades        - "1980s" before units, where "s" is seconds;
10. ordinals      - "21st";
11. units         - "5 km", "−3°C";
12. fractions     - "1/2", "2 3/4";
13. symbols       - "#1", "&", "=";
14. numbers       - every digit left: decimals, "1,234", years, digit-by-digit codes, cardinals;
15. acronyms      - last, so it also sees capitals produced or exposed by earlier passes.

Everything else passes through untouched: case, punctuation (espeak uses it for sentence splitting and
intonation), whitespace, and characters of other scripts (the phonemizer decides what to do with them).
Only ASCII digits are read. The output contains no ASCII digits, and normalizing it again changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from voxtune.text.abbreviations import expand_abbreviations
from voxtune.text.normalize_acronyms import expand_acronyms
from voxtune.text.normalize_dates import expand_dates
from voxtune.text.normalize_math import expand_equations, expand_fractions, expand_ranges
from voxtune.text.normalize_money import expand_money
from voxtune.text.normalize_numerals import expand_decades, expand_huge_numbers, expand_numbers, expand_ordinals
from voxtune.text.normalize_phone import expand_phone_numbers
from voxtune.text.normalize_symbols import expand_symbols
from voxtune.text.normalize_times import expand_times
from voxtune.text.normalize_units import expand_percent, expand_units

__all__ = ["normalize_text"]

_ENGLISH = re.compile(r"en(?:[-_][A-Za-z0-9]{2,8})*", re.IGNORECASE)

_ANY = re.compile(r"")
_DIGIT = re.compile(r"[0-9]")
# Each pass with a cheap test for the characters it needs: most sentences have no digits, currency signs or
# runs of capitals, and scanning them with every pass's lookaround-heavy patterns is what costs the time.
_PASSES: tuple[tuple[Callable[[str], str], re.Pattern[str]], ...] = (
    (expand_abbreviations, _ANY),
    (expand_huge_numbers, _DIGIT),
    (expand_phone_numbers, _DIGIT),
    (expand_dates, _DIGIT),
    (expand_equations, re.compile(r"=")),
    (expand_ranges, _DIGIT),
    (expand_times, _DIGIT),
    (expand_money, re.compile(r"[$€£¥₹¢]")),
    (expand_percent, re.compile(r"%")),
    (expand_decades, _DIGIT),
    (expand_ordinals, _DIGIT),
    (expand_units, _DIGIT),
    (expand_fractions, re.compile(r"/")),
    (expand_symbols, re.compile(r"[#&=]")),
    (expand_numbers, _DIGIT),
    (expand_acronyms, re.compile(r"[A-Z]{2}")),
)


def normalize_text(text: str, language: str = "en") -> str:
    """Expand numbers, dates, times, money, units, abbreviations... into words a phonemizer reads right.

    `language` is a BCP 47-like English code: "en", "en-us", "en_US", "en-gb", ... (case and "-"/"_" do not
    matter). The reading is American English for every English code (month/day dates). Raises ValueError
    for any other language.

    Example: "Dr. Smith paid $5.50 on March 3, 2024 at 7:30 am." ->
    "Doctor Smith paid five dollars and fifty cents on March third, twenty twenty-four at seven thirty a.m."
    """
    if not _ENGLISH.fullmatch(language):
        raise ValueError(
            f"normalize_text supports English only ('en', 'en-us', 'en_US', 'en-gb', ...), got {language!r}"
        )
    for expand, needs in _PASSES:
        if needs.search(text):
            text = expand(text)
    return text
