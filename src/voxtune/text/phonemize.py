"""Text → phonemes. The espeak-ng phonemizer is Piper's own (``piper.phonemize_espeak``), so a Piper voice
hears exactly the phonemes it was trained on.

Characters the voice cannot say (emoji, scripts foreign to the voice's language) are removed beforehand and
reported, instead of being read out as "grinning face" or dropped silently.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass, field
from typing import Protocol


class Phonemizer(Protocol):
    """Turns text into sentences of phoneme symbols (one string per symbol)."""

    def phonemize(self, text: str) -> list[list[str]]: ...


@dataclass
class PhonemizedText:
    """Sentences of phonemes plus the characters that had to be dropped from the input."""

    sentences: list[list[str]]
    dropped: list[str] = field(default_factory=list)


# Scripts an espeak voice of each language family reads; anything else is dropped for that voice.
_LATIN_LANGUAGES = {
    "en",
    "de",
    "fr",
    "es",
    "it",
    "nl",
    "pt",
    "pl",
    "cs",
    "sv",
    "da",
    "no",
    "nb",
    "fi",
    "ro",
    "hu",
    "sk",
    "sl",
    "hr",
    "tr",
    "ca",
    "eu",
    "is",
    "lv",
    "lt",
    "et",
    "sw",
    "vi",
    "cy",
    "ga",
}
_espeak_lock = threading.Lock()


def _is_speakable(char: str, latin_only: bool) -> bool:
    category = unicodedata.category(char)
    if category[0] in "ZPN" or char in "\n\t\r":
        return True
    if category in ("So", "Cs", "Co", "Cn", "Sk") or category[0] == "C":
        return False
    if category == "Sm" or category == "Sc":
        return True
    if latin_only and category[0] in "LM":
        name = unicodedata.name(char, "")
        return name.startswith(("LATIN", "MODIFIER", "COMBINING"))
    return True


def strip_unspeakable(text: str, language: str) -> tuple[str, list[str]]:
    """Remove characters a voice of ``language`` (e.g. ``en_US``, ``en-us``) cannot pronounce.

    Returns the cleaned text and the distinct dropped characters in order of appearance.
    """
    family = language.replace("_", "-").split("-")[0].lower()
    latin_only = family in _LATIN_LANGUAGES
    kept: list[str] = []
    dropped: list[str] = []
    for char in text:
        if _is_speakable(char, latin_only) or unicodedata.category(char) == "Mn":
            kept.append(char)
        else:
            kept.append(" ")
            if char not in dropped:
                dropped.append(char)
    return "".join(kept), dropped


class EspeakPhonemizer:
    """Piper-identical espeak-ng phonemization for one espeak voice (e.g. ``en-us``)."""

    def __init__(self, espeak_voice: str, language: str = "en_US") -> None:
        from piper.phonemize_espeak import EspeakPhonemizer as _PiperEspeak

        self.espeak_voice = espeak_voice
        self.language = language
        with _espeak_lock:
            self._espeak = _PiperEspeak()

    def phonemize(self, text: str) -> list[list[str]]:
        return self.phonemize_text(text).sentences

    def phonemize_text(self, text: str) -> PhonemizedText:
        """Phonemize after dropping unspeakable characters; empty sentences are removed."""
        clean, dropped = strip_unspeakable(text, self.language)
        # espeak-ng keeps global state (current voice): one caller at a time.
        with _espeak_lock:
            sentences = self._espeak.phonemize(self.espeak_voice, clean)
        return PhonemizedText([s for s in sentences if any(not p.isspace() for p in s)], dropped)
