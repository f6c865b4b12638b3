"""``report.md``: the summary table (best value per column in bold), flagged clips and per-utterance scores."""

from __future__ import annotations

from voxtune.evaluate.result import METRIC_BY_KEY, EvalResult, best_rows
from voxtune.report.formatting import fmt, shown_metrics

# Per-utterance columns: the numbers that say most about one clip.
_UTTERANCE_KEYS = ("wer", "speaker_similarity", "dnsmos_p808")


def render_markdown(result: EvalResult) -> str:
    """The whole Markdown report as one string."""
    lines = [
        "# voxtune evaluation",
        "",
        f"- texts: {result.texts}",
        f"- references: {result.references or 'none'}",
        f"- ASR: `{result.asr}`; speaker encoder: `{result.speaker_encoder or 'none'}`; DNSMOS: speechmos",
        f"- created: {result.created}",
        "",
        "## Summary",
        "",
        *_summary(result),
        "",
    ]
    if sum(row.kind == "voice" for row in result.voices) > 1:
        lines += ["Best voice per column in **bold** (ground truth excluded: it is the ceiling).", ""]
    lines += _flagged(result)
    lines += _utterances(result)
    return "\n".join(lines) + "\n"


def _summary(result: EvalResult) -> list[str]:
    keys = shown_metrics(result)
    header = ["voice", *(METRIC_BY_KEY[key].label for key in keys), "utts", "flagged"]
    best = {key: best_rows(result.voices, key) for key in keys}
    lines = [_row(header), _row(["---"] * len(header))]
    for row in result.voices:
        cells = [_escape(row.name)]
        for key in keys:
            text = fmt(key, row.summary.get(key))
            cells.append(f"**{text}**" if row.name in best[key] else text)
        cells += [str(len(row.utterances)), str(row.flagged)]
        lines.append(_row(cells))
    return lines


def _flagged(result: EvalResult) -> list[str]:
    lines = ["## Flagged clips", ""]
    for row in result.voices:
        for utterance in row.utterances:
            if utterance.flags:
                lines.append(f"- {_escape(row.name)} / `{utterance.id}`: {', '.join(utterance.flags)}")
    if len(lines) == 2:
        lines.append("None.")
    return [*lines, ""]


def _utterances(result: EvalResult) -> list[str]:
    labels = "/".join(METRIC_BY_KEY[key].label for key in _UTTERANCE_KEYS)
    header = ["id", "text", *(f"{_escape(row.name)} ({labels})" for row in result.voices)]
    lines = ["## Utterances", "", _row(header), _row(["---"] * len(header))]
    for index, first in enumerate(result.voices[0].utterances if result.voices else []):
        cells = [f"`{first.id}`", _escape(first.text)]
        for row in result.voices:
            utterance = row.utterances[index]
            cells.append(" / ".join(fmt(key, utterance.metrics.get(key)) for key in _UTTERANCE_KEYS))
        lines.append(_row(cells))
    return lines


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
