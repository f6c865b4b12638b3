"""Abbreviations: titles, street words, Latin shorthands and labels before numbers.

Rules:
- Titles are expanded only before a capitalized word (a name): "Dr. Smith" -> "Doctor Smith",
  "Mr Jones" -> "Mister Jones", "Mrs." -> "Missus", "Ms." -> "Miz", "Prof." -> "Professor", "Mt." ->
  "Mount", ... Mr/Mrs/Ms/Mx also without a period, the others only with one. "Mr. and Mrs. Smith" works.
- "St." and "Dr." are a title before a name and a place word after one:
  * after a capitalized word that does not start its sentence, or after a number ("Main St.",
    "5th St.", "Elm Dr.") -> "Street" / "Drive";
  * otherwise before a capitalized word ("St. Louis", "Call Dr. Smith") -> "Saint" / "Doctor";
  * otherwise "St." -> "Street", "Dr." -> "Doctor"; without a period and without a name around, left alone.
- "Jr."/"Sr." after a capitalized word (a comma between is fine) -> "Junior"/"Senior".
- Shorthands read inside a sentence: "e.g." for example, "i.e." that is, "vs." versus, "approx."
  approximately, "a.k.a." also known as, "cf." compare.
- Words that can end a sentence: "etc." et cetera, "Inc." Incorporated, "Ltd." Limited, "Corp."
  Corporation, "Dept." Department, "Ave." Avenue, "Blvd." Boulevard, "Rd." Road, "Ph.D." / "PhD" P.H.D.
- Labels only before a number: "No. 5" number 5, "Nos." numbers, "Fig." figure, "Vol." volume, "Ch."
  chapter, "p." page, "pp." pages. "No." anywhere else is the word "no".
The expansion takes the capital of the abbreviation ("E.g." -> "For example"). Where the abbreviation's
period also ends the sentence (end of text or a capitalized word next) the period is kept, because espeak
uses it to close the sentence; inside a sentence it is dropped so espeak does not pause.
"""

from __future__ import annotations

import re

from voxtune.text.normalize_common import ends_sentence, like_case, substitute

_TITLES: dict[str, str] = {
    "Mr": "Mister",
    "Mrs": "Missus",
    "Ms": "Miz",
    "Mx": "Mix",
    "Prof": "Professor",
    "Capt": "Captain",
    "Lt": "Lieutenant",
    "Sgt": "Sergeant",
    "Col": "Colonel",
    "Gen": "General",
    "Gov": "Governor",
    "Sen": "Senator",
    "Rep": "Representative",
    "Rev": "Reverend",
    "Hon": "Honorable",
    "Fr": "Father",
    "Mt": "Mount",
}
# Word edges that treat digits as outside the word: "2024Dr." must read like "2024 Dr.", because the digits
# become separate words later and a second normalization would otherwise expand what the first left alone.
_START = r"(?<![^\W\d])"
_END = r"(?![^\W\d])"
_BEFORE_NAME = r"(?=\s+(?:[A-Z]|and\s+M|&\s*M))"
_TITLE = re.compile(rf"{_START}(?:(?P<bare>Mrs|Mr|Ms|Mx){_END}\.?|(?P<dotted>{'|'.join(_TITLES)})\.){_BEFORE_NAME}")

_TITLE_OR_PLACE: dict[str, tuple[str, str]] = {"St": ("Saint", "Street"), "Dr": ("Doctor", "Drive")}
_ST_DR = re.compile(rf"{_START}(?P<abbr>St|Dr){_END}(?P<dot>\.)?")
_NAME_NEXT = re.compile(r"\s+[A-Z]")
_PREVIOUS_WORD = re.compile(r"(?P<word>[\w’']+)\s+$")
_SENTENCE_PUNCTUATION = '.!?:;"“”'
# How far back to look for the word before "St."/"Dr."; a word is far shorter, and a bound keeps it linear.
_LOOKBACK = 64

_NAME_SUFFIX = re.compile(rf"\b(?P<name>[A-Z][a-z]+)(?P<gap>,?\s+)(?P<abbr>Jr|Sr){_END}(?P<dot>\.)?")
_SUFFIXES: dict[str, str] = {"Jr": "Junior", "Sr": "Senior"}

