"""Clock times.

Rules:
- "7:30" -> "seven thirty", "14:05" -> "fourteen oh five" (minutes 01-09 read "oh N").
- Full hours: "9:00" -> "nine o'clock" for hours 1-12, "14:00" -> "fourteen hundred" for 13-23 (the
  24-hour way of saying it), "0:00"/"00:00" -> "midnight"; other times in hour 0 read "zero thirty".
- With am/pm: "7:30 am" -> "seven thirty a.m", "9:00 PM" -> "nine P.M"; a bare hour needs the marker
  and must be 1-12: "7pm" / "7 p.m." -> "seven p.m". The marker is written "a.m"/"p.m" in the letter case
  it had: espeak reads "a m" as the article "a" plus "m", but "a.m" as the two letter names; the final
  period is kept only where it also ends the sentence, since espeak starts a new sentence after it.
- Seconds: "10:15:30" -> "ten fifteen and thirty seconds".
- Hours above 23 or minutes above 59 are not times (ratios, scores); the number rules read them.
"""

from __future__ import annotations

import re

from voxtune.text.normalize_common import ends_sentence, substitute
from voxtune.text.numbers import cardinal

_MARKER = r"(?:\s?(?P<ampm>(?P<ap>[aApP])\.?(?P<m>[mM])(?P<dot>\.)?)(?![A-Za-z]))"
_CLOCK = re.compile(
    r"(?<![0-9:.])(?P<hour>[01]?[0-9]|2[0-3]):(?P<minute>[0-5][0-9])(?::(?P<second>[0-5][0-9]))?"
    rf"(?![0-9:]){_MARKER}?"
)
_HOUR_ONLY = re.compile(rf"(?<![0-9:.,])(?P<hour>1[0-2]|0?[1-9]){_MARKER}")


def _marker(match: re.Match[str]) -> str:
    if not match["ampm"]:
        return ""
    words = f" {match['ap']}.{match['m']}"
    if match["dot"] and ends_sentence(match.string, match.end()):
        words += "."
    return words


def _minutes(minute: int) -> str:
    return f"oh {cardinal(minute)}" if minute < 10 else cardinal(minute)


def _clock(match: re.Match[str]) -> str:
    hour, minute = int(match["hour"]), int(match["minute"])
    marker = _marker(match)
    if minute:
        words = f"{cardinal(hour)} {_minutes(minute)}"
    elif marker:
        words = cardinal(hour)
    elif hour == 0:
        words = "midnight"
    else:
        words = cardinal(hour) + (" o'clock" if hour <= 12 else " hundred")
    if match["second"]:
        second = int(match["second"])
        words += f" and {cardinal(second)} second{'' if second == 1 else 's'}"
    return words + marker


def _hour_only(match: re.Match[str]) -> str:
    return cardinal(int(match["hour"])) + _marker(match)


def expand_times(text: str) -> str:
    """Example: "Meet at 7:30 am or 14:05." -> "Meet at seven thirty a.m or fourteen oh five."."""
    text = substitute(_CLOCK, text, _clock)
    return substitute(_HOUR_ONLY, text, _hour_only)
