"""Synthetic test signals: speech-like (voiced, syllable-modulated) and not, at any sample rate."""

from __future__ import annotations

from pathlib import Path

import numpy as np

ALLISON = Path("/work/shared/data/allison")


def voiced(f0: float = 150.0, seconds: float = 1.5, sample_rate: int = 16000, syllables: float = 4.0) -> np.ndarray:
    """A harmonic buzz at ``f0`` whose loudness rises and falls ``syllables`` times per second."""
    t = np.arange(round(seconds * sample_rate)) / sample_rate
    harmonics = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 16) if f0 * k < sample_rate / 2)
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * syllables * t - np.pi / 2)
    return (0.2 * harmonics * envelope).astype(np.float32)


def tone(freq: float = 440.0, seconds: float = 1.0, sample_rate: int = 16000, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * sample_rate)) / sample_rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def noise(seconds: float = 1.0, sample_rate: int = 16000, amplitude: float = 0.3, seed: int = 0) -> np.ndarray:
    return (amplitude * np.random.default_rng(seed).standard_normal(round(seconds * sample_rate))).astype(np.float32)
