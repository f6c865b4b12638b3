"""``report.md`` and ``report.html`` of a prepared dataset: what was kept (per split and speaker, with a duration
histogram), and every rejected item with its reason.

Both are rendered from the same :class:`ReportData` and contain no timestamps or timings, so preparing the same
corpus twice gives the same bytes. The HTML is one self-contained file (inline CSS, an inline SVG histogram).
"""

from __future__ import annotations

import html
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from voxtune.data.items import REASONS, ItemResult

_BAR_WIDTH = 40


@dataclass(frozen=True)
class ReportData:
    """Everything a report shows; ``kept`` are manifest entries, ``rejected`` the rejected results."""

    input: str
    format: str
    voice: str
    sample_rate: int
    source_items: int
    kept: list[dict[str, Any]]
    rejected: list[ItemResult]
    settings: dict[str, Any] = field(default_factory=dict)
    split_lists: tuple[str, ...] = ()

    @property
    def items(self) -> int:
        return len(self.kept) + len(self.rejected)


def render_markdown(data: ReportData) -> str:
    lines = [f"# Prepared dataset: {data.input}", ""]
    lines += [f"- {label}: {value}" for label, value in _overview(data)]
    lines += ["", "## Kept, by split and speaker", "", "| split | speaker | clips | minutes |", "|---|---|---:|---:|"]
    for split, speaker, count, seconds in _table(data.kept):
        lines.append(f"| {split} | {_md(speaker)} | {count} | {seconds / 60:.2f} |")
    lines += ["", "## Duration of kept clips", "", "```"]
    bins = _histogram(data.kept)
    most = max((count for _, count in bins), default=1) or 1
    for label, count in bins:
        lines.append(f"{label:>9} s | {'#' * math.ceil(count * _BAR_WIDTH / most) if count else ''} {count}")
    lines += ["```", "", "## Rejections by reason", ""]
    reasons = _reasons(data)
    lines += ["| reason | items | meaning |", "|---|---:|---|"] if reasons else ["none rejected"]
    lines += [f"| {reason} | {n} | {why} |" for reason, n, why in reasons]
    lines += ["", "## Flags on kept clips", ""]
    lines += [f"- {flag}: {n}" for flag, n in _flags(data.kept)] or ["none"]
    missing = _missing_phonemes(data.kept)
    lines += ["", "## Phonemes missing from the voice's map", ""]
    lines += [f"- `{symbol}` (U+{ord(symbol[0]):04X}): {n} clips" for symbol, n in missing] or ["none"]
    lines += ["", "## Every rejected item", "", "| id | reason | detail | source |", "|---|---|---|---|"]
    for result in data.rejected:
        lines.append(f"| {_md(result.id)} | {result.reason} | {_md(result.detail)} | {_md(result.source)} |")
    lines += ["", "## Settings", "", "```", *(f"{key}: {value}" for key, value in data.settings.items()), "```", ""]
    return "\n".join(lines)


def render_html(data: ReportData) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Prepared dataset: {e(data.input)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Prepared dataset: {e(data.input)}</h1>",
        "<ul>",
        *(f"<li>{e(label)}: {e(str(value))}</li>" for label, value in _overview(data)),
        "</ul><h2>Kept, by split and speaker</h2>",
        "<table><tr><th>split</th><th>speaker</th><th>clips</th><th>minutes</th></tr>",
        *(
            f"<tr><td>{e(split)}</td><td>{e(speaker)}</td><td class=n>{count}</td><td class=n>{s / 60:.2f}</td></tr>"
            for split, speaker, count, s in _table(data.kept)
        ),
        "</table><h2>Duration of kept clips</h2>",
        _svg_histogram(_histogram(data.kept)),
        "<h2>Rejections by reason</h2>",
        "<table><tr><th>reason</th><th>items</th><th>meaning</th></tr>",
        *(f"<tr><td>{e(r)}</td><td class=n>{n}</td><td>{e(why)}</td></tr>" for r, n, why in _reasons(data)),
        "</table><h2>Flags on kept clips</h2><ul>",
        *(f"<li>{e(flag)}: {n}</li>" for flag, n in _flags(data.kept)),
        "</ul><h2>Phonemes missing from the voice's map</h2><ul>",
        *(f"<li><code>{e(symbol)}</code>: {n} clips</li>" for symbol, n in _missing_phonemes(data.kept)),
        "</ul><h2>Every rejected item</h2>",
        "<table><tr><th>id</th><th>reason</th><th>detail</th><th>source</th></tr>",
        *(
            f"<tr><td>{e(r.id)}</td><td>{e(str(r.reason))}</td><td>{e(r.detail)}</td><td>{e(r.source)}</td></tr>"
            for r in data.rejected
        ),
        "</table><h2>Settings</h2><pre>",
        *(f"{e(key)}: {e(str(value))}\n" for key, value in data.settings.items()),
        "</pre></body></html>\n",
    ]
    return "\n".join(parts)


