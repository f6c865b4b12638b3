"""A scripted recognizer for tests: no model, no audio analysis, and a count of the waves it was given."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from voxtune.asr.protocol import Transcript, Word


class FakeASR:
    """Return ``respond(wave, sample_rate)`` for each wave (default: the empty string).

    With word timestamps asked for, the words are spread evenly over the wave's duration, which is enough for
    code that consumes timings to be tested.
    """

    def __init__(self, respond: Callable[[np.ndarray, int], str] | None = None, name: str = "fake") -> None:
        self._respond = respond or (lambda wave, sample_rate: "")
        self._name = name
        self.calls = 0
        self.waves_seen = 0

    @property
    def name(self) -> str:
        return self._name

    def transcribe(
        self, waves: Sequence[np.ndarray], sample_rate: int, *, word_timestamps: bool = False
    ) -> list[Transcript]:
        """One scripted transcript per wave ``(T,)``."""
        self.calls += 1
        self.waves_seen += len(waves)
        transcripts = []
        for wave in waves:
            text = self._respond(np.asarray(wave), sample_rate)
            words = _even_words(text, len(wave) / sample_rate) if word_timestamps else ()
            transcripts.append(Transcript(text, words))
        return transcripts


def _even_words(text: str, duration: float) -> tuple[Word, ...]:
    tokens = text.split()
    step = duration / max(len(tokens), 1)
    return tuple(Word(token, i * step, (i + 1) * step) for i, token in enumerate(tokens))
