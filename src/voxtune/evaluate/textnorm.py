"""The text normalizer for scoring: reference and hypothesis both pass through it before WER is counted.

Only differences a listener would not hear may vanish here: case, punctuation, contractions, spelling
variants, and digits versus words ("press 1" and "press one" must score equal). Digits are spelled out by the
text frontend's own normalizer, so scoring agrees with how the voice was asked to read the text.
"""

from __future__ import annotations

import re
import unicodedata

from voxtune.text.normalize import normalize_text

# Dotted abbreviations spoken letter by letter: "A.M.", "p.m", "U.S.A." → "AM", "pm", "USA" (the dots would
# otherwise split them into letters, and "5 PM" would not match "5 p.m.").
_DOTTED_ACRONYM = re.compile(r"\b[A-Za-z](?:\.[A-Za-z])+\b\.?")
# Clock times as ASR systems write them: "7.45 in the morning", "230 p.m." → "7:45 ...", "2:30 p.m.", so the
# frontend reads them as times instead of "seven point four five" and "two hundred thirty".
_TIME_CONTEXT = r"(?=\s*(?:[ap]\.?m\b|in the (?:morning|afternoon|evening)|at night|o'clock))"
_DOTTED_TIME = re.compile(r"\b([01]?\d|2[0-3])\.([0-5]\d)\b" + _TIME_CONTEXT, re.IGNORECASE)
_RUN_TOGETHER_TIME = re.compile(r"\b([1-9]|1[0-2])([0-5]\d)\b(?=\s*[ap]\.?m\b)", re.IGNORECASE)
# "a hundred" and "100" are the same words once the digits are read ("one hundred").
_A_NUMBER = re.compile(r"\ba (hundred|thousand|million|billion)\b")
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
# Spellings ASR systems and script writers choose between freely (Whisper writes American English).
_VARIANTS = {
    "ok": "okay",
    "alright": "all right",
    "per cent": "percent",
    "e mail": "email",
    "colour": "color",
    "colours": "colors",
    "favourite": "favorite",
    "harbour": "harbor",
    "neighbour": "neighbor",
    "neighbours": "neighbors",
    "centre": "center",
    "centres": "centers",
    "theatre": "theater",
    "theatres": "theaters",
    "metre": "meter",
    "metres": "meters",
    "kilometre": "kilometer",
    "kilometres": "kilometers",
    "centimetres": "centimeters",
    "practise": "practice",
    "grey": "gray",
}
_VARIANT = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _VARIANTS), key=len, reverse=True)) + r")\b")
_NOT_WORD = re.compile(r"[^\w' ]+")
_SPACES = re.compile(r"\s+")


def normalize_for_scoring(text: str, language: str = "en") -> str:
    """Lowercase words separated by single spaces, digits spelled out, no punctuation, no contractions.

    ``"It's 5 P.M., isn't it?"`` → ``"it is five pm is not it"`` (the exact spelling of numbers is whatever
    :func:`voxtune.text.normalize.normalize_text` produces, applied to both sides alike).
    """
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    text = _RUN_TOGETHER_TIME.sub(r"\1:\2", _DOTTED_TIME.sub(r"\1:\2", text))
    text = _DOTTED_ACRONYM.sub(lambda match: match.group(0).replace(".", ""), _spell_out(text, language)).lower()
    # Hyphens and slashes join words in writing only: "twenty-one", "and/or".
    text = re.sub(r"[-/\u2010-\u2015]", " ", text).replace("&", " and ")
    text = _SPACES.sub(" ", _NOT_WORD.sub(" ", text)).strip()
    words = [_expand(word) for word in text.split(" ")] if language == "en" else text.split(" ")
    text = " ".join(word.replace("'", "").replace("_", " ") for word in words)
    text = _A_NUMBER.sub(r"one \1", _SPACES.sub(" ", text).strip())
    return _VARIANT.sub(lambda match: _VARIANTS[match.group(1)], text)


def _spell_out(text: str, language: str) -> str:
    """Numbers, dates, money, abbreviations as words; text of a language the frontend cannot read stays as is."""
    try:
        return normalize_text(text, language)
    except ValueError:
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
