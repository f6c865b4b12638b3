import numpy as np
import pytest
from eval_signals import ALLISON, noise, tone, voiced

from voxtune.audio.io import load_audio
from voxtune.evaluate.checks import CLIPPED, NON_SPEECH, NOT_FINITE, SILENT, TOO_SHORT, audio_flags


def test_speech_like_signal_has_no_flags() -> None:
    assert audio_flags(voiced(), 16000) == ()
    assert audio_flags(voiced(sample_rate=22050), 22050) == ()


@pytest.mark.parametrize(
    ("wave", "expected"),
    [
        (np.zeros(16000, np.float32), {SILENT}),
        (np.zeros(0, np.float32), {SILENT, TOO_SHORT}),
        (voiced(seconds=0.1), {TOO_SHORT}),
        (tone(), {NON_SPEECH}),
        (noise(), {NON_SPEECH}),
        (np.clip(4 * voiced(), -1, 1), {CLIPPED}),
        (np.full(16000, np.nan, np.float32), {NOT_FINITE, SILENT}),
    ],
    ids=["silence", "empty", "short", "tone", "noise", "clipped", "nan"],
)
def test_bad_audio_is_flagged_not_raised(wave: np.ndarray, expected: set[str]) -> None:
    assert expected <= set(audio_flags(wave, 16000))


def test_one_full_scale_peak_is_not_clipping() -> None:
    wave = voiced()
    wave = wave / np.abs(wave).max()  # peak normalisation, as Piper does
    assert CLIPPED not in audio_flags(wave, 16000)


@pytest.mark.skipif(not ALLISON.is_dir(), reason="shared Allison corpus not present")
def test_real_recordings() -> None:
    speech, sr = load_audio(ALLISON / "wavs" / "conf-onlyone.flac")
    silence, _ = load_audio(ALLISON / "wavs" / "silence__1.flac")
    assert audio_flags(speech, sr) == ()
    assert audio_flags(silence, sr) == (SILENT,)


def test_noisy_speech_is_still_speech() -> None:
    wave = voiced(seconds=2.0)
    noisy = wave + noise(seconds=2.0, amplitude=0.03)
    assert NON_SPEECH not in audio_flags(noisy, 16000)
