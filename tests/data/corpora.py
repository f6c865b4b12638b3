"""Tiny corpora for the data tests: synthetic voiced audio written in LJSpeech layout; no downloads."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import soundfile as sf

RATE = 16000
DEMO = Path(__file__).resolve().parents[2] / "examples" / "allison-demo"
# Texts of about ten phones: a clip of 1-1.5 s is a plausible reading of each.
TEXTS = ("Hello world.", "Good morning.", "Press one now.", "Thank you.", "See you soon.", "Call me later.")


def voiced(seconds: float, seed: int, rate: int = RATE, level: float = 0.3) -> np.ndarray:
    """A speech-like wave ``(T,)``: harmonics of a wandering pitch under a syllable-rate envelope, with 0.1 s of
    silence at each end. Different seeds give different samples (so no two clips are duplicates)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    f0 = 120 + 60 * rng.random() + 15 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    wave = sum(np.sin(k * phase) / k for k in range(1, 6))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t + rng.random() * 6) ** 2
    wave = wave * envelope
    wave = level * wave / np.max(np.abs(wave))
    pad = np.zeros(int(0.1 * rate))
    return np.concatenate([pad, wave, pad]).astype(np.float32)


def write_wave(path: Path, wave: np.ndarray, rate: int = RATE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), wave, rate, subtype="PCM_16")
    return path


def ljspeech(root: Path, rows: Sequence[tuple[str, str]], waves: dict[str, np.ndarray] | None = None) -> Path:
    """An LJSpeech corpus: ``metadata.csv`` from ``rows`` (id, text); a voiced clip per id unless ``waves`` says."""
    waves = waves or {}
    for seed, (item_id, _text) in enumerate(rows):
        write_wave(root / "wavs" / f"{item_id}.wav", waves.get(item_id, voiced(1.2, seed)))
    (root / "metadata.csv").write_text("".join(f"{i}|{t}\n" for i, t in rows), encoding="utf-8")
    return root
