from pathlib import Path

import numpy as np
import pytest

from voxtune.asr import FakeASR, Transcript, Word
from voxtune.evaluate.cache import (
    DiskCache,
    audio_key,
    dnsmos_cached,
    embed_cached,
    f0_contour_cached,
    transcribe_cached,
)
from voxtune.evaluate.dnsmos import DnsmosScore


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


def test_f0_contours_are_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import voxtune.evaluate.cache as cache_module

    calls = []

    def fake_contour(wave: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        calls.append(1)
        f0 = np.array([0.0, 120.0, 0.0])
        return f0, f0 > 0

    monkeypatch.setattr(cache_module, "f0_contour", fake_contour)
    cache = DiskCache(tmp_path)
    wave = np.ones(480, np.float32)
    first = f0_contour_cached(wave, cache)
    second = f0_contour_cached(wave, cache)
    assert len(calls) == 1
    np.testing.assert_array_equal(second[0], [0.0, 120.0, 0.0])
    np.testing.assert_array_equal(first[1], second[1])
    assert second[1].tolist() == [False, True, False]


def test_mos_scores_are_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import voxtune.evaluate.cache as cache_module

    calls = []

    def fake_dnsmos(wave: np.ndarray, sample_rate: int) -> DnsmosScore:
        calls.append(wave.size)
        return DnsmosScore(3.0, 4.0, 3.5, 3.9, ("x",))

    monkeypatch.setattr(cache_module, "dnsmos", fake_dnsmos)
    cache = DiskCache(tmp_path)
    waves = [np.ones(10, np.float32)]
    assert dnsmos_cached(waves, 16000, cache) == dnsmos_cached(waves, 16000, cache) == [fake_dnsmos(waves[0], 0)]
    assert len(calls) == 2  # once in the first call, once for the expected value
