"""The quality gate: every spoken piece is transcribed back and scored against the text it had to say.

An item's WER pools the word errors of all its pieces (a vocabulary item's word, twice, and example, twice) over
their words. Items above the threshold are re-read with other seeds by the builder; what still fails is listed in
``qa.md`` / ``qa.json`` with its audio, for a person to listen to.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from voxtune.asr.protocol import ASR
from voxtune.course.render import SpokenPiece
from voxtune.evaluate.wer import corpus_errors, utterance_errors


@dataclass(frozen=True)
class ItemQA:
    """One item's verdict. ``wer``/``passed`` are ``None`` when no ASR judged it."""

    wer: float | None
    passed: bool | None
    transcript: str | None
    asr: str | None
    attempts: int = 1

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def judge(asr: ASR, items: Sequence[Sequence[SpokenPiece]], language: str = "en") -> list[tuple[float | None, str]]:
    """(pooled WER, transcript) per item; the pieces of all items go to the ASR in one batch."""
    flat = [piece for pieces in items for piece in pieces]
    by_rate: dict[int, list[int]] = {}
    for index, piece in enumerate(flat):
        by_rate.setdefault(piece.sample_rate, []).append(index)
    heard = [""] * len(flat)
    for rate, indices in by_rate.items():
        for index, transcript in zip(indices, asr.transcribe([flat[i].audio for i in indices], rate), strict=True):
            heard[index] = transcript.text.strip()
    family = language.replace("_", "-").split("-")[0].lower()
    results, cursor = [], 0
    for pieces in items:
        texts = heard[cursor : cursor + len(pieces)]
        errors = [utterance_errors(p.say.text, t, family) for p, t in zip(pieces, texts, strict=True)]
        cursor += len(pieces)
        results.append((corpus_errors(errors).wer, " / ".join(texts)))
    return results


def write_report(out_dir: Path, course: dict[str, Any], max_wer: float) -> tuple[int, int, list[dict[str, Any]]]:
    """``qa.json`` and ``qa.md`` from the manifest's QA fields; returns (passed, judged, failed entries)."""
    entries = [
        {"lesson": lesson["id"], "item": item["id"], "text": item["text"], "audio": item["audio"], **item["qa"]}
        for lesson in course["lessons"]
        for item in lesson["items"]
    ]
    judged = [e for e in entries if e["passed"] is not None]
    failed = [e for e in judged if not e["passed"]]
    passed = len(judged) - len(failed)
    summary = {"max_wer": max_wer, "items": len(entries), "judged": len(judged), "passed": passed, "failed": failed}
    (out_dir / "qa.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [f"# QA — {course['title']}", ""]
    if not judged:
        lines.append("No ASR judged this build (`--asr none`).")
    else:
        asr_names = sorted({str(e["asr"]) for e in judged})
        verdict = f"{passed} of {len(judged)} items read correctly"
        lines.append(f"{verdict} (WER ≤ {max_wer:g}; ASR: {', '.join(asr_names)}).")
    if failed:
        lines += ["", "Listen to these and fix the text, re-run with `--retry-failed`, or record them:", ""]
        lines += ["| lesson | item | WER | expected | heard | audio | tries |", "|---|---|---|---|---|---|---|"]
        for e in failed:
            cells = [e["lesson"], e["item"], f"{e['wer']:.2f}", e["text"], e["transcript"] or "", e["audio"]]
            cells.append(str(e["attempts"]))
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    (out_dir / "qa.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return passed, len(judged), failed


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
