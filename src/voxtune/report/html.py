"""``index.html``: a self-contained page (no scripts, no network) to read and listen to an evaluation.

A summary table with the best voice per column marked, metric histograms, then one row per prompt with, for
every voice, an audio player, the spectrogram, what the ASR heard and the clip's numbers and flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from voxtune.evaluate.result import METRIC_BY_KEY, EvalResult, UtteranceResult, VoiceResult, best_rows
from voxtune.report.formatting import fmt, shown_metrics

_CLIP_KEYS = ("wer", "speaker_similarity", "dnsmos_p808", "mcd")
_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d1d1f; background: #fafafa; }
h1 { margin-bottom: 4px; } .meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid #ddd; padding: 4px 8px; vertical-align: top; }
th { background: #f0f0f3; text-align: left; }
table.summary td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
/* Narrower cells keep all sixteen metric columns on a laptop-wide page now that no number wraps. */
table.summary th, table.summary td { padding: 4px 6px; }
td.best { background: #d9f7df; font-weight: 700; } td.best::after { content: " ★"; color: #1a7f37; }
tr.reference td { background: #f4f1ff; font-style: italic; }
.hists { display: flex; flex-wrap: wrap; gap: 12px; } .hists figure { margin: 0; }
.hists img { border: 1px solid #ddd; background: #fff; }
/* Without a floor the prompt column shrinks to its longest word while wide spectrograms take the row. */
td.prompt { min-width: 180px; max-width: 260px; } td.prompt code { color: #666; }
.cat { color: #888; font-size: 12px; } table.summary td:first-child, table.utts th { white-space: nowrap; }
td.clip { min-width: 260px; } td.clip audio { width: 250px; height: 32px; display: block; }
td.clip img.spec { display: block; height: 64px; max-width: 360px; margin: 4px 0; image-rendering: pixelated; }
.hyp { font-family: ui-monospace, monospace; font-size: 12px; color: #333; }
.nums { font-size: 12px; color: #444; } .err { color: #b42318; font-weight: 600; } .ok { color: #1a7f37; }
.flag { display: inline-block; background: #fde2e1; color: #8a1c13; border-radius: 3px; padding: 0 4px;
        margin: 2px 2px 0 0; font-size: 11px; }
"""


def render_html(result: EvalResult, spectrograms: Mapping[tuple[str, str], str], histograms: Mapping[str, str]) -> str:
    """The page as one string; ``spectrograms[(row, utterance id)]`` and ``histograms[key]`` are relative paths."""
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8"><title>voxtune evaluation</title>',
        f"<style>{_STYLE}</style></head><body>",
        "<h1>voxtune evaluation</h1>",
        f'<p class="meta">{_meta(result)}</p>',
        "<h2>Summary</h2>",
        _summary(result),
    ]
    if sum(row.kind == "voice" for row in result.voices) > 1:
        parts.append('<p class="meta">★ best voice per column (the ground-truth row is the ceiling, not ranked).</p>')
    if histograms:
        parts += ["<h2>Distributions</h2>", '<div class="hists">']
        parts += [
            f'<figure><img src="{escape(path)}" alt="histogram of {escape(key)}"></figure>'
            for key, path in histograms.items()
        ]
        parts.append("</div>")
    parts += ["<h2>Utterances</h2>", _utterances(result, spectrograms), "</body></html>"]
    return "\n".join(parts) + "\n"


def _meta(result: EvalResult) -> str:
    items = [
        f"texts: {result.texts}",
        f"references: {result.references or 'none'}",
        f"ASR: {result.asr}",
        f"speaker encoder: {result.speaker_encoder or 'none'}",
        f"created: {result.created}",
    ]
    return " · ".join(escape(item) for item in items)


def _summary(result: EvalResult) -> str:
    keys = shown_metrics(result)
    head = "".join(
        f'<th title="{escape(METRIC_BY_KEY[key].help)}">{escape(METRIC_BY_KEY[key].label)}</th>' for key in keys
    )
    rows = [f'<table class="summary"><thead><tr><th>voice</th>{head}<th>utts</th><th>flagged</th></tr></thead>']
    best = {key: best_rows(result.voices, key) for key in keys}
    for row in result.voices:
        cells = "".join(
            f'<td class="num{" best" if row.name in best[key] else ""}">{fmt(key, row.summary.get(key))}</td>'
            for key in keys
        )
        css = ' class="reference"' if row.kind == "reference" else ""
        rows.append(
            f"<tr{css}><td>{escape(row.name)}</td>{cells}"
            f'<td class="num">{len(row.utterances)}</td><td class="num">{row.flagged}</td></tr>'
        )
    return "\n".join([*rows, "</table>"])


def _utterances(result: EvalResult, spectrograms: Mapping[tuple[str, str], str]) -> str:
    head = "".join(f"<th>{escape(row.name)}</th>" for row in result.voices)
    lines = [f'<table class="utts"><thead><tr><th>prompt</th>{head}</tr></thead>']
    for index, first in enumerate(result.voices[0].utterances if result.voices else []):
        prompt = (
            f'<td class="prompt"><code>{escape(first.id)}</code><br>{escape(first.text)}'
            f'<br><span class="cat">{escape(first.category)}</span></td>'
        )
        cells = "".join(_clip(row, row.utterances[index], spectrograms) for row in result.voices)
        lines.append(f"<tr>{prompt}{cells}</tr>")
    return "\n".join([*lines, "</table>"])


def _clip(row: VoiceResult, utterance: UtteranceResult, spectrograms: Mapping[tuple[str, str], str]) -> str:
    parts = ['<td class="clip">']
    if utterance.audio:
        parts.append(f'<audio controls preload="none" src="{escape(utterance.audio)}"></audio>')
    image = spectrograms.get((row.name, utterance.id))
    if image:
        parts.append(f'<img class="spec" src="{escape(image)}" alt="spectrogram">')
    if utterance.transcript is not None:
        parts.append(f'<div class="hyp">“{escape(utterance.transcript)}”</div>')
    numbers = [_number(key, utterance.metrics[key]) for key in _CLIP_KEYS if utterance.metrics.get(key) is not None]
    if numbers:
        parts.append(f'<div class="nums">{" · ".join(numbers)}</div>')
    parts += [f'<span class="flag">{escape(flag)}</span>' for flag in utterance.flags]
    parts.append("</td>")
    return "".join(parts)


def _number(key: str, value: float | None) -> str:
    text = f"{escape(METRIC_BY_KEY[key].label)} {fmt(key, value)}"
    if key == "wer" and value is not None:
        return f'<span class="{"ok" if value == 0 else "err"}">{text}</span>'
    return text
