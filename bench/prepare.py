"""Corpus preparation benchmark: the Allison corpus with 1 and 2 jobs, and an unlabelled-folder round trip.

    .venv/bin/python bench/prepare.py [--corpus ../shared/data/allison] [--whisper .cache/whisper-base]
                                      [--out out/bench-prepare] [--write bench/RESULTS-prepare.md]

1. ``prepare`` on the corpus from scratch with ``--jobs 1`` and ``--jobs 2``, then a re-run that finds all work
   done: wall time, items/s, kept/rejected by reason. Anchor measured in the same run: how much faster this
   machine runs two CPU-bound processes than one (the most ``--jobs 2`` can gain here).
2. Long unlabelled recordings (train prompts joined by pauses of 0.6-1.6 s) prepared as a plain folder: VAD cuts
   them, Whisper transcribes the pieces, and the joined transcripts are scored against the original prompt texts.
   Anchor: the same Whisper on the same prompts one by one (perfect segmentation), so the difference is what
   segmentation costs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np

from voxtune.audio.io import load_audio, save_audio
from voxtune.data.manifest import read_manifest
from voxtune.data.prepare import PrepareResult, prepare
from voxtune.evaluate.wer import corpus_errors, utterance_errors

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "data" / "allison")
    parser.add_argument("--whisper", type=Path, default=ROOT / ".cache" / "whisper-base")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "bench-prepare")
    parser.add_argument("--recordings", type=int, default=4, help="long recordings for the folder test")
    parser.add_argument("--prompts", type=int, default=8, help="prompts per long recording")
    parser.add_argument("--write", type=Path, help="also write the results (Markdown) to this file")
    args = parser.parse_args()
    lines = ["# Corpus preparation benchmark", ""]
    lines += corpus_section(args.corpus, args.out)
    lines += folder_section(args.corpus, args.whisper, args.out, args.recordings, args.prompts)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")


def corpus_section(corpus: Path, out: Path) -> list[str]:
    load = os.getloadavg()[0]
    speedup = parallel_speedup()
    rows = [
        "## Allison corpus",
        "",
        "| run | wall s | items/s | kept | rejected | processed | reused |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    results: dict[str, tuple[PrepareResult, float]] = {}
    for jobs in (1, 2):
        target = out / f"allison-jobs{jobs}"
        shutil.rmtree(target, ignore_errors=True)
        results[f"--jobs {jobs}, from scratch"] = timed(partial(prepare, corpus, target, jobs=jobs, progress=False))
    results["--jobs 2, re-run (all done)"] = timed(
        lambda: prepare(corpus, out / "allison-jobs2", jobs=2, progress=False)
    )
    for name, (result, seconds) in results.items():
        rows.append(
            f"| {name} | {seconds:.1f} | {result.items / seconds:.1f} | {result.kept} | {result.rejected} "
            f"| {result.processed} | {result.reused} |"
        )
    first = next(iter(results.values()))[0]
    same = _same_outputs(out / "allison-jobs1", out / "allison-jobs2")
    reasons = ", ".join(f"{reason} {n}" for reason, n in first.by_reason.items())
    minutes = ", ".join(f"{split} {s / 60:.2f} min" for split, s in first.seconds_by_split.items())
    return [
        *rows,
        "",
        f"- items = kept + rejected: {first.items} = {first.kept} + {first.rejected}; kept audio: {minutes}",
        f"- rejected by reason: {reasons}",
        f"- outputs of --jobs 1 and --jobs 2 byte-identical: {same}",
        f"- anchor: two CPU-bound processes run {speedup:.2f}x as fast as one on this machine ({_cpus()} CPUs,"
        f" load average {load:.1f} before the runs: other processes compete for them)",
        "- --jobs 2 includes starting the worker pool (a fork server that imports torch and scipy once)",
        "",
    ]


def folder_section(corpus: Path, whisper: Path, out: Path, recordings: int, per_file: int) -> list[str]:
    if not whisper.is_dir():
        return ["## Unlabelled folder", "", f"skipped: no offline Whisper model at {whisper}", ""]
    from voxtune.asr.load import load_asr

    folder = out / "unlabelled"
    shutil.rmtree(folder, ignore_errors=True)
    prompts = _clean_prompts(corpus, recordings * per_file)
    rng = np.random.default_rng(0)
    (folder / "in").mkdir(parents=True)
    references: dict[str, str] = {}
    waves: list[np.ndarray] = []
    for n in range(recordings):
        chosen = prompts[n * per_file : (n + 1) * per_file]
        parts = []
        for item_id, _text in chosen:
            wave, _ = load_audio(corpus / "wavs" / f"{item_id}.flac", 16000)
            waves.append(wave)
            parts += [_room_tone(rng, rng.uniform(0.6, 1.6)), wave]
        parts.append(_room_tone(rng, 1.0))
        save_audio(folder / "in" / f"session{n + 1}.flac", np.concatenate(parts), 16000)
        references[f"session{n + 1}"] = " ".join(text for _, text in chosen)
    spec = f"whisper:{whisper}"
    result, seconds = timed(lambda: prepare(folder / "in", folder / "out", asr=spec, progress=False))
    entries = read_manifest(folder / "out")
    heard = {name: " ".join(e.text for e in entries if e.id.startswith(f"{name}-")) for name in references}
    segmented = corpus_errors([utterance_errors(references[name], heard[name]) for name in references])
    asr = load_asr(spec)
    one_by_one = asr.transcribe(waves, 16000)
    oracle = corpus_errors([utterance_errors(text, t.text) for (_, text), t in zip(prompts, one_by_one, strict=True)])
    audio_seconds = sum(w.size for w in waves) / 16000
    return [
        "## Unlabelled folder: VAD segmentation + Whisper-base transcription",
        "",
        f"- {recordings} recordings of {per_file} Allison train prompts each ({len(prompts)} prompts,"
        f" {audio_seconds / 60:.1f} min of speech), joined by 0.6-1.6 s of faint room tone",
        f"- items: {result.items} utterances cut (for {len(prompts)} prompts): kept {result.kept},"
        f" rejected {result.rejected} {dict(result.by_reason)}; wall {seconds:.1f} s",
        f"- WER of the joined transcripts vs the original prompt texts: {segmented.wer:.1%}"
        f" ({segmented.word_errors} errors / {segmented.reference_words} words)",
        f"- anchor, same Whisper on each prompt alone (perfect segmentation): {oracle.wer:.1%}",
        "",
    ]


def timed(run: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


def parallel_speedup(n: int = 6_000_000) -> float:
    """Throughput of two processes spinning a pure-Python loop, relative to one."""
    start = time.perf_counter()
    _spin(n)
    one = time.perf_counter() - start
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_spin, [1, 1])  # start-up outside the timing
        start = time.perf_counter()
        pool.map(_spin, [n, n])
        two = time.perf_counter() - start
    return 2 * one / two


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def _cpus() -> int:
    return multiprocessing.cpu_count()


def _same_outputs(a: Path, b: Path) -> bool:
    names = ["manifest.jsonl", "rejected.jsonl", "dataset.json", "report.md", "report.html"]
    clips = sorted(p.name for p in (a / "clips").iterdir())
    if clips != sorted(p.name for p in (b / "clips").iterdir()):
        return False
    return all((a / n).read_bytes() == (b / n).read_bytes() for n in names + [f"clips/{c}" for c in clips])


def _clean_prompts(corpus: Path, count: int) -> list[tuple[str, str]]:
    """Train prompts that are plain sentences of 1.5-6 s (no notes, letters or digits), evenly through the ids."""
    train = set((corpus / "train.txt").read_text().split())
    meta = dict(line.split("|", 1) for line in (corpus / "metadata.csv").read_text(encoding="utf-8").splitlines())
    candidates = []
    for item_id in sorted(train):
        text = meta[item_id]
        if "__" in item_id or any(c in text for c in "([<") or len(text.split()) < 4:
            continue
        seconds = load_audio(corpus / "wavs" / f"{item_id}.flac")[0].size / 16000
        if 1.5 <= seconds <= 6.0:
            candidates.append((item_id, text))
    step = len(candidates) / count
    return [candidates[int(i * step)] for i in range(count)]


def _room_tone(rng: np.random.Generator, seconds: float) -> np.ndarray:
    return (rng.standard_normal(int(seconds * 16000)) * 1e-3).astype(np.float32)


if __name__ == "__main__":
    main()
