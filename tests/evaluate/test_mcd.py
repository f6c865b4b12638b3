import math

import numpy as np
import pytest
from eval_signals import ALLISON, voiced

from voxtune.audio.io import load_audio, resample
from voxtune.evaluate.align import REFERENCE_UNUSABLE, dtw_path, mel_cepstrum
from voxtune.evaluate.checks import SILENT
from voxtune.evaluate.mcd import mcd_from_cepstra, mel_cepstral_distortion


def test_mcd_formula_on_known_cepstra() -> None:
    a = np.zeros((5, 25))
    b = np.zeros((5, 25))
    b[:, 1] = 1.0  # one unit of c1 everywhere
    b[:, 0] = 7.0  # c0 (level) must not count
    path = np.stack([np.arange(5), np.arange(5)], axis=1)
    assert mcd_from_cepstra(a, b, path) == pytest.approx(10 / math.log(10) * math.sqrt(2))


def test_dtw_path_follows_a_time_stretch() -> None:
    a = np.arange(4, dtype=float)[:, None]
    b = np.repeat(a, 2, axis=0)  # every frame twice
    path = dtw_path(a, b)
    assert path[0].tolist() == [0, 0] and path[-1].tolist() == [3, 7]
    assert all(a[i, 0] == b[j, 0] for i, j in path)


def test_cepstrum_scale_matches_a_log_spectrum_cosine() -> None:
    # A wave with a flat spectrum has (almost) no cepstrum beyond c0.
    flat = np.random.default_rng(0).standard_normal(16000).astype(np.float32) * 0.1
    cepstrum = mel_cepstrum(flat)
    assert cepstrum.shape == (1 + 16000 // 160, 25)
    assert np.abs(np.median(cepstrum[:, 2:], axis=0)).max() < 0.2


def test_identical_and_resampled_copies_are_close_and_different_pitch_is_not() -> None:
    wave = voiced(f0=140.0)
    assert mel_cepstral_distortion(wave, 16000, wave, 16000).mcd == pytest.approx(0.0, abs=1e-9)
    resampled = mel_cepstral_distortion(resample(wave, 16000, 22050), 22050, wave, 16000).mcd
    other = mel_cepstral_distortion(voiced(f0=230.0), 16000, wave, 16000).mcd
    assert resampled is not None and other is not None
    assert resampled < 1.0 < other


def test_silent_input_or_reference_is_flagged() -> None:
    silent = np.zeros(16000, np.float32)
    assert mel_cepstral_distortion(silent, 16000, voiced(), 16000).flags == (SILENT,)
    score = mel_cepstral_distortion(voiced(), 16000, silent, 16000)
    assert score.mcd is None and score.flags == (REFERENCE_UNUSABLE,)


@pytest.mark.skipif(not ALLISON.is_dir(), reason="shared Allison corpus not present")
def test_same_text_is_closer_than_different_text() -> None:
    press5, sr = load_audio(ALLISON / "wavs" / "vm-repeat.flac")  # "Press 5 to repeat the current message."
    press6, _ = load_audio(ALLISON / "wavs" / "vm-next.flac")  # "Press 6 to play the next message."
    other, _ = load_audio(ALLISON / "wavs" / "conf-onlyone.flac")
    near = mel_cepstral_distortion(press6, sr, press5, sr).mcd
    far = mel_cepstral_distortion(other, sr, press5, sr).mcd
    assert near is not None and far is not None and near < far
