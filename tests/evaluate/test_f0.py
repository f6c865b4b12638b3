import numpy as np
import pytest
from eval_signals import noise, voiced

from voxtune.evaluate.f0 import NO_COMMON_VOICING, f0_contour, f0_errors, f0_errors_from_contours


def test_contour_of_a_harmonic_tone() -> None:
    f0, is_voiced = f0_contour(voiced(f0=200.0))
    assert is_voiced.mean() > 0.8
    assert np.median(f0[is_voiced]) == pytest.approx(200.0, rel=0.02)
    assert (f0[~is_voiced] == 0).all()


def test_errors_from_known_contours() -> None:
    path = np.stack([np.arange(4), np.arange(4)], axis=1)
    f0 = np.array([220.0, 220.0, 0.0, 100.0])
    voiced_frames = np.array([True, True, False, True])
    ref = np.array([200.0, 200.0, 150.0, 0.0])
    ref_voiced = np.array([True, True, True, False])
    score = f0_errors_from_contours(f0, voiced_frames, ref, ref_voiced, path)
    assert score.rmse_hz == pytest.approx(20.0)
    assert score.rmse_cents == pytest.approx(1200 * np.log2(1.1))
    assert score.voicing_error == pytest.approx(0.5)
    assert score.correlation is None  # two frames in common: too few to correlate
    none = f0_errors_from_contours(f0, np.zeros(4, bool), ref, ref_voiced, path)
    assert none.rmse_hz is None and none.voicing_error == pytest.approx(0.75) and none.flags == (NO_COMMON_VOICING,)


def test_correlation_ignores_register_but_not_shape() -> None:
    path = np.stack([np.arange(6), np.arange(6)], axis=1)
    rising = np.array([100.0, 110, 120, 130, 140, 150])
    on = np.ones(6, bool)
    octave_up = f0_errors_from_contours(2 * rising, on, rising, on, path)
    assert octave_up.correlation == pytest.approx(1.0)
    assert octave_up.rmse_cents == pytest.approx(1200.0)
    falling = f0_errors_from_contours(rising[::-1].copy(), on, rising, on, path)
    assert falling.correlation is not None and falling.correlation < -0.9


def test_end_to_end_pitch_offset_and_rates() -> None:
    score = f0_errors(voiced(f0=220.0, sample_rate=22050), 22050, voiced(f0=200.0), 16000)
    assert score.rmse_hz == pytest.approx(20.0, abs=4.0)
    assert score.voicing_error is not None and score.voicing_error < 0.15


def test_noise_against_speech_gives_a_voicing_error_and_no_crash() -> None:
    score = f0_errors(noise(seconds=1.5), 16000, voiced(), 16000)
    assert score.voicing_error is not None and score.voicing_error > 0.5
    assert f0_errors(np.zeros(100, np.float32), 16000, voiced(), 16000).voicing_error is None
