"""One recording → one clean training clip: checks, resampling, silence trimming, loudness normalization.

Checks run on the source audio where resampling could hide the fault (clipping: a resampler smooths the flat
tops away) and on the trimmed clip where silence would distort the number (duration). A failed check raises
:class:`ItemRejected` with the measured value in its detail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from voxtune.audio.clean import clipping_fraction, is_silent, peak, rms_db, silence_bounds
from voxtune.audio.io import resample
from voxtune.data.items import ItemRejected

# pyloudnorm gates 400 ms blocks: shorter clips have no integrated loudness and are levelled by RMS instead.
_LOUDNESS_BLOCK_SECONDS = 0.4


@dataclass(frozen=True)
class ClipOptions:
    """Thresholds of the audio checks and the processing applied to kept clips."""

    min_duration: float = 0.5
    max_duration: float = 20.0
    silence_db: float = -50.0
    max_clipped_fraction: float = 0.001
    trim_top_db: float = 40.0
    trim_pad_ms: float = 50.0
    loudness_lufs: float | None = -23.0
    peak_limit: float = 0.95


def clean_clip(
    wave: np.ndarray, rate: int, target_rate: int, options: ClipOptions
) -> tuple[np.ndarray, dict[str, Any]]:
    """``(T,)`` at ``rate`` → ``(T',)`` at ``target_rate``, trimmed and levelled, plus the stats measured on the way."""
    stats: dict[str, Any] = {"source_sample_rate": rate, "source_duration": round(wave.size / rate, 4)}
    if is_silent(wave, options.silence_db):
        raise ItemRejected("silent", f"no frame louder than {options.silence_db:g} dBFS (peak {peak(wave):.4f})")
    clipped = clipping_fraction(wave)
    stats["clipped_fraction"] = round(clipped, 6)
    if clipped > options.max_clipped_fraction:
        limit = options.max_clipped_fraction
        raise ItemRejected("clipped", f"{clipped:.2%} of samples at full scale (limit {limit:.2%})")
    wave = resample(wave, rate, target_rate)
    start, end = silence_bounds(wave, target_rate, options.trim_top_db, options.trim_pad_ms)
    stats["trimmed_seconds"] = round((wave.size - (end - start)) / target_rate, 4)
    wave = wave[start:end]
    duration = wave.size / target_rate
    stats["duration"] = round(duration, 4)
    if duration < options.min_duration:
        raise ItemRejected("too_short", f"{duration:.2f} s after trimming (minimum {options.min_duration:g} s)")
    if duration > options.max_duration:
        raise ItemRejected("too_long", f"{duration:.2f} s after trimming (maximum {options.max_duration:g} s)")
    if options.loudness_lufs is not None:
        wave = _level(wave, target_rate, options, stats)
    stats["peak"] = round(peak(wave), 4)
    stats["rms_db"] = round(rms_db(wave), 2)
    return wave.astype(np.float32, copy=False), stats


def _level(wave: np.ndarray, rate: int, options: ClipOptions, stats: dict[str, Any]) -> np.ndarray:
    """Gain to the target loudness (EBU R128 integrated), lowered where it would push peaks past the limit.

    A plain gain, never a compressor or limiter: those would change the timbre the model is meant to learn.
    """
    assert options.loudness_lufs is not None
    loudness = _loudness(wave, rate)
    stats["loudness_lufs"] = round(loudness, 2)
    gain_db = options.loudness_lufs - loudness
    wave_peak = peak(wave)
    if wave_peak > 0 and wave_peak * 10 ** (gain_db / 20) > options.peak_limit:
        gain_db = 20 * math.log10(options.peak_limit / wave_peak)
        stats["peak_limited"] = True
    stats["gain_db"] = round(gain_db, 2)
    return (wave * np.float32(10 ** (gain_db / 20))).astype(np.float32)


def _loudness(wave: np.ndarray, rate: int) -> float:
    """Integrated loudness in LUFS; RMS dBFS for clips too short for the 400 ms gating blocks (or all gated)."""
    if wave.size >= _LOUDNESS_BLOCK_SECONDS * rate:
        import pyloudnorm

        value = float(pyloudnorm.Meter(rate).integrated_loudness(wave.astype(np.float64)))
        if math.isfinite(value):
            return value
    return rms_db(wave)
