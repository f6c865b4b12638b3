"""The text normalizer for scoring: reference and hypothesis both pass through it before WER is counted.

Only differences a listener would not hear may vanish here: case, punctuation, contractions, spelling
variants, and digits versus words ("press 1" and "press one" must score equal). Digits are spelled out by the
text frontend's own normalizer, so scoring agrees with how the voice was asked to read the text.
"""

from __future__ import annotations

import re
import unicodedata

from voxtune.text.normalize import normalize_text

# Dotted abbreviations spoken letter by letter: "A.M.", "U.S.A." → "AM", "USA" (the dots would split them).
_DOTTED_ACRONYM = re.compile(r"\b(?:[A-Za-z]\.){2,}")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
# Whole-word contractions whose expansion is not regular (or is ambiguous and settled here once).
_IRREGULAR = {
    "won't": "will not",
    "can't": "can not",
    "cannot": "can not",
    "shan't": "shall not",
    "ain't": "is not",
    "let's": "let us",
    "y'all": "you all",
}
# "'s" after these is "is"; elsewhere it is a possessive and only loses its apostrophe.
_IS_HOSTS = ("it", "that", "what", "there", "here", "he", "she", "where", "who", "how", "when", "why")
_SUFFIXES = (("n't", " not"), ("'re", " are"), ("'ve", " have"), ("'ll", " will"), ("'m", " am"), ("'d", " would"))
# Spellings ASR systems and script writers choose between freely.
_VARIANTS = {"ok": "okay", "alright": "all right", "per cent": "percent"}
_NOT_WORD = re.compile(r"[^\w' ]+")
_SPACES = re.compile(r"\s+")


def normalize_for_scoring(text: str, language: str = "en") -> str:
    """Lowercase words separated by single spaces, digits spelled out, no punctuation, no contractions.

    ``"It's 5 P.M., isn't it?"`` → ``"it is five pm is not it"`` (the exact spelling of numbers is whatever
    :func:`voxtune.text.normalize.normalize_text` produces, applied to both sides alike).
    """
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    text = _DOTTED_ACRONYM.sub(lambda match: match.group(0).replace(".", ""), text)
    text = normalize_text(text, language).lower()
    # Hyphens and slashes join words in writing only: "twenty-one", "and/or".
    text = re.sub(r"[-/\u2010-\u2015]", " ", text).replace("&", " and ")
    text = _SPACES.sub(" ", _NOT_WORD.sub(" ", text)).strip()
    words = [_expand(word) for word in text.split(" ")] if language == "en" else text.split(" ")
    text = " ".join(word.replace("'", "").replace("_", " ") for word in words)
    text = _SPACES.sub(" ", text).strip()
    for variant, canonical in _VARIANTS.items():
        text = re.sub(rf"\b{variant}\b", canonical, text)
    return text


def _expand(word: str) -> str:
    """One lowercase English word with its contraction, if any, spelled out."""
    word = word.strip("'")
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith("'s"):
        stem = word[:-2]
        return f"{stem} is" if stem in _IS_HOSTS else stem + "s"
    for suffix, expansion in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            return word[: -len(suffix)] + expansion
    return word
