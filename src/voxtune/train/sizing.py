"""Rules of thumb for a fine-tuning run's size, from the amount of training audio.

Derived from the joe → Allison runs in BENCHMARKS.md (batch 16): the dev mel distance falls fastest in the first
few hundred steps and a 2-minute subset already reaches most of the full set's, so the step count grows with the
data but slowly, and small sets get a lower learning rate to limit over-fitting.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizing:
    """Suggested ``max_steps``, ``learning_rate`` and ``eval_steps`` for ``minutes`` of training audio."""

    minutes: float
    max_steps: int
    learning_rate: float
    eval_steps: int

    def describe(self) -> str:
        return (
            f"{self.minutes:.1f} min of training audio: suggested max_steps={self.max_steps} "
            f"learning_rate={self.learning_rate:g} eval_steps={self.eval_steps}"
        )


def suggest(minutes: float) -> Sizing:
    """About 100 steps per minute of audio, between 300 and 5000; evaluation ten times per run."""
    if minutes <= 0:
        raise ValueError("the training split holds no audio")
    steps = int(min(5000, max(300, round(100 * minutes, -1))))
    learning_rate = 1e-4 if minutes < 10 else 2e-4
    return Sizing(minutes, steps, learning_rate, max(50, steps // 10))
