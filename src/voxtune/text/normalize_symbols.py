"""Symbols that stand for words: "#" before a number, "&", and "=" outside a full equation.

Rules:
- "#1" -> "number 1" (only before a digit; hashtags and "C#" stay).
- "&" -> "and" everywhere ("R&D" -> "R and D", "Tom & Jerry" -> "Tom and Jerry").
- "=" -> "equals" when it stands alone (not "==", "<=", ">=", "!=", "=>").
Surrounding spacing is kept; a word that lands next to a letter or digit gets a space.
"""

from __future__ import annotations

import re

from voxtune.text.normalize_common import substitute

_NUMBER_SIGN = re.compile(r"#(?=[0-9])")
_AMPERSAND = re.compile(r"&")
_EQUALS = re.compile(r"(?<![=<>!])=(?![=>])")


def expand_symbols(text: str) -> str:
    """"#1 R&D x=5" -> "number 1 R and D x equals 5"."""
    text = substitute(_NUMBER_SIGN, text, lambda _: "number ")
    text = substitute(_AMPERSAND, text, lambda _: "and")
    return substitute(_EQUALS, text, lambda _: "equals")
