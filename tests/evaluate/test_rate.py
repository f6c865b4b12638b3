import numpy as np
import pytest
from eval_signals import voiced

from voxtune.evaluate.checks import SILENT
from voxtune.evaluate.rate import NO_TEXT, speaking_rate, speech_seconds


def padded(wave: np.ndarray, seconds: float, sample_rate: int = 16000) -> np.ndarray:
    pad = np.zeros(round(seconds * sample_rate), np.float32)
    return np.concatenate([pad, wave, pad])


def test_silence_around_speech_does_not_count() -> None:
    assert speech_seconds(padded(voiced(seconds=2.0), 1.0), 16000) == pytest.approx(2.0, abs=0.15)
    assert speech_seconds(np.zeros(16000, np.float32), 16000) == 0.0


def test_rate_ratio_and_rtf() -> None:
    wave = padded(voiced(seconds=2.0), 0.5)  # 3 s in all, 2 s of speech
    reference = voiced(seconds=1.0, sample_rate=22050)
    score = speaking_rate(wave, 16000, "Press 1 now.", synthesis_seconds=0.3, reference=reference, reference_rate=22050)
    assert score.words_per_second == pytest.approx(3 / 2.0, rel=0.08)  # "press one now"
    assert score.duration_ratio == pytest.approx(2.0, rel=0.1)
    assert score.rtf == pytest.approx(0.1)
    assert score.flags == ()


def test_silent_clip_and_empty_text_are_flagged() -> None:
    score = speaking_rate(np.zeros(8000, np.float32), 16000, "", reference=voiced(), reference_rate=16000)
    assert score.words_per_second is None and score.duration_ratio is None and score.rtf is None
    assert set(score.flags) == {SILENT, NO_TEXT}
