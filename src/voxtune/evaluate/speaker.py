"""Speaker similarity: cosine between d-vectors (resemblyzer's GE2E encoder, 256 dims, 16 kHz).

Two figures answer "does it sound like the target": per utterance, the cosine of each clip's embedding with
the reference speaker's mean embedding; per speaker, the cosine of the two mean embeddings, which averages out
what individual sentences do to timbre and is the headline number.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol, runtime_checkable

import numpy as np

from voxtune.asr.resample import ASR_SAMPLE_RATE, SILENCE_DB, to_16k
from voxtune.audio.clean import is_silent

NO_VOICE = "no_voice"
NO_REFERENCE = "no_reference"
# resemblyzer needs some voiced audio after trimming pauses; below this its embedding is noise.
_MIN_VOICED_SECONDS = 0.2


@runtime_checkable
class SpeakerEncoder(Protocol):
    """Maps a wave to a unit-length speaker embedding; ``None`` when the wave holds no usable voice."""

    @property
    def name(self) -> str: ...

    def embed(self, wave: np.ndarray, sample_rate: int) -> np.ndarray | None:
        """``(T,)`` at ``sample_rate`` → ``(D,)`` float32 of unit norm, or ``None``."""
        ...


class ResemblyzerEncoder:
    """resemblyzer's pretrained voice encoder on CPU; its weights ship inside the wheel (no download)."""

    @property
    def name(self) -> str:
        return "resemblyzer:ge2e-256"

    @cached_property
    def _encoder(self) -> Any:
        return _resemblyzer().VoiceEncoder(device="cpu", verbose=False)

    def embed(self, wave: np.ndarray, sample_rate: int) -> np.ndarray | None:
        """Unit-norm ``(256,)`` embedding of ``(T,)``, or ``None`` for silence or too little voiced audio."""
        wave = to_16k(wave, sample_rate)
        # preprocess_wav divides by the clip's RMS: digital silence would turn into NaNs.
        if is_silent(wave, threshold_db=SILENCE_DB):
            return None
        voiced = _resemblyzer().preprocess_wav(np.clip(wave, -1.0, 1.0))
        if voiced.size < _MIN_VOICED_SECONDS * ASR_SAMPLE_RATE:
            return None
        embedding = np.asarray(self._encoder.embed_utterance(voiced), dtype=np.float32)
        return embedding if np.isfinite(embedding).all() else None


def _resemblyzer() -> Any:
    """The resemblyzer module, imported on first use (it loads torch and librosa)."""
    with warnings.catch_warnings():
        # resemblyzer 0.1.4 imports a scipy namespace that scipy deprecates; nothing for our users to act on.
        warnings.simplefilter("ignore", DeprecationWarning)
        import resemblyzer
    return resemblyzer


@dataclass(frozen=True)
class SpeakerScores:
    """Per-utterance cosines (``None`` where a clip had no voice) and the speaker-level cosine."""

    utterance: tuple[float | None, ...]
    speaker: float | None
    flags: tuple[str, ...] = ()


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors ``(D,)``; 0 when either is all zeros."""
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b) / norm) if norm > 0 else 0.0


def mean_embedding(embeddings: Sequence[np.ndarray | None]) -> np.ndarray | None:
    """Unit-norm mean ``(D,)`` of the embeddings that exist; ``None`` when none do."""
    present = [e for e in embeddings if e is not None]
    if not present:
        return None
    mean = np.mean(np.stack(present), axis=0)
    norm = np.linalg.norm(mean)
    return (mean / norm).astype(np.float32) if norm > 0 else None


def speaker_similarity(
    embeddings: Sequence[np.ndarray | None], reference_embeddings: Sequence[np.ndarray | None]
) -> SpeakerScores:
    """Compare a voice's clips ``[(D,) | None]`` with a reference speaker's clips."""
    target = mean_embedding(reference_embeddings)
    if target is None:
        return SpeakerScores(tuple(None for _ in embeddings), None, (NO_REFERENCE,))
    per_utterance = tuple(None if e is None else cosine(e, target) for e in embeddings)
    mean = mean_embedding(embeddings)
    flags = (NO_VOICE,) if mean is None else ()
    return SpeakerScores(per_utterance, None if mean is None else cosine(mean, target), flags)


def self_similarity(reference_embeddings: Sequence[np.ndarray | None]) -> SpeakerScores:
    """The ceiling: the reference speaker against itself, without comparing any clip with itself.

    Per utterance: each clip against the mean of all *other* clips. Speaker level: the mean of the even-indexed
    clips against the mean of the odd-indexed ones (two disjoint halves, like two different test sets).
    """
    present = [i for i, e in enumerate(reference_embeddings) if e is not None]
    if len(present) < 2:
        return SpeakerScores(tuple(None for _ in reference_embeddings), None, (NO_REFERENCE,))
    per_utterance = tuple(
        None if e is None else _cosine_or_none(e, mean_embedding(_without(reference_embeddings, i)))
        for i, e in enumerate(reference_embeddings)
    )
    even = mean_embedding([reference_embeddings[i] for i in present[0::2]])
    odd = mean_embedding([reference_embeddings[i] for i in present[1::2]])
    return SpeakerScores(per_utterance, _cosine_or_none(even, odd))


def _without(items: Sequence[np.ndarray | None], index: int) -> list[np.ndarray | None]:
    return [item for i, item in enumerate(items) if i != index]


def _cosine_or_none(a: np.ndarray | None, b: np.ndarray | None) -> float | None:
    return None if a is None or b is None else cosine(a, b)
