import numpy as np
import pytest
from eval_signals import ALLISON, voiced

from voxtune.audio.io import load_audio
from voxtune.evaluate.speaker import (
    NO_REFERENCE,
    NO_VOICE,
    ResemblyzerEncoder,
    SpeakerEncoder,
    cosine,
    mean_embedding,
    self_similarity,
    speaker_similarity,
)


def unit(*values: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_cosine_and_mean() -> None:
    assert cosine(unit(1, 0), unit(0, 1)) == pytest.approx(0.0)
    assert cosine(unit(1, 1), unit(1, 0)) == pytest.approx(np.sqrt(0.5))
    assert cosine(np.zeros(2), unit(1, 0)) == 0.0
    np.testing.assert_allclose(mean_embedding([unit(1, 0), None, unit(0, 1)]), unit(1, 1), rtol=1e-6)
    assert mean_embedding([None]) is None


def test_speaker_similarity_per_utterance_and_speaker_level() -> None:
    refs = [unit(1, 0, 0), unit(1, 0, 0)]
    scores = speaker_similarity([unit(1, 0, 0), unit(0, 1, 0), None], refs)
    assert scores.utterance == pytest.approx((1.0, 0.0, None))
    assert scores.speaker == pytest.approx(np.sqrt(0.5))  # mean of (1,0,0) and (0,1,0) against (1,0,0)
    assert scores.flags == ()


def test_missing_voice_and_missing_reference_are_flagged() -> None:
    assert speaker_similarity([None, None], [unit(1, 0)]).flags == (NO_VOICE,)
    no_ref = speaker_similarity([unit(1, 0)], [None])
    assert no_ref.flags == (NO_REFERENCE,) and no_ref.speaker is None and no_ref.utterance == (None,)


def test_self_similarity_never_compares_a_clip_with_itself() -> None:
    refs = [unit(1, 0), unit(1, 0), unit(0, 1), unit(0, 1)]
    scores = self_similarity(refs)
    # Each clip against the mean of the three others, e.g. (1,0) vs (1,2)/|(1,2)| = 1/sqrt(5).
    assert scores.utterance == pytest.approx((1 / np.sqrt(5),) * 4)
    # Halves by index parity: {(1,0), (0,1)} against {(1,0), (0,1)}.
    assert scores.speaker == pytest.approx(1.0)
    assert self_similarity([unit(1, 0)]).flags == (NO_REFERENCE,)


def test_resemblyzer_rejects_silence_and_is_an_encoder() -> None:
    encoder = ResemblyzerEncoder()
    assert isinstance(encoder, SpeakerEncoder)
    assert encoder.embed(np.zeros(16000, np.float32), 16000) is None
    assert encoder.embed(np.zeros(0, np.float32), 16000) is None


@pytest.mark.skipif(not ALLISON.is_dir(), reason="shared Allison corpus not present")
def test_resemblyzer_same_speaker_beats_a_buzz() -> None:
    encoder = ResemblyzerEncoder()
    a = encoder.embed(*load_audio(ALLISON / "wavs" / "conf-onlyone.flac"))
    b = encoder.embed(*load_audio(ALLISON / "wavs" / "ss-noservice.flac", sample_rate=22050))
    buzz = encoder.embed(voiced(f0=110.0, seconds=2.0), 16000)
    assert a is not None and b is not None and buzz is not None
    assert a.shape == (256,) and np.linalg.norm(a) == pytest.approx(1.0, abs=1e-5)
    assert cosine(a, b) > 0.8
    assert cosine(a, b) > cosine(a, buzz) + 0.1
