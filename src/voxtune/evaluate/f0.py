"""Pitch against a parallel reference: F0 RMSE on frames voiced in both, and the voicing decision error.

F0 comes from probabilistic YIN (librosa ``pyin``) on 10 ms frames, read along the same DTW path as MCD.
RMSE is given in Hz and in cents; cents compare fairly across voices of different pitch. Both include the
difference in register (a male voice against a female reference is ~1200 cents off); the correlation of the
log-F0 contours does not, and says whether the intonation rises and falls in the same places.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import librosa
import numpy as np

from voxtune.asr.resample import ASR_SAMPLE_RATE
from voxtune.evaluate.align import HOP_LENGTH, Alignment, align

# Covers low male to high female speech; a wider range invites octave errors.
F0_MIN_HZ = 65.0
F0_MAX_HZ = 600.0
# 40 ms frames hold two periods of the lowest F0. pyin's default tenth-of-a-semitone grid is kept: a coarser
# grid is 5x faster but its HMM then marks whole words of synthetic (less periodic) speech unvoiced.
_FRAME_LENGTH = 640
NO_COMMON_VOICING = "no_common_voicing"
# Names the tracker and its settings in cache keys; change it when they change.
F0_IDENTITY = f"librosa-pyin:{F0_MIN_HZ}-{F0_MAX_HZ}:{_FRAME_LENGTH}/{HOP_LENGTH}"


@dataclass(frozen=True)
class F0Score:
    """F0 RMSE and log-F0 correlation (``None`` without common voiced frames), voicing decision error in [0, 1]."""

    rmse_hz: float | None
    rmse_cents: float | None
    correlation: float | None
    voicing_error: float | None
    flags: tuple[str, ...] = ()


def f0_contour(wave: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """F0 of a 16 kHz wave ``(T,)`` → ``(f0 (1 + T // 160,), voiced (same,) bool)``; unvoiced frames hold 0.

    pyin costs about a quarter of a second per second of audio: the slowest metric here, hence cacheable.
    """
    f0, voiced, _ = librosa.pyin(
        np.asarray(wave, dtype=np.float32),
        fmin=F0_MIN_HZ,
        fmax=F0_MAX_HZ,
        sr=ASR_SAMPLE_RATE,
        frame_length=_FRAME_LENGTH,
        hop_length=HOP_LENGTH,
    )
    voiced = np.asarray(voiced, dtype=bool) & np.isfinite(f0)
    return np.where(voiced, f0, 0.0), voiced


def f0_errors_from_contours(
    f0: np.ndarray, voiced: np.ndarray, reference_f0: np.ndarray, reference_voiced: np.ndarray, path: np.ndarray
) -> F0Score:
    """Errors along ``path`` ``(L, 2)`` between contours ``(N,)`` and reference contours ``(M,)``."""
    # pyin and the cepstra frame the same hop but may differ by a frame at the end.
    i = np.minimum(path[:, 0], len(f0) - 1)
    j = np.minimum(path[:, 1], len(reference_f0) - 1)
    v, rv = voiced[i], reference_voiced[j]
    voicing_error = float(np.mean(v != rv))
    both = v & rv
    if not both.any():
        return F0Score(None, None, None, voicing_error, (NO_COMMON_VOICING,))
    hz, ref_hz = f0[i][both], reference_f0[j][both]
    rmse_hz = float(np.sqrt(np.mean((hz - ref_hz) ** 2)))
    rmse_cents = float(np.sqrt(np.mean((1200.0 * np.log2(hz / ref_hz)) ** 2)))
    return F0Score(rmse_hz, rmse_cents, _correlation(np.log2(hz), np.log2(ref_hz)), voicing_error)


def _correlation(a: np.ndarray, b: np.ndarray) -> float | None:
    """Pearson correlation; ``None`` for fewer than 3 pairs or a flat contour (monotone: nothing to correlate)."""
    if a.size < 3 or np.std(a) < 1e-9 or np.std(b) < 1e-9:
        return None
    return float(np.corrcoef(a, b)[0, 1])


Contour = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def f0_aligned(alignment: Alignment, contour: Contour = f0_contour) -> F0Score:
    """F0 errors read along an existing alignment (shared with MCD); ``contour`` may be a cached f0_contour."""
    f0, voiced = contour(alignment.wave)
    reference_f0, reference_voiced = contour(alignment.reference)
    return f0_errors_from_contours(f0, voiced, reference_f0, reference_voiced, alignment.path)


def f0_errors(wave: np.ndarray, sample_rate: int, reference: np.ndarray, reference_rate: int) -> F0Score:
    """F0 RMSE and voicing error of a wave ``(T,)`` against its parallel reference ``(T',)``; any sample rates."""
    alignment, flags = align(wave, sample_rate, reference, reference_rate)
    if alignment is None:
        return F0Score(None, None, None, None, flags)
    return f0_aligned(alignment)
