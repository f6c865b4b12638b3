from pathlib import Path

import numpy as np
import pytest

from voxtune.asr import FakeASR, PocketSphinxASR, Transcript, WhisperASR, to_16k
from voxtune.audio.io import load_audio

ALLISON = Path("/work/shared/data/allison")
WHISPER_DIR = Path(__file__).resolve().parents[2] / ".cache" / "whisper-base"
needs_allison = pytest.mark.skipif(not ALLISON.is_dir(), reason="shared Allison corpus not present")


def test_to_16k_resamples_and_cleans() -> None:
    wave = np.ones(22050, dtype=np.float32) * 0.1
    wave[5] = np.nan
    out = to_16k(wave, 22050)
    assert out.dtype == np.float32
    assert abs(out.size - 16000) <= 1
    assert np.isfinite(out).all()
    assert to_16k(np.zeros(0, dtype=np.float32), 22050).size == 0
    with pytest.raises(ValueError, match="mono"):
        to_16k(np.zeros((10, 2)), 16000)


def test_fake_asr_scripts_and_counts() -> None:
    asr = FakeASR(lambda wave, sr: "one two" if wave.size > 10 else "", name="fake-x")
    out = asr.transcribe([np.zeros(16000), np.zeros(5)], 16000, word_timestamps=True)
    assert [t.text for t in out] == ["one two", ""]
    assert [(w.text, w.start, w.end) for w in out[0].words] == [("one", 0.0, 0.5), ("two", 0.5, 1.0)]
    assert asr.calls == 1 and asr.waves_seen == 2 and asr.name == "fake-x"


def test_pocketsphinx_returns_empty_for_silence_and_tiny_clips() -> None:
    asr = PocketSphinxASR()
    out = asr.transcribe([np.zeros(16000, dtype=np.float32), np.full(10, 0.3, dtype=np.float32)], 16000)
    assert out == [Transcript(""), Transcript("")]


@needs_allison
def test_pocketsphinx_transcribes_real_speech_with_word_times() -> None:
    wave, sr = load_audio(ALLISON / "wavs" / "vm-repeat.flac")  # "Press 5 to repeat the current message."
    (transcript,) = PocketSphinxASR().transcribe([wave], sr, word_timestamps=True)
    assert "message" in transcript.text
    assert [w.text for w in transcript.words][-1] == "message"
    starts = [w.start for w in transcript.words]
    assert starts == sorted(starts) and transcript.words[-1].end <= wave.size / sr + 0.05


@pytest.mark.slow
@needs_allison
@pytest.mark.skipif(not (WHISPER_DIR / "model.bin").is_file(), reason="no offline Whisper-base in .cache/")
def test_whisper_transcribes_real_speech_at_any_rate() -> None:
    wave, sr = load_audio(ALLISON / "wavs" / "vm-next.flac", sample_rate=22050)  # "Press 6 to play ..."
    asr = WhisperASR(str(WHISPER_DIR))
    (transcript,) = asr.transcribe([wave], sr, word_timestamps=True)
    assert transcript.text == "Press 6 to play the next message."
    assert [w.text for w in transcript.words][:2] == ["Press", "6"]
    assert asr.transcribe([np.zeros(8000, dtype=np.float32)], 16000) == [Transcript("")]
