"""Pieces every normalizer pass shares: number patterns, word-safe substitution, sentence-end tests.

Patterns use `[0-9]` rather than `\\d`: in Python `\\d` also matches other scripts' digits, and those must
reach the phonemizer untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# An unsigned number as written in English text: "1,234.5", "1234", "3.14", ".5".
NUMBER = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|\.[0-9]+"
# A number must not continue a longer digit run or a decimal/grouped number on either side.
NUMBER_START = r"(?<![0-9])(?<![0-9][.,])"
NUMBER_END = r"(?![0-9])(?![.,][0-9])"
# A leading minus or plus is a sign only where it cannot be a hyphen, a range dash or an operator
# ("COVID-19", "3-5", "2+2").
SIGN = r"(?:(?<![\w)\]])(?P<sign>[-−+]))?"

Render = Callable[[re.Match[str]], str | None]

_SENTENCE_START = re.compile(r"\s+[\"'“‘(\[]*[A-Z]")
_ONLY_SPACE = re.compile(r"\s*\Z")


def sign_words(sign: str | None) -> str:
    """The word for a number's sign: "plus " for "+", "minus " for "-" or "−", "" for none."""
    if not sign:
        return ""
    return "plus " if sign == "+" else "minus "


def substitute(pattern: re.Pattern[str], text: str, render: Render) -> str:
    """`pattern.sub` where `render` may return None to keep a match as written, and where words that land
    next to a letter or digit get a space so they stay separate words ("MP3" -> "MP three")."""
    pieces: list[str] = []
    position = 0
    last_written = ""  # the last character of the output so far; a previous match may end right here
    for match in pattern.finditer(text):
        words = render(match)
        if words is None:
            continue
        start, end = match.span()
        gap = text[position:start]
        before = gap[-1:] or last_written
        if before.isalnum() and words[:1].isalnum():
            words = " " + words
        if text[end : end + 1].isalnum() and words[-1:].isalnum():
            words = words + " "
        pieces += [gap, words]
        last_written = words[-1:] or before
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def ends_sentence(text: str, end: int) -> bool:
    """Whether the period of an abbreviation ending at `end` is also the end of a sentence: nothing but
    space follows, or the next word starts with a capital. Then the expansion keeps the period, because
    espeak uses it to end the sentence and shape its intonation."""
    return _ONLY_SPACE.match(text, end) is not None or _SENTENCE_START.match(text, end) is not None


def like_case(source: str, words: str) -> str:
    """Capitalize `words` when `source` starts with a capital ("E.g." -> "For example")."""
    if source[:1].isupper():
        return words[:1].upper() + words[1:]
    return words
