"""Number formatting shared by the Markdown and HTML reports."""

from __future__ import annotations

import math

from voxtune.evaluate.result import METRIC_BY_KEY, METRICS, EvalResult

MISSING = "–"


def fmt(key: str, value: float | None) -> str:
    """A summary or utterance value as the report shows it; ``–`` for missing numbers."""
    if value is None or not math.isfinite(value):
        return MISSING
    digits = METRIC_BY_KEY[key].digits if key in METRIC_BY_KEY else 3
    return f"{value:.{digits}f}"


def shown_metrics(result: EvalResult) -> list[str]:
    """Keys of :data:`METRICS` that at least one row has a number for, in report order."""
    return [spec.key for spec in METRICS if any(row.summary.get(spec.key) is not None for row in result.voices)]