# (pattern, expansion, whether the abbreviation can end a sentence). Matched as one alternation behind one
# shared start test, so a text is scanned once and positions inside words are rejected at once.
_PLAIN: tuple[tuple[str, str, bool], ...] = (
    (rf"[Ee]\.g\.?{_END}", "for example", False),
    (rf"[Ii]\.e\.?{_END}", "that is", False),
    (rf"[Vv]s{_END}\.?", "versus", False),
    (rf"[Aa]pprox{_END}\.?", "approximately", False),
    (rf"[Aa]\.k\.a\.?{_END}", "also known as", False),
    (r"[Cc]f\.", "compare", False),
    (rf"[Ee]tc{_END}\.?", "et cetera", True),
    (r"Inc\.", "Incorporated", True),
    (rf"Ltd{_END}\.?", "Limited", True),
    (r"Corp\.", "Corporation", True),
    (r"Dept\.", "Department", True),
    (r"Ave\.", "Avenue", True),
    (rf"Blvd{_END}\.?", "Boulevard", True),
    (r"Rd\.", "Road", True),
    (rf"Ph\.?D{_END}\.?", "P.H.D", True),
)
_PLAIN_RE = re.compile(
    rf"{_START}(?:" + "|".join(f"(?P<a{i}>{pattern})" for i, (pattern, _, _) in enumerate(_PLAIN)) + ")"
)
_LABELS: dict[str, str] = {
    "no": "number",
    "nos": "numbers",
    "fig": "figure",
    "vol": "volume",
    "ch": "chapter",
    "p": "page",
    "pp": "pages",
}
_LABEL = re.compile(rf"{_START}(?P<abbr>{'|'.join(_LABELS)})\.\s?(?=#?[0-9])", re.IGNORECASE)


def _keep_period(match: re.Match[str], words: str) -> str:
    if match.group(0).endswith(".") and ends_sentence(match.string, match.end()):
        return words + "."
    return words


def _title(match: re.Match[str]) -> str:
    return _TITLES[match["bare"] or match["dotted"]]


def _after_place_name(text: str, start: int) -> bool:
    """Whether the word before `start` names a place: a number ("5th") or a capitalized word that is not
    capitalized merely because it starts the sentence."""
    window_start = max(0, start - _LOOKBACK)
    previous = _PREVIOUS_WORD.search(text[window_start:start])
    if previous is None:
        return False
    word = previous["word"]
    if any(ch.isdigit() for ch in word):
        return True
    i = window_start + previous.start()
    while i > 0 and text[i - 1].isspace():
        i -= 1
    starts_sentence = i == 0 or text[i - 1] in _SENTENCE_PUNCTUATION
    return word[:1].isupper() and not starts_sentence


def _st_dr(match: re.Match[str]) -> str | None:
    title, place = _TITLE_OR_PLACE[match["abbr"]]
    text = match.string
    if _after_place_name(text, match.start()):
        return _keep_period(match, place)
    if _NAME_NEXT.match(text, match.end()):
        return title
    if not match["dot"]:
        return None
    return _keep_period(match, place if match["abbr"] == "St" else title)


def _name_suffix(match: re.Match[str]) -> str:
    return match["name"] + match["gap"] + _keep_period(match, _SUFFIXES[match["abbr"]])


def _plain(match: re.Match[str]) -> str:
    _, expansion, can_end_sentence = _PLAIN[int(str(match.lastgroup)[1:])]
    words = like_case(match.group(0), expansion)
    return _keep_period(match, words) if can_end_sentence else words


def _label(match: re.Match[str]) -> str:
    return like_case(match["abbr"], _LABELS[match["abbr"].lower()])


def expand_abbreviations(text: str) -> str:
    """Example: "Dr. Smith lives on Main St., e.g. near No. 5." ->
    "Doctor Smith lives on Main Street, for example near number 5."."""
    text = substitute(_TITLE, text, _title)
    text = substitute(_ST_DR, text, _st_dr)
    text = substitute(_NAME_SUFFIX, text, _name_suffix)
    text = substitute(_PLAIN_RE, text, _plain)
    return substitute(_LABEL, text, _label)