def _overview(data: ReportData) -> list[tuple[str, Any]]:
    seconds = sum(entry["duration"] for entry in data.kept)
    rows: list[tuple[str, Any]] = [
        ("format", data.format),
        ("voice", data.voice),
        ("sample rate", f"{data.sample_rate} Hz"),
        ("source entries", data.source_items),
        ("items (after cutting long recordings)", data.items),
        ("kept", f"{len(data.kept)} ({seconds / 60:.2f} min)"),
        ("rejected", len(data.rejected)),
    ]
    if data.split_lists:
        rows.append(("split lists", ", ".join(data.split_lists)))
    return rows


def _table(kept: list[dict[str, Any]]) -> list[tuple[str, str, int, float]]:
    totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for entry in kept:
        for key in ((entry["split"], entry["speaker"]), (entry["split"], "(all)"), ("(all)", "(all)")):
            totals[key][0] += 1
            totals[key][1] += entry["duration"]
    order = {"train": 0, "dev": 1, "test": 2, "(all)": 9}
    keys = sorted(totals, key=lambda k: (order.get(k[0], 5), k[0], k[1] == "(all)", k[1]))
    return [(split, speaker, int(totals[split, speaker][0]), totals[split, speaker][1]) for split, speaker in keys]


def _histogram(kept: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Counts in 1-second bins from 0 to the longest clip."""
    durations = [entry["duration"] for entry in kept]
    if not durations:
        return []
    counts = Counter(int(d) for d in durations)
    return [(f"{b}-{b + 1}", counts.get(b, 0)) for b in range(int(max(durations)) + 1)]


def _svg_histogram(bins: list[tuple[str, int]]) -> str:
    if not bins:
        return "<p>no clips kept</p>"
    most = max(count for _, count in bins) or 1
    bar, height = 28, 160
    width = bar * len(bins) + 40
    shapes = []
    for i, (label, count) in enumerate(bins):
        h = round(count * height / most)
        x = 30 + i * bar
        shapes.append(f'<rect x="{x}" y="{10 + height - h}" width="{bar - 4}" height="{h}" fill="#4a7fb5"/>')
        shapes.append(
            f'<text x="{x + bar / 2 - 2}" y="{height + 24}" font-size="9" text-anchor="middle">{label}</text>'
        )
        shapes.append(
            f'<text x="{x + bar / 2 - 2}" y="{6 + height - h}" font-size="9" text-anchor="middle">{count}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" role="img" '
        f'aria-label="duration histogram (seconds)">{"".join(shapes)}</svg><p>clips per 1-second duration bin</p>'
    )


def _reasons(data: ReportData) -> list[tuple[str, int, str]]:
    """``(reason, items, meaning)`` for every reason that occurred, in the order the checks run."""
    counts = Counter(str(result.reason) for result in data.rejected)
    return [(reason, counts[reason], meaning) for reason, meaning in REASONS.items() if counts[reason]]


def _flags(kept: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return sorted(Counter(flag for entry in kept for flag in entry["flags"]).items())


def _missing_phonemes(kept: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return sorted(Counter(symbol for entry in kept for symbol in entry["missing_phonemes"]).items())


def _md(text: str) -> str:
    """Table-cell safe: a ``|`` or a newline would break the Markdown table."""
    return text.replace("|", "\\|").replace("\n", " ")


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}"
    "td.n{text-align:right}th{background:#f0f0f0}code{background:#f4f4f4;padding:0 .2em}"
)
