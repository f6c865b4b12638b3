"""Symbols that stand for words: "#" before a number, "&", and "=" outside a full equation.

Rules:
- "#1" -> "number 1" (only before a digit; hashtags and "C#" stay).
- "&" -> "and" everywhere ("R&D" -> "R and D", "Tom & Jerry" -> "Tom and Jerry"). Between capitals
  the letters are spelled, because "AT" alone would be read as the word "at": "AT&T" -> "A.T and T".
- "=" -> "equals" when it stands alone (not "==", "<=", ">=", "!=", "=>").
Surrounding spacing is kept; a word that lands next to a letter or digit gets a space.
"""

from __future__ import annotations

import re

from voxtune.text.normalize_common import substitute

_NUMBER_SIGN = re.compile(r"#(?=[0-9])")
_LETTERS_AND_LETTERS = re.compile(r"\b(?P<left>[A-Z]{1,3})&(?P<right>[A-Z]{1,3})\b")
_AMPERSAND = re.compile(r"&")
_EQUALS = re.compile(r"(?<![=<>!])=(?![=>])")


def _letters_and_letters(match: re.Match[str]) -> str:
    return f"{'.'.join(match['left'])} and {'.'.join(match['right'])}"


def expand_symbols(text: str) -> str:
    """Example: "#1 R&D x=5" -> "number 1 R and D x equals 5"."""
    text = substitute(_NUMBER_SIGN, text, lambda _: "number ")
    text = substitute(_LETTERS_AND_LETTERS, text, _letters_and_letters)
    text = substitute(_AMPERSAND, text, lambda _: "and")
    return substitute(_EQUALS, text, lambda _: "equals")
