"""On-disk cache of transcripts, speaker embeddings, MOS scores and F0 contours, keyed by audio and model.

Re-running a report re-synthesizes (that is what RTF measures), but the same audio through the same model is
never transcribed, embedded, rated or pitch-tracked twice. Keys hash the float32 samples, the sample rate and
the model's identity, so a different ASR model, a resampled clip or a changed voice never hits a stale entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from voxtune.asr.protocol import ASR, Transcript, Word
from voxtune.asr.resample import ASR_SAMPLE_RATE
from voxtune.cache import cache_root
from voxtune.evaluate.dnsmos import DNSMOS_IDENTITY, DnsmosScore, dnsmos
from voxtune.evaluate.f0 import F0_IDENTITY, f0_contour
from voxtune.evaluate.speaker import SpeakerEncoder


def default_cache_dir() -> Path:
    """``eval/`` under voxtune's cache root (:func:`voxtune.cache.cache_root`)."""
    return cache_root() / "eval"


def audio_key(wave: np.ndarray, sample_rate: int, identity: str) -> str:
    """Hex SHA-256 of a wave ``(T,)`` (as float32), its sample rate and the model identity."""
    digest = hashlib.sha256()
    digest.update(identity.encode())
    digest.update(f"|{sample_rate}|".encode())
    digest.update(np.ascontiguousarray(wave, dtype=np.float32).tobytes())
    return digest.hexdigest()


class DiskCache:
    """A directory of small files: ``ROOT/NAMESPACE/ab/abcdef....{json,npy}``; writes are atomic renames."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def get_json(self, namespace: str, key: str) -> object | None:
        path = self._path(namespace, key, ".json")
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            # Missing or half-written by a killed run: both are a miss, and the entry gets rewritten.
            return None

    def put_json(self, namespace: str, key: str, value: object) -> None:
        self._write(self._path(namespace, key, ".json"), json.dumps(value).encode())

    def get_array(self, namespace: str, key: str) -> np.ndarray | None:
        path = self._path(namespace, key, ".npy")
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return None

    def put_array(self, namespace: str, key: str, value: np.ndarray) -> None:
        path = self._path(namespace, key, ".npy")
        with tempfile.NamedTemporaryFile(dir=self._ensure(path), suffix=".tmp", delete=False) as handle:
            np.save(handle, np.asarray(value), allow_pickle=False)
        os.replace(handle.name, path)

    def _path(self, namespace: str, key: str, suffix: str) -> Path:
        return self.root / namespace / key[:2] / f"{key}{suffix}"

    @staticmethod
    def _ensure(path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.parent

    def _write(self, path: Path, data: bytes) -> None:
        with tempfile.NamedTemporaryFile(dir=self._ensure(path), suffix=".tmp", delete=False) as handle:
            handle.write(data)
        os.replace(handle.name, path)


def transcribe_cached(
    asr: ASR,
    waves: Sequence[np.ndarray],
    sample_rate: int,
    cache: DiskCache | None,
    *,
    word_timestamps: bool = False,
) -> list[Transcript]:
    """``asr.transcribe`` with cache lookups first; only the misses go to the model, in one batch."""
    if cache is None:
        return asr.transcribe(waves, sample_rate, word_timestamps=word_timestamps)
    identity = f"{asr.name}|words={word_timestamps}"
    keys = [audio_key(wave, sample_rate, identity) for wave in waves]
    results: list[Transcript | None] = [_transcript(cache.get_json("transcripts", key)) for key in keys]
    misses = [i for i, result in enumerate(results) if result is None]
    if misses:
        fresh = asr.transcribe([waves[i] for i in misses], sample_rate, word_timestamps=word_timestamps)
        for i, transcript in zip(misses, fresh, strict=True):
            cache.put_json("transcripts", keys[i], asdict(transcript))
            results[i] = transcript
    return [result for result in results if result is not None]


def embed_cached(
    encoder: SpeakerEncoder, waves: Sequence[np.ndarray], sample_rate: int, cache: DiskCache | None
) -> list[np.ndarray | None]:
    """Speaker embeddings ``[(D,) | None]`` with cache lookups first; "no voice" is cached too (as an empty array)."""
    embeddings: list[np.ndarray | None] = []
    for wave in waves:
        key = audio_key(wave, sample_rate, encoder.name)
        stored = cache.get_array("embeddings", key) if cache is not None else None
        if stored is None:
            embedding = encoder.embed(wave, sample_rate)
            stored = np.zeros(0, dtype=np.float32) if embedding is None else embedding
            if cache is not None:
                cache.put_array("embeddings", key, stored)
        embeddings.append(stored if stored.size else None)
    return embeddings


def dnsmos_cached(waves: Sequence[np.ndarray], sample_rate: int, cache: DiskCache | None) -> list[DnsmosScore]:
    """:func:`~voxtune.evaluate.dnsmos.dnsmos` of each wave ``(T,)``, with cache lookups first."""
    scores = []
    for wave in waves:
        key = audio_key(wave, sample_rate, DNSMOS_IDENTITY)
        stored = cache.get_json("dnsmos", key) if cache is not None else None
        if isinstance(stored, dict):
            scores.append(DnsmosScore(**{**stored, "flags": tuple(stored.get("flags", ()))}))
            continue
        score = dnsmos(wave, sample_rate)
        if cache is not None:
            cache.put_json("dnsmos", key, asdict(score))
        scores.append(score)
    return scores


def f0_contour_cached(wave: np.ndarray, cache: DiskCache | None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~voxtune.evaluate.f0.f0_contour` of a 16 kHz wave ``(T,)``, with a cache lookup first."""
    key = audio_key(wave, ASR_SAMPLE_RATE, F0_IDENTITY)
    stored = cache.get_array("f0", key) if cache is not None else None
    if stored is None:
        f0, _ = f0_contour(wave)
        stored = f0.astype(np.float32)
        if cache is not None:
            cache.put_array("f0", key, stored)
    # Unvoiced frames hold 0 Hz, so the voicing decision travels inside the contour.
    return stored.astype(np.float64), stored > 0


def _transcript(value: object) -> Transcript | None:
    if not isinstance(value, dict) or not isinstance(value.get("text"), str):
        return None
    words = tuple(Word(str(w["text"]), float(w["start"]), float(w["end"])) for w in value.get("words", ()))
    return Transcript(value["text"], words)
