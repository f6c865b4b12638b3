from pathlib import Path

import numpy as np

from voxtune.asr import FakeASR, Transcript, Word
from voxtune.evaluate.cache import DiskCache, audio_key, embed_cached, transcribe_cached


class CountingEncoder:
    name = "count-encoder"

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, wave: np.ndarray, sample_rate: int) -> np.ndarray | None:
        self.calls += 1
        return None if not wave.any() else np.array([1.0, 0.0], np.float32)


def test_key_depends_on_samples_rate_and_identity() -> None:
    wave = np.arange(10, dtype=np.float32)
    key = audio_key(wave, 16000, "m")
    assert key == audio_key(wave.astype(np.float64), 16000, "m")
    assert len({key, audio_key(wave, 22050, "m"), audio_key(wave, 16000, "n"), audio_key(wave + 1, 16000, "m")}) == 4


def test_disk_cache_round_trip_and_corrupt_entries(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    assert cache.get_json("t", "ab12") is None
    cache.put_json("t", "ab12", {"text": "hi"})
    assert cache.get_json("t", "ab12") == {"text": "hi"}
    cache.put_array("e", "cd34", np.ones(3, np.float32))
    np.testing.assert_array_equal(cache.get_array("e", "cd34"), np.ones(3))
    (tmp_path / "t" / "ab" / "ab12.json").write_text("{not json")
    assert cache.get_json("t", "ab12") is None
    assert not list(tmp_path.rglob("*.tmp"))


def test_transcripts_are_computed_once(tmp_path: Path) -> None:
    asr = FakeASR(lambda wave, sr: f"n{wave.size}")
    waves = [np.full(n, 0.1, np.float32) for n in (100, 200, 100)]
    cache = DiskCache(tmp_path)
    first = transcribe_cached(asr, waves, 16000, cache, word_timestamps=True)
    assert [t.text for t in first] == ["n100", "n200", "n100"]
    assert asr.waves_seen == 3
    again = transcribe_cached(asr, [*waves, np.zeros(50, np.float32)], 16000, cache, word_timestamps=True)
    assert asr.waves_seen == 4  # only the new clip
    assert again[:3] == first
    assert again[0].words == (Word("n100", 0.0, 100 / 16000),)
    assert transcribe_cached(asr, waves[:1], 16000, None) == [Transcript("n100")]


def test_embeddings_and_no_voice_results_are_cached(tmp_path: Path) -> None:
    encoder = CountingEncoder()
    cache = DiskCache(tmp_path)
    waves = [np.ones(10, np.float32), np.zeros(10, np.float32)]
    first = embed_cached(encoder, waves, 16000, cache)
    second = embed_cached(encoder, waves, 16000, cache)
    assert encoder.calls == 2
    assert first[1] is None and second[1] is None
    np.testing.assert_array_equal(second[0], [1.0, 0.0])
