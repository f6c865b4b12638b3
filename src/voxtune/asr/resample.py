"""Bringing any wave to the 16 kHz mono float32 that every recognizer and judge model here was trained on."""

from __future__ import annotations

import numpy as np

from voxtune.audio.io import resample

ASR_SAMPLE_RATE = 16000
# Frames never louder than this are treated as silence and not sent to a recognizer: both PocketSphinx and
# Whisper "hear" words in digital silence, which would turn a mute voice's deletions into insertions.
SILENCE_DB = -60.0


def to_16k(wave: np.ndarray, sample_rate: int) -> np.ndarray:
    """``(T,)`` at ``sample_rate`` → float32 ``(T * 16000 / sample_rate,)``.

    NaN and infinite samples (a diverged model can emit them) become 0 so that downstream models do not fail;
    callers flag such audio through their own checks.
    """
    wave = np.asarray(wave, dtype=np.float32)
    if wave.ndim != 1:
        raise ValueError(f"expected a mono wave of shape (T,), got shape {wave.shape}")
    wave = np.nan_to_num(wave, nan=0.0, posinf=0.0, neginf=0.0)
    if wave.size == 0:
        return wave
    return resample(wave, sample_rate, ASR_SAMPLE_RATE)
