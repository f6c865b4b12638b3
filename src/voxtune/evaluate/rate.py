"""Timing: speaking rate, duration against a parallel reference, and synthesis real-time factor.

Durations are measured after trimming leading and trailing silence, so padding a voice adds does not count
as slow speech. The real-time factor uses the untrimmed length, as it measures the synthesizer's cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voxtune.audio.clean import silence_bounds
from voxtune.evaluate.checks import SILENT, audio_flags
from voxtune.evaluate.textnorm import normalize_for_scoring

NO_TEXT = "no_text"


@dataclass(frozen=True)
class RateScore:
    """Speech duration (s), words per second, duration / reference duration, compute seconds / audio seconds."""

    speech_seconds: float
    words_per_second: float | None
    duration_ratio: float | None
    rtf: float | None
    flags: tuple[str, ...] = ()


def speech_seconds(wave: np.ndarray, sample_rate: int) -> float:
    """Seconds of ``(T,)`` between the first and last non-silent frame; 0 for silence."""
    if SILENT in audio_flags(wave, sample_rate):
        return 0.0
    start, end = silence_bounds(np.nan_to_num(np.asarray(wave, dtype=np.float32)), sample_rate)
    return (end - start) / sample_rate


def speaking_rate(
    wave: np.ndarray,
    sample_rate: int,
    text: str,
    *,
    synthesis_seconds: float | None = None,
    reference: np.ndarray | None = None,
    reference_rate: int | None = None,
    language: str = "en",
) -> RateScore:
    """Timing of ``(T,)`` reading ``text``; ratio only with a ``reference`` ``(T',)``, RTF only with a time."""
    flags: list[str] = []
    seconds = speech_seconds(wave, sample_rate)
    if seconds == 0.0:
        flags.append(SILENT)
    # Words as spoken ("press 1" is two words, "$5" is two): count after scoring normalization.
    n_words = len(normalize_for_scoring(text, language).split())
    if n_words == 0:
        flags.append(NO_TEXT)
    words_per_second = n_words / seconds if seconds > 0 and n_words else None
    ratio = None
    if reference is not None and reference_rate:
        reference_seconds = speech_seconds(reference, reference_rate)
        ratio = seconds / reference_seconds if reference_seconds > 0 and seconds > 0 else None
    total = len(wave) / sample_rate
    rtf = synthesis_seconds / total if synthesis_seconds is not None and total > 0 else None
    return RateScore(seconds, words_per_second, ratio, rtf, tuple(flags))
