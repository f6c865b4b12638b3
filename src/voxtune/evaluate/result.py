"""What an evaluation produces: per-utterance numbers for every voice, their summaries, and how to read them.

Everything here is plain data (JSON-ready through :meth:`EvalResult.to_dict`); the report writers and the
training callbacks read it, nothing here computes a metric.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

Better = Literal["lower", "higher", "one"]


@dataclass(frozen=True)
class MetricSpec:
    """How to show and compare one summary number: ``better`` is None for numbers that are not judged."""

    key: str
    label: str
    better: Better | None
    digits: int
    help: str


# Summary columns, in report order. Utterance-level metrics use the same keys (speaker is then per clip).
METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("wer", "WER", "lower", 3, "word error rate of the ASR transcript, pooled over the corpus"),
    MetricSpec("cer", "CER", "lower", 3, "character error rate, pooled"),
    MetricSpec("speaker_similarity", "Speaker sim", "higher", 3, "cosine of mean d-vectors vs the references"),
    MetricSpec("speaker_similarity_utt", "Sim / utt", "higher", 3, "mean per-clip cosine vs the reference mean"),
    MetricSpec("dnsmos_p808", "P.808", "higher", 2, "DNSMOS P.808 MOS estimate (1-5)"),
    MetricSpec("dnsmos_ovrl", "OVRL", "higher", 2, "DNSMOS overall quality (1-5)"),
    MetricSpec("dnsmos_sig", "SIG", "higher", 2, "DNSMOS speech signal quality (1-5)"),
    MetricSpec("dnsmos_bak", "BAK", "higher", 2, "DNSMOS background noise quality (1-5)"),
    MetricSpec("mcd", "MCD dB", "lower", 2, "mel-cepstral distortion vs the parallel reference (DTW)"),
    MetricSpec("f0_rmse_cents", "F0 RMSE ¢", "lower", 0, "F0 error on frames voiced in both, in cents"),
    MetricSpec("f0_rmse_hz", "F0 RMSE Hz", "lower", 1, "F0 error on frames voiced in both, in Hz"),
    MetricSpec("f0_correlation", "F0 corr", "higher", 2, "correlation of log-F0 contours (intonation shape)"),
    MetricSpec("voicing_error", "VDE", "lower", 3, "share of aligned frames with a different voicing decision"),
    MetricSpec("words_per_second", "Words/s", None, 2, "spoken words per second of speech"),
    MetricSpec("duration_ratio", "Dur. ratio", "one", 2, "speech duration / reference speech duration"),
    MetricSpec("rtf", "RTF", "lower", 3, "synthesis seconds per second of audio"),
)
METRIC_BY_KEY = {spec.key: spec for spec in METRICS}


@dataclass
class UtteranceResult:
    """One prompt as read by one voice; ``metrics`` maps :data:`METRICS` keys to numbers or ``None``."""

    id: str
    text: str
    category: str
    transcript: str | None
    reference_normalized: str | None
    transcript_normalized: str | None
    seconds: float
    sample_rate: int
    metrics: dict[str, float | None]
    flags: list[str] = field(default_factory=list)
    audio: str | None = None  # path relative to the report directory, when audio was written


@dataclass
class VoiceResult:
    """One row of the comparison: a voice, or the real recordings (``kind == "reference"``)."""

    name: str
    kind: Literal["voice", "reference"]
    sample_rate: int
    utterances: list[UtteranceResult]
    summary: dict[str, float | None]
    flags: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per stage (synthesize, asr, ...)

    @property
    def flagged(self) -> int:
        """How many utterances carry at least one flag."""
        return sum(1 for utterance in self.utterances if utterance.flags)


@dataclass
class EvalResult:
    """All rows of one evaluation, with what produced them (ASR, speaker encoder, inputs)."""

    voices: list[VoiceResult]
    asr: str
    speaker_encoder: str | None
    texts: str
    references: str | None
    created: str
    language: str = "en"
    out_dir: str | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict (NaN and infinities become ``None``: JSON has no such numbers)."""
        data = asdict(self)
        data["metrics"] = [asdict(spec) for spec in METRICS]
        for voice, row in zip(self.voices, data["voices"], strict=True):
            row["flagged"] = voice.flagged
        cleaned = _finite(data)
        assert isinstance(cleaned, dict)
        return cleaned

    def voice(self, name: str) -> VoiceResult:
        """The row called ``name``."""
        for row in self.voices:
            if row.name == name:
                return row
        raise KeyError(f"no row named {name!r}; rows: {', '.join(row.name for row in self.voices)}")


def best_rows(rows: Sequence[VoiceResult], key: str) -> set[str]:
    """Names of the voice rows (references excluded) with the best summary value of ``key``; ties share."""
    spec = METRIC_BY_KEY[key]
    values = {row.name: row.summary.get(key) for row in rows if row.kind == "voice"}
    present = {name: value for name, value in values.items() if value is not None and math.isfinite(value)}
    if spec.better is None or len(present) < 2:
        return set()
    if spec.better == "one":
        score = {name: -abs(value - 1.0) for name, value in present.items()}
    else:
        score = {name: value if spec.better == "higher" else -value for name, value in present.items()}
    top = max(score.values())
    return {name for name, value in score.items() if math.isclose(value, top, rel_tol=1e-9, abs_tol=1e-12)}


def mean_of(values: Sequence[float | None]) -> float | None:
    """Mean of the values that are numbers; ``None`` when there are none."""
    present = [v for v in values if v is not None and math.isfinite(v)]
    return sum(present) / len(present) if present else None


def _finite(value: object) -> object:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value
