"""Transcript → what the voice is trained on: normalized words, phonemes per sentence, phoneme ids.

Phonemes come from the target voice's own phonemizer and ids from its own map, so the prepared corpus speaks the
voice's symbol language. Ids follow Piper's training layout: each sentence is ``^ _ p1 _ p2 ... $`` and the
sentences are concatenated. Symbols the map lacks are kept out of the ids and reported (cross-language transfer
needs to know which to add).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from voxtune.data.items import ItemRejected
from voxtune.text.normalize import normalize_text
from voxtune.text.phonemize import EspeakPhonemizer
from voxtune.text.symbols import phonemes_to_ids

# Square, curly and angle brackets in a transcript are annotations ("[laughs]", "<beep>", "at [@]"); text that is
# wholly or partly in parentheses is a description or a transcriber's note as often as it is read aloud.
# Seconds a short utterance may take beyond its phones at the lowest plausible rate (see check_rate).
RATE_SLACK_SECONDS = 1.0
_ANNOTATION = re.compile(r"\[[^\]]*\]|\{[^}]*\}|<[^>]*>|\([^)]*\)")


@dataclass(frozen=True)
class PhonemizedTranscript:
    """The text side of one kept clip."""

    normalized: str
    phonemes: list[str]
    ids: list[int]
    missing: list[str]
    dropped: list[str]


def normalize_transcript(text: str | None, given_normalized: str | None, language: str, annotations: bool) -> str:
    """The words to phonemize; raises ``empty_text`` or ``non_speech_text`` rejections.

    A corpus-provided normalized text wins (a person wrote it); voxtune's English normalizer handles the rest.
    With ``annotations`` False, bracketed notes reject the item rather than being read out or silently cut.
    """
    raw = (given_normalized or text or "").strip()
    if not raw:
        raise ItemRejected("empty_text", "the transcript is empty")
    if not annotations:
        note = _ANNOTATION.search(raw)
        if note:
            raise ItemRejected("non_speech_text", f"bracketed note {note.group(0)!r}: the audio may not say it")
    normalized = raw if given_normalized else _normalize(raw, language)
    normalized = " ".join(normalized.split())
    if not any(unicodedata.category(char)[0] == "L" for char in normalized):
        raise ItemRejected("empty_text", f"no letters left after normalization ({raw!r})")
    return normalized


def phonemize_transcript(
    normalized: str, phonemizer: EspeakPhonemizer, id_map: Mapping[str, Sequence[int]]
) -> PhonemizedTranscript:
    """Phonemes per sentence and the concatenated per-sentence ids; ``no_phonemes`` when nothing is left."""
    result = phonemizer.phonemize_text(normalized)
    sentences = ["".join(sentence) for sentence in result.sentences]
    if not sentences:
        raise ItemRejected("no_phonemes", f"no phonemes for {normalized!r}")
    ids: list[int] = []
    missing: list[str] = []
    for sentence in result.sentences:
        sentence_ids, sentence_missing = phonemes_to_ids(sentence, id_map)
        ids.extend(sentence_ids)
        missing.extend(sentence_missing)
    return PhonemizedTranscript(normalized, sentences, ids, sorted(set(missing)), result.dropped)


def count_phones(sentences: Sequence[str]) -> int:
    """Sounds in phoneme strings: letters only, not stress or length marks, spaces or punctuation."""
    return sum(1 for sentence in sentences for char in sentence if unicodedata.category(char) in ("Ll", "Lu", "Lo"))


def check_rate(phones: int, duration: float, low: float, high: float) -> float:
    """Phones per second of the clip; ``implausible_rate`` when the transcript cannot be what the clip says.

    Phones rather than characters: espeak reads "w" as "double-u" and "H.323" digit by digit, which a character
    count cannot know. Too many phones for the time is judged at ``high`` directly; too few is judged with
    :data:`RATE_SLACK_SECONDS` of allowance, because a word said alone is drawn out far below any running-speech
    rate ("e" takes half a second) while a one-word transcript of ten seconds of speech is still caught.
    """
    rate = phones / max(duration, 1e-6)
    if phones > high * duration or duration > RATE_SLACK_SECONDS + phones / low:
        raise ItemRejected(
            "implausible_rate", f"{rate:.1f} phones/s for {phones} phones in {duration:.2f} s (range {low:g}-{high:g})"
        )
    return rate


def _normalize(text: str, language: str) -> str:
    # The normalizer reads English only; other languages' text goes to espeak as written (espeak reads digits in
    # its own language).
    if language.replace("_", "-").split("-")[0].lower() != "en":
        return text
    return normalize_text(text, language)
