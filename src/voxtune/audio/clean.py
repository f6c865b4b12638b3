"""Silence trimming and level checks on mono waves ``(T,)``; pure numpy, no file access.

Levels are in dB relative to full scale (dBFS): a full-scale square wave is 0 dB, a full-scale sine -3 dB.
Digital silence and empty waves report :data:`DB_FLOOR` instead of ``-inf``, so reports stay valid JSON.
"""

from __future__ import annotations

import numpy as np

DB_FLOOR = -200.0
_AMPLITUDE_FLOOR = 10.0 ** (DB_FLOOR / 20.0)
# Trimming looks at 20 ms frames: short enough to keep word onsets, long enough to average out single samples.
_TRIM_FRAME_SECONDS = 0.02


def peak(wave: np.ndarray) -> float:
    """Largest absolute sample of ``(T,)``; 0 for an empty wave."""
    wave = np.asarray(wave)
    return float(np.max(np.abs(wave))) if wave.size else 0.0


def rms_db(wave: np.ndarray) -> float:
    """Root-mean-square level of ``(T,)`` in dBFS, at least :data:`DB_FLOOR`."""
    wave = np.asarray(wave, dtype=np.float64)
    if not wave.size:
        return DB_FLOOR
    return _amplitude_to_db(float(np.sqrt(np.mean(wave**2))))


def clipping_fraction(wave: np.ndarray, threshold: float = 0.999) -> float:
    """Fraction of samples of ``(T,)`` whose magnitude reaches ``threshold``: a sign of clipped recording."""
    wave = np.asarray(wave)
    if not wave.size:
        return 0.0
    return float(np.count_nonzero(np.abs(wave) >= threshold) / wave.size)


def frame_rms_db(wave: np.ndarray, frame_length: int, hop_length: int) -> np.ndarray:
    """RMS level in dBFS of each frame of ``(T,)`` → ``(frames,)``; the tail is zero-padded to a whole frame.

    Frame ``i`` covers samples ``[i * hop_length, i * hop_length + frame_length)``.
    """
    if frame_length <= 0 or hop_length <= 0:
        raise ValueError(f"frame_length and hop_length must be positive, got {frame_length}, {hop_length}")
    wave = np.asarray(wave, dtype=np.float64)
    n_frames = 1 + max(0, -(-(wave.size - frame_length) // hop_length))
    # Window sums from one cumulative sum: O(T) memory, where materialising the frames would take O(T * frame).
    energy = np.zeros((n_frames - 1) * hop_length + frame_length + 1)
    energy[1 : wave.size + 1] = np.cumsum(wave**2)
    energy[wave.size + 1 :] = energy[wave.size]
    starts = np.arange(n_frames) * hop_length
    mean_square = np.maximum(energy[starts + frame_length] - energy[starts], 0.0) / frame_length
    return 20.0 * np.log10(np.maximum(np.sqrt(mean_square), _AMPLITUDE_FLOOR))


def is_silent(wave: np.ndarray, threshold_db: float = -50.0, frame_length: int = 1024) -> bool:
    """True when no frame of ``(T,)`` is louder than ``threshold_db`` dBFS (or the wave is empty).

    Frames, not the whole clip, so that a short word inside a long pause still counts as sound.
    """
    wave = np.asarray(wave)
    if not wave.size:
        return True
    levels = frame_rms_db(wave, frame_length, max(1, frame_length // 2))
    return bool(np.max(levels) <= threshold_db)


def silence_bounds(wave: np.ndarray, sample_rate: int, top_db: float = 40.0, pad_ms: float = 50.0) -> tuple[int, int]:
    """``(start, end)`` sample indices of ``(T,)`` with leading and trailing silence removed.

    Silence is any frame more than ``top_db`` below the loudest frame; ``pad_ms`` of it is kept on each side
    so that soft onsets and releases survive. Digital silence gives ``(0, 0)``.
    """
    wave = np.asarray(wave)
    frame_length = max(1, round(sample_rate * _TRIM_FRAME_SECONDS))
    hop_length = max(1, frame_length // 4)
    if peak(wave) == 0.0:
        return 0, 0
    levels = frame_rms_db(wave, frame_length, hop_length)
    loud = np.flatnonzero(levels > np.max(levels) - top_db)
    pad = round(sample_rate * pad_ms / 1000.0)
    start = max(0, int(loud[0]) * hop_length - pad)
    end = min(wave.size, int(loud[-1]) * hop_length + frame_length + pad)
    return start, end


def trim_silence(wave: np.ndarray, sample_rate: int, top_db: float = 40.0, pad_ms: float = 50.0) -> np.ndarray:
    """``(T,)`` → ``(T',)`` without leading and trailing silence; see :func:`silence_bounds`."""
    start, end = silence_bounds(wave, sample_rate, top_db, pad_ms)
    return np.asarray(wave)[start:end]


def _amplitude_to_db(amplitude: float) -> float:
    return float(20.0 * np.log10(max(amplitude, _AMPLITUDE_FLOOR)))
