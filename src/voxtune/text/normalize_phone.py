"""Phone numbers, read digit by digit in their written groups.

Recognized shapes (anything else is left to the general number rules):
- international: "+" then a country code and 2-5 more groups ("+1 800 555 0199", "+44 20 7946 0958"),
  or "+" and 8-15 digits in one run ("+14155550199");
- North American: "555-123-4567", "555.123.4567", "555 123 4567" (one separator used throughout),
  "(555) 123-4567", optionally after "1-" ("1-800-555-0199");
- national numbers with a trunk zero: a group of 3-5 digits starting with 0, then 1-3 more groups
  ("0800 123 456", "020 7946 0958").
Each group is read digit by digit and groups are separated by commas, so espeak pauses where a person
would. Seven-digit local numbers ("555-1234") are not recognized: they cannot be told from a range.
"""

from __future__ import annotations

import re

from voxtune.text.normalize_common import substitute
from voxtune.text.numbers import digits

_PHONE = re.compile(
    r"(?<![\w+.,-])"
    r"(?:"
    r"\+[0-9]{1,3}(?:[ -][0-9]{1,4}){2,5}"
    r"|\+[0-9]{8,15}"
    r"|(?:1[-. ])?(?:\([0-9]{3}\) ?[0-9]{3}[-. ][0-9]{4}|[0-9]{3}(?P<sep>[-. ])[0-9]{3}(?P=sep)[0-9]{4})"
    r"|0[0-9]{2,4}(?:[ -][0-9]{2,4}){1,3}"
    r")"
    r"(?![0-9])(?![-.][0-9])"
)
_GROUP = re.compile(r"\+|[0-9]+")


def _read(match: re.Match[str]) -> str:
    groups = ["plus" if group == "+" else digits(group) for group in _GROUP.findall(match.group(0))]
    if groups[0] == "plus":
        groups[:2] = [f"plus {groups[1]}"]
    return ", ".join(groups)


def expand_phone_numbers(text: str) -> str:
    """Example: "Call 555-123-4567." -> "Call five five five, one two three, four five six seven."."""
    return substitute(_PHONE, text, _read)
