from __future__ import annotations

import numpy as np
import pytest

from voxtune.audio.clean import (
    DB_FLOOR,
    clipping_fraction,
    frame_rms_db,
    is_silent,
    peak,
    rms_db,
    silence_bounds,
    trim_silence,
)

SR = 8000


def _tone(seconds: float, amplitude: float = 0.5, freq: float = 300.0) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_peak_and_rms() -> None:
    assert peak(np.array([0.1, -0.7, 0.3])) == pytest.approx(0.7)
    assert peak(np.zeros(0)) == 0.0
    assert rms_db(np.ones(100)) == pytest.approx(0.0)
    assert rms_db(_tone(1.0, amplitude=1.0)) == pytest.approx(-3.01, abs=0.01)
    assert rms_db(np.full(100, 0.1)) == pytest.approx(-20.0)
    assert rms_db(np.zeros(100)) == DB_FLOOR
    assert rms_db(np.zeros(0)) == DB_FLOOR


def test_clipping_fraction() -> None:
    wave = np.zeros(1000, dtype=np.float32)
    wave[:10] = 1.0
    wave[10:15] = -1.0
    wave[15:20] = 0.99
    assert clipping_fraction(wave) == pytest.approx(0.015)
    assert clipping_fraction(wave, threshold=0.98) == pytest.approx(0.02)
    assert clipping_fraction(np.zeros(0)) == 0.0


def test_frame_rms_db_frames() -> None:
    wave = np.concatenate([np.zeros(100), np.full(100, 0.5)])
    levels = frame_rms_db(wave, frame_length=50, hop_length=50)
    assert levels.shape == (4,)
    np.testing.assert_allclose(levels, [DB_FLOOR, DB_FLOOR, 20 * np.log10(0.5), 20 * np.log10(0.5)])
    # A tail shorter than a hop still gets a (zero-padded) frame, and short waves one frame.
    assert frame_rms_db(np.ones(120), 50, 50).shape == (3,)
    assert frame_rms_db(np.ones(10), 50, 25).shape == (1,)
    with pytest.raises(ValueError):
        frame_rms_db(np.ones(10), 0, 1)


def test_is_silent() -> None:
    assert is_silent(np.zeros(SR))
    assert is_silent(np.zeros(0))
    assert is_silent(_tone(1.0, amplitude=1e-4))
    assert not is_silent(_tone(1.0, amplitude=0.1))
    # A short word in a long pause is not silence, even though the clip's overall RMS is low.
    wave = np.zeros(SR * 10, dtype=np.float32)
    wave[SR : SR + 2000] = _tone(0.25, amplitude=0.05)
    assert rms_db(wave) < -45
    assert not is_silent(wave)


def test_trim_silence_keeps_speech_with_padding() -> None:
    rng = np.random.default_rng(0)
    lead, tail = int(0.5 * SR), int(0.3 * SR)
    noise_floor = 1e-4 * rng.standard_normal(lead + SR + tail).astype(np.float32)
    wave = noise_floor.copy()
    wave[lead : lead + SR] += _tone(1.0)
    start, end = silence_bounds(wave, SR, top_db=40.0, pad_ms=50.0)
    pad = int(0.05 * SR)
    frame = int(0.02 * SR)
    assert lead - pad - frame <= start <= lead - pad
    assert lead + SR + pad <= end <= lead + SR + pad + frame
    trimmed = trim_silence(wave, SR, top_db=40.0, pad_ms=50.0)
    np.testing.assert_array_equal(trimmed, wave[start:end])


def test_trim_silence_edge_cases() -> None:
    assert trim_silence(np.zeros(SR, dtype=np.float32), SR).size == 0
    tone = _tone(0.5)
    # Nothing to trim: the padding is clamped to the wave.
    assert silence_bounds(tone, SR) == (0, tone.size)
    assert trim_silence(np.zeros(0, dtype=np.float32), SR).size == 0
