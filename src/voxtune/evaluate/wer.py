"""Word and character error rates of a transcript against the text the voice was asked to read.

Both sides are normalized for scoring first (:mod:`voxtune.evaluate.textnorm`). Corpus rates pool the error
counts of all utterances (errors / reference words), the usual definition; they are not means of per-utterance
rates, which would let a one-word prompt weigh as much as a paragraph.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import jiwer

from voxtune.evaluate.textnorm import normalize_for_scoring

EMPTY_REFERENCE = "empty_reference"
EMPTY_TRANSCRIPT = "empty_transcript"


@dataclass(frozen=True)
class WordErrors:
    """Error counts of one utterance; ``wer``/``cer`` are ``None`` when the reference has nothing to read."""

    reference: str
    hypothesis: str
    wer: float | None
    cer: float | None
    substitutions: int
    deletions: int
    insertions: int
    reference_words: int
    char_errors: int
    reference_chars: int
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class CorpusErrors:
    """Pooled rates over utterances whose reference is not empty (``None`` when there are none)."""

    wer: float | None
    cer: float | None
    utterances: int
    reference_words: int
    word_errors: int


def utterance_errors(reference: str, hypothesis: str, language: str = "en", normalize: bool = True) -> WordErrors:
    """WER and CER of ``hypothesis`` against ``reference``; never raises on empty text, flags it instead."""
    if normalize:
        reference = normalize_for_scoring(reference, language)
        hypothesis = normalize_for_scoring(hypothesis, language)
    flags = tuple(
        flag for flag, empty in ((EMPTY_REFERENCE, not reference), (EMPTY_TRANSCRIPT, not hypothesis)) if empty
    )
    if not reference:
        inserted = len(hypothesis.split())
        return WordErrors(reference, hypothesis, None, None, 0, 0, inserted, 0, len(hypothesis), 0, flags)
    words = jiwer.process_words(reference, hypothesis)
    chars = jiwer.process_characters(reference, hypothesis)
    char_errors = chars.substitutions + chars.deletions + chars.insertions
    n_chars = chars.substitutions + chars.deletions + chars.hits
    return WordErrors(
        reference=reference,
        hypothesis=hypothesis,
        wer=float(words.wer),
        cer=float(chars.cer),
        substitutions=words.substitutions,
        deletions=words.deletions,
        insertions=words.insertions,
        reference_words=words.substitutions + words.deletions + words.hits,
        char_errors=char_errors,
        reference_chars=n_chars,
        flags=flags,
    )


def corpus_errors(items: Sequence[WordErrors]) -> CorpusErrors:
    """Pool the counts of ``items``: WER = all word errors / all reference words (same for characters)."""
    scored = [item for item in items if item.reference_words > 0]
    n_words = sum(item.reference_words for item in scored)
    n_chars = sum(item.reference_chars for item in scored)
    word_errors = sum(item.substitutions + item.deletions + item.insertions for item in scored)
    char_errors = sum(item.char_errors for item in scored)
    return CorpusErrors(
        wer=word_errors / n_words if n_words else None,
        cer=char_errors / n_chars if n_chars else None,
        utterances=len(scored),
        reference_words=n_words,
        word_errors=word_errors,
    )
