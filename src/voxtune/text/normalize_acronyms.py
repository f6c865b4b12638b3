"""All-capital words: acronyms to spell, acronyms said as words, and shouting left alone.

Rules, for a run of 2-6 capitals standing as a word (hyphens allowed around it, as in "COVID-19"):
- Said as words (a fixed list): "WWII" -> "World War Two", "NASA" -> "Nasa", "NATO" -> "Nato",
  "AIDS" -> "Aids", "LASER" -> "laser", ... with "'s"/"s" kept ("NASA's" -> "Nasa's"). Written in lower
  or title case because espeak may spell, or drop the "'s" of, an all-capital word.
- Spelled: every other run, written as letters joined by periods: "FBI" -> "F.B.I", "USA" -> "U.S.A".
  espeak reads "F.B.I" as three letter names with acronym stress; separated by spaces ("F B I") it reads a
  leading "A" as the article ("A B C" -> "uh bee see"), and hyphens ("U-S-A") fail the same way. A final
  period is never added, so no sentence break appears inside a sentence.
- With a plural or possessive ending ("CDs", "FBI's") a spelled acronym is left as written: espeak
  already spells those, while "F.B.I's" would be read "F.B eyes".
- Left alone: common English words written in capitals for emphasis ("do NOT", "STOP"), Roman numerals
  of I, V and X ("World War II"), and every capital run of a sentence with no lowercase letter (shouted
  text, headings): spelling those would turn words into letters, and rewriting only the listed ones
  ("NASA" -> "Nasa") would add a lowercase letter and change how a second pass reads the sentence.
Dotted acronyms already in the text ("U.S.", "a.m.") are left alone: espeak reads them right.
"""

from __future__ import annotations

import re

from voxtune.text.normalize_common import substitute

_AS_WORDS: dict[str, str] = {
    "NASA": "Nasa",
    "NATO": "Nato",
    "UNESCO": "Unesco",
    "UNICEF": "Unicef",
    "AIDS": "Aids",
    "LASER": "laser",
    "RADAR": "radar",
    "SCUBA": "scuba",
    "SONAR": "sonar",
    "FIFA": "Fifa",
    "OPEC": "Opec",
    "COVID": "Covid",
    "NASDAQ": "Nasdaq",
    "PIN": "pin",
    "WWI": "World War One",
    "WWII": "World War Two",
}
# Everyday words people capitalize for emphasis; spelling them would be wrong. "US" and "IT" are absent on
# purpose: in mixed-case text they are far more often the country and the field.
_EMPHASIS_TEXT = """
    AM AN AND ANY ARE AS AT BE BUT BY DO GO HE IF IN IS ME MY NO OF OH OK ON OR SO TO UP WE
    ALL BAD BIG CAN DID FOR GET HAS HER HIM HIS HOT HOW LET NEW NOT NOW OFF OLD ONE OUR OUT SHE THE TOO TWO
    WAS WAY WHO WHY YES YET YOU
    ALSO BEST DONT EVER FREE GOOD HAVE HELP JUST LAST LIKE MORE MOST MUST NEED NEVER NEXT ONLY OVER REAL SALE
    SOON STOP SURE THAN THAT THEM THEN THEY THIS VERY WANT WHAT WHEN WILL WITH YOUR
    ABOUT AFTER AGAIN ALWAYS BEFORE EVERY FIRST GREAT QUIET READ RIGHT STILL THERE THESE THINK
    WAIT WATCH WHERE WHICH WHILE WRONG
"""
_EMPHASIS_WORDS: frozenset[str] = frozenset(_EMPHASIS_TEXT.split())
_ROMAN = re.compile(r"X{0,3}(?:IX|IV|V?I{0,3})")
_CAPITALS = re.compile(r"(?<![\w.'’])(?P<letters>[A-Z]{2,6})(?P<suffix>['’]s|s)?(?![\w'’]|\.[A-Za-z])")
_SENTENCE_ENDS = ".!?\n"


def _shouted(text: str, start: int, end: int) -> bool:
    """Whether the sentence around text[start:end] has no lowercase letter."""
    left = max(text.rfind(mark, 0, start) for mark in _SENTENCE_ENDS)
    rights = [i for i in (text.find(mark, end) for mark in _SENTENCE_ENDS) if i != -1]
    sentence = text[left + 1 : min(rights, default=len(text))]
    return not any(ch.islower() for ch in sentence)


def _acronym(match: re.Match[str]) -> str | None:
    letters, suffix = match["letters"], match["suffix"] or ""
    if _shouted(match.string, match.start(), match.end()):
        return None
    if letters in _AS_WORDS:
        return _AS_WORDS[letters] + suffix
    if suffix or letters in _EMPHASIS_WORDS or _ROMAN.fullmatch(letters):
        return None
    return ".".join(letters)


def expand_acronyms(text: str) -> str:
    """Example: "The FBI and NASA" -> "The F.B.I and Nasa"."""
    return substitute(_CAPITALS, text, _acronym)
