"""Mel-cepstral distortion (MCD, in dB) against a parallel reference, after DTW alignment.

Lower is closer: identical audio gives 0; different speakers reading the same text are typically 6-10 dB apart
on this scale. It mixes timbre and pronunciation, so it is a distance to *this* reference speaker.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from voxtune.evaluate.align import Alignment, align

# 10 / ln(10) * sqrt(2): turns a natural-log cepstral distance into dB (Kubichek 1993).
_MCD_SCALE = 10.0 / math.log(10.0) * math.sqrt(2.0)


@dataclass(frozen=True)
class McdScore:
    """Mean MCD over the aligned frames, the number of frame pairs it averaged, and flags."""

    mcd: float | None
    frames: int
    flags: tuple[str, ...] = ()


def mcd_from_cepstra(cepstrum: np.ndarray, reference_cepstrum: np.ndarray, path: np.ndarray) -> float:
    """Mean MCD (dB) along ``path`` ``(L, 2)`` between cepstra ``(N, 1 + order)`` and ``(M, 1 + order)``.

    c0 (overall level) is left out, as is usual: a louder recording of the same voice is not a different voice.
    """
    diff = cepstrum[path[:, 0], 1:] - reference_cepstrum[path[:, 1], 1:]
    return float(np.mean(_MCD_SCALE * np.sqrt(np.sum(diff**2, axis=1))))


def mcd_aligned(alignment: Alignment) -> McdScore:
    """MCD read along an existing alignment (shared with the F0 metric)."""
    mcd = mcd_from_cepstra(alignment.cepstrum, alignment.reference_cepstrum, alignment.path)
    return McdScore(mcd, len(alignment.path))


def mel_cepstral_distortion(wave: np.ndarray, sample_rate: int, reference: np.ndarray, reference_rate: int) -> McdScore:
    """MCD of a wave ``(T,)`` against its parallel reference ``(T',)``; any sample rates."""
    alignment, flags = align(wave, sample_rate, reference, reference_rate)
    if alignment is None:
        return McdScore(None, 0, flags)
    return mcd_aligned(alignment)
