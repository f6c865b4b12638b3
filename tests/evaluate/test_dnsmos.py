import numpy as np
import pytest
from eval_signals import ALLISON, noise, voiced

from voxtune.audio.io import load_audio
from voxtune.evaluate.checks import SILENT, TOO_SHORT
from voxtune.evaluate.dnsmos import dnsmos


@pytest.mark.parametrize(
    ("wave", "flag"),
    [(np.zeros(16000, np.float32), SILENT), (np.zeros(0, np.float32), TOO_SHORT), (voiced(seconds=0.1), TOO_SHORT)],
    ids=["silence", "empty", "blip"],
)
def test_unratable_audio_is_flagged(wave: np.ndarray, flag: str) -> None:
    score = dnsmos(wave, 16000)
    assert score.flags == (flag,)
    assert score.p808 is None and score.ovrl is None


def test_out_of_range_samples_and_other_rates_are_accepted() -> None:
    score = dnsmos(1.5 * voiced(sample_rate=22050, seconds=2.0), 22050)
    assert score.flags == ()
    assert score.p808 is not None and 1.0 <= score.p808 <= 5.0


@pytest.mark.skipif(not ALLISON.is_dir(), reason="shared Allison corpus not present")
def test_clean_speech_outscores_noisy_speech() -> None:
    speech, sr = load_audio(ALLISON / "wavs" / "ss-noservice.flac")
    clean = dnsmos(speech, sr)
    noisy = dnsmos(np.clip(speech + noise(seconds=speech.size / sr, amplitude=0.05), -1, 1), sr)
    assert clean.p808 is not None and noisy.p808 is not None and clean.bak is not None and noisy.bak is not None
    assert 3.3 < clean.p808 < 4.5
    assert clean.bak > noisy.bak + 0.5
    assert clean.p808 > noisy.p808
