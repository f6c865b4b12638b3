"""The one interface every speech recognizer implements, and what it returns.

Recognizers take a batch of mono float32 waves ``(T,)`` at any sample rate and return one :class:`Transcript`
per wave, in order. Backends resample to what their model needs themselves, so callers never have to know.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from voxtune.errors import VoxtuneError


@dataclass(frozen=True)
class Word:
    """One recognized word and where it was heard, in seconds from the start of the wave."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Transcript:
    """The recognized text of one wave; ``words`` is filled only when word timestamps were asked for."""

    text: str
    words: tuple[Word, ...] = field(default=())


@runtime_checkable
class ASR(Protocol):
    """A speech recognizer.

    ``name`` identifies the backend *and* its model (e.g. ``faster-whisper:base:int8``): it labels reports and
    keys the transcript cache, so two models must never share a name.
    """

    @property
    def name(self) -> str: ...

    def transcribe(
        self, waves: Sequence[np.ndarray], sample_rate: int, *, word_timestamps: bool = False
    ) -> list[Transcript]:
        """Transcribe each wave ``(T,)`` sampled at ``sample_rate``: one transcript per wave, in order."""
        ...


class ASRUnavailableError(VoxtuneError):
    """An ASR spec that cannot load; the one-line message says what to install or where files belong."""
