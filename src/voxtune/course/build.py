"""``voxtune course``: a course file → per-item audio, word timings, subtitles, lesson tracks, QA and a player page.

Output (paths relative to ``OUT``)::

    course.json                      the manifest (the player's input; see voxtune.course.player)
    index.html                       the player page
    qa.md, qa.json                   the quality gate's report
    lessons/LESSON/ITEM.wav|.mp3     each item's audio
    lessons/LESSON/ITEM.json|.vtt    its word timings (JSON) and subtitles (WebVTT, one cue per spoken piece)
    lessons/LESSON.wav|.mp3          the lesson's track: its items in order with ``pauses.item`` between

Re-runs are incremental: an item is rebuilt only when its key changes (its script — texts, voices, speeds,
pauses —, seed and the voice files' contents) or its audio is missing or altered.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from voxtune.asr.protocol import ASR
from voxtune.audio.io import load_audio, resample, save_audio
from voxtune.course.player import write_player
from voxtune.course.qa import ItemQA, judge, write_report
from voxtune.course.render import RenderedItem, Renderer, SpokenPiece, resolve_course_voice
from voxtune.course.script import Say, Step, item_script
from voxtune.course.spec import Course, CourseError, Item, Lesson, load_course
from voxtune.course.timings import webvtt
from voxtune.errors import VoxtuneError
from voxtune.pretrained.voices import resolve_voice_path

FORMAT_VERSION = 2  # part of every item key: a change to how items are rendered rebuilds them all
MANIFEST = "course.json"
COMPRESSED = ".mp3"
_SEED_STRIDE = 7919  # attempt k of an item uses seed + k × this


@dataclass(frozen=True)
class CourseBuild:
    """What a build did: items rebuilt and reused, the QA tally, where it went and how long it took."""

    out_dir: Path
    items: int
    rebuilt: int
    reused: int
    judged: int
    passed: int
    failed: list[dict[str, Any]]
    seconds: float


@dataclass
class _Job:
    lesson: Lesson
    item: Item
    script: list[Step]
    key: str
    attempt: int = 0
    candidate: RenderedItem | None = None  # the reading just made, before QA decides whether to keep it
    rendered: RenderedItem | None = None
    wer: float | None = None
    transcript: str | None = None

    @property
    def seed(self) -> int:
        return self.item.settings.seed + self.attempt * _SEED_STRIDE


def build_course(
    course_file: str | Path,
    out_dir: str | Path,
    *,
    jobs: int = 1,
    asr: str | ASR | None = "auto",
    max_wer: float = 0.2,
    retries: int = 2,
    retry_failed: bool = False,
    progress: bool = True,
) -> CourseBuild:
    """Build (or bring up to date) the course in ``out_dir``; ``asr=None`` skips the quality gate.

    Items whose WER is above ``max_wer`` are read again with other seeds, up to ``retries`` more times; the best
    reading is kept. ``retry_failed`` also re-reads items that an earlier build left failing.
    """
    started = time.monotonic()
    if jobs < 1:
        raise VoxtuneError(f"--jobs must be at least 1, got {jobs}")
    if not 0 <= max_wer <= 1:
        raise VoxtuneError(f"--max-wer must be in 0..1, got {max_wer}")
    course = load_course(course_file)
    base_dir = Path(course_file).resolve().parent
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    previous = _previous_entries(out)
    voice_ids = _VoiceIdentities(base_dir)
    recognizer = _load_asr(asr)

    all_jobs: list[_Job] = []
    todo: list[_Job] = []
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    for lesson in course.lessons:
        for item in lesson.items:
            script = item_script(item)
            job = _Job(lesson, item, script, _item_key(item, script, voice_ids))
            all_jobs.append(job)
            entry = previous.get((lesson.id, item.id))
            if entry is None or not _is_current(entry, job.key, out):
                todo.append(job)
                continue
            qa = _current_verdict(out, entry, recognizer, course.language, max_wer)
            if retry_failed and qa.get("passed") is False:
                todo.append(job)
            else:
                entries[(lesson.id, item.id)] = dict(entry, qa=qa)

    with _renderers(jobs, base_dir) as render:
        pending = todo
        for attempt in range(retries + 1):
            for job in render(pending, progress, "read" if attempt == 0 else f"re-read (try {attempt + 1})"):
                _keep_better(job, recognizer, course)
            pending = [j for j in pending if _failed(j, max_wer) and attempt < retries]
            for job in pending:
                job.attempt = attempt + 1
            if not pending:
                break
    for job in todo:
        entries[(job.lesson.id, job.item.id)] = _write_item(out, job, recognizer, max_wer)

    manifest = _manifest(course, entries, out)
    _remove_stale(out, previous, manifest)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    passed, judged, failed = write_report(out, manifest, max_wer)
    write_player(out, manifest)
    total = len(all_jobs)
    return CourseBuild(out, total, len(todo), total - len(todo), judged, passed, failed, time.monotonic() - started)


# ---- what needs doing -------------------------------------------------------------------------------------------


class _VoiceIdentities:
    """A voice spec → the SHA-256 of the file it resolves to, computed once per file."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self._cache: dict[str, str] = {}

    def __call__(self, spec: str) -> str:
        if spec not in self._cache:
            path = resolve_voice_path(resolve_course_voice(spec, self.base_dir))
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            self._cache[spec] = digest.hexdigest()
        return self._cache[spec]


def _item_key(item: Item, script: list[Step], voice_ids: _VoiceIdentities) -> str:
    voices = sorted({step.voice for step in script if isinstance(step, Say)})
    document = {
        "format": FORMAT_VERSION,
        "script": [[type(step).__name__, asdict(step)] for step in script],
        "seed": item.settings.seed,
        "sentence_pause": item.settings.pauses["sentence"],
        "voices": {spec: voice_ids(spec) for spec in voices},
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def _previous_entries(out: Path) -> dict[tuple[str, str], dict[str, Any]]:
    path = out / MANIFEST
    if not path.is_file():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        return {(lesson["id"], item["id"]): item for lesson in manifest["lessons"] for item in lesson["items"]}
    except (json.JSONDecodeError, KeyError, TypeError):
        return {}  # a damaged manifest: everything is rebuilt, nothing is trusted


def _is_current(entry: dict[str, Any] | None, key: str, out: Path) -> bool:
    if entry is None or entry.get("key") != key:
        return False
    files = [entry.get(name) for name in ("audio", "compressed", "timings", "vtt")]
    if not all(isinstance(f, str) and (out / f).is_file() for f in files):
        return False
    return _sha256(out / entry["audio"]) == entry.get("sha256")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _load_asr(asr: str | ASR | None) -> ASR | None:
    if asr is None or asr == "none":
        return None
    from voxtune.asr.load import load_asr

    return load_asr(asr)


# ---- reading aloud (in this process or in worker processes) -----------------------------------------------------

_WORKER: dict[str, Renderer] = {}


def _init_worker(base_dir: Path, threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
    _WORKER["renderer"] = Renderer(base_dir)


def _render(script: list[Step], seed: int, sentence_pause: float) -> RenderedItem:
    return _WORKER["renderer"].render(script, seed, sentence_pause)


class _renderers:
    """A context giving ``render(jobs, progress, label)``: fills each job's ``rendered`` and yields it when done."""

    def __init__(self, workers: int, base_dir: Path) -> None:
        self.workers, self.base_dir = workers, base_dir
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self.render

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def render(self, jobs: list[_Job], progress: bool, label: str) -> Iterator[_Job]:
        from tqdm.auto import tqdm

        with tqdm(total=len(jobs), desc=label, unit="item", disable=not progress or not jobs) as bar:
            if self.workers == 1 or len(jobs) <= 1:
                if "renderer" not in _WORKER:
                    _init_worker(self.base_dir, max(1, os.cpu_count() or 1))
                for job in jobs:
                    with _naming(job):
                        job.candidate = _render(job.script, job.seed, job.item.settings.pauses["sentence"])
                    bar.update(1)
                    yield job
                return
            if self.pool is None:
                # A fork server: this process may hold thread pools (torch, onnxruntime) that forking would break.
                threads = max(1, (os.cpu_count() or 1) // self.workers)
                context = multiprocessing.get_context("forkserver")
                self.pool = ProcessPoolExecutor(
                    self.workers, mp_context=context, initializer=_init_worker, initargs=(self.base_dir, threads)
                )
            futures = [
                self.pool.submit(_render, job.script, job.seed, job.item.settings.pauses["sentence"]) for job in jobs
            ]
            for job, future in zip(jobs, futures, strict=True):
                with _naming(job):
                    job.candidate = future.result()
                bar.update(1)
                yield job


@contextmanager
def _naming(job: _Job) -> Iterator[None]:
    """A voice's one-line error (text it cannot say, unknown speaker, bad voice file) names the item it stopped."""
    try:
        yield
    except (VoxtuneError, ValueError) as error:
        raise CourseError(f"lesson {job.lesson.id!r} item {job.item.id!r}: {error}") from None


def _keep_better(job: _Job, recognizer: ASR | None, course: Course) -> None:
    """Judge the new reading; keep it if it is the first or reads better than the one kept so far."""
    candidate = job.candidate
    assert candidate is not None
    if recognizer is None:
        job.rendered = candidate
        return
    ((wer, transcript),) = judge(recognizer, [candidate.pieces], course.language)
    if job.rendered is None or (wer is not None and (job.wer is None or wer < job.wer)):
        job.rendered, job.wer, job.transcript = candidate, wer, transcript


def _current_verdict(
    out: Path, entry: dict[str, Any], recognizer: ASR | None, language: str, max_wer: float
) -> dict[str, Any]:
    """A reused item's QA under this build's gate: judged again (from its audio, piece by piece) when another ASR
    judged it, and its pass re-decided against this build's threshold."""
    qa = dict(entry.get("qa") or {})
    if recognizer is None:
        return qa
    if qa.get("asr") != recognizer.name:
        timings = json.loads((out / entry["timings"]).read_text(encoding="utf-8"))
        audio, rate = load_audio(out / entry["audio"])
        pieces = [
            SpokenPiece(
                Say(segment["text"], segment["voice"], 1.0, role=segment["role"]),
                audio[round(segment["start"] * rate) : round(segment["end"] * rate)],
                rate,
                [],
            )
            for segment in timings["segments"]
        ]
        ((wer, transcript),) = judge(recognizer, [pieces], language)
        qa.update(wer=None if wer is None else round(wer, 4), transcript=transcript, asr=recognizer.name)
    qa["passed"] = _passes(qa.get("wer"), max_wer)
    return qa


def _passes(wer: float | None, max_wer: float) -> bool | None:
    """The gate's verdict: ``None`` when nothing judged the item."""
    return None if wer is None else wer <= max_wer


def _failed(job: _Job, max_wer: float) -> bool:
    return _passes(job.wer, max_wer) is False


# ---- writing ----------------------------------------------------------------------------------------------------


def _write_item(out: Path, job: _Job, recognizer: ASR | None, max_wer: float) -> dict[str, Any]:
    rendered = job.rendered
    assert rendered is not None
    folder = Path("lessons") / job.lesson.id
    (out / folder).mkdir(parents=True, exist_ok=True)
    stem = folder / job.item.id
    audio, compressed, timings, vtt = (stem.with_suffix(s) for s in (".wav", COMPRESSED, ".json", ".vtt"))
    _atomic_audio(out / audio, rendered.audio, rendered.sample_rate)
    _atomic_audio(out / compressed, rendered.audio, rendered.sample_rate)
    document = {
        "id": job.item.id,
        "duration": round(rendered.duration, 3),
        "segments": rendered.segments,
        "words": rendered.words,
    }
    _atomic_text(out / timings, json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    _atomic_text(out / vtt, webvtt(rendered.segments, rendered.words))
    qa = ItemQA(
        wer=None if job.wer is None else round(job.wer, 4),
        passed=_passes(job.wer, max_wer),
        transcript=job.transcript,
        asr=recognizer.name if recognizer is not None else None,
        attempts=job.attempt + 1,
    )
    return {
        "id": job.item.id,
        "kind": job.item.kind,
        "title": _display_title(job.item),
        "text": _display_text(job.item),
        "audio": audio.as_posix(),
        "compressed": compressed.as_posix(),
        "timings": timings.as_posix(),
        "vtt": vtt.as_posix(),
        "duration": round(rendered.duration, 3),
        "sample_rate": rendered.sample_rate,
        "sha256": _sha256(out / audio),
        "key": job.key,
        "seed": job.seed,
        "qa": qa.as_dict(),
    }


def _display_title(item: Item) -> str | None:
    return item.title or (item.word if item.kind == "vocabulary" else None)


def _display_text(item: Item) -> str:
    if item.kind == "vocabulary":
        return " — ".join(t for t in (item.word, item.example) if t)
    if item.kind == "dialogue":
        return "\n".join(f"{line.role}: {line.text}" for line in item.lines)
    return item.text or ""


def _manifest(course: Course, entries: dict[tuple[str, str], dict[str, Any]], out: Path) -> dict[str, Any]:
    lessons = []
    for lesson in course.lessons:
        # What is only shown (never spoken) comes from the course file as it is now, also for reused items.
        items = [
            dict(entries[(lesson.id, item.id)], text=_display_text(item), title=_display_title(item), note=item.note)
            for item in lesson.items
        ]
        track = _write_track(out, lesson, items)
        lessons.append({"id": lesson.id, "title": lesson.title, "track": track, "items": items})
    return {
        "title": course.title,
        "language": course.language,
        "description": course.description,
        "format_version": FORMAT_VERSION,
        "lessons": lessons,
    }


def _write_track(out: Path, lesson: Lesson, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The lesson's items in order with each item's ``pauses.item`` before the next; notes where each starts."""
    wav, compressed = Path("lessons") / f"{lesson.id}.wav", Path("lessons") / f"{lesson.id}{COMPRESSED}"
    pieces = [[e["key"], e["sha256"], i.settings.pauses["item"]] for e, i in zip(items, lesson.items, strict=True)]
    key = hashlib.sha256(json.dumps(pieces).encode()).hexdigest()
    stamp = out / "lessons" / f".{lesson.id}.track-key"
    current = (out / wav).is_file() and (out / compressed).is_file() and _read(stamp) == key
    if current and all("track_offset" in entry for entry in items):
        # Same items, same pauses: the offsets the reused entries carry still hold; no audio is read.
        duration = soundfile.info(str(out / wav)).duration
        return {"wav": wav.as_posix(), "compressed": compressed.as_posix(), "duration": round(duration, 3)}
    parts: list[np.ndarray] = []
    rate = int(items[0]["sample_rate"])
    cursor = 0
    for entry, item in zip(items, lesson.items, strict=True):
        entry["track_offset"] = round(cursor / rate, 3)
        audio, _ = load_audio(out / entry["audio"])
        if int(entry["sample_rate"]) != rate:
            audio = resample(audio, int(entry["sample_rate"]), rate)
        gap = np.zeros(round(item.settings.pauses["item"] * rate), dtype=np.float32) if parts else None
        if gap is not None:
            parts.append(gap)
            entry["track_offset"] = round((cursor + len(gap)) / rate, 3)
            cursor += len(gap)
        parts.append(audio)
        cursor += len(audio)
    if not current:
        track = np.concatenate(parts).astype(np.float32)
        _atomic_audio(out / wav, track, rate)
        _atomic_audio(out / compressed, track, rate)
        _atomic_text(stamp, key)
    return {"wav": wav.as_posix(), "compressed": compressed.as_posix(), "duration": round(cursor / rate, 3)}


def _remove_stale(out: Path, previous: dict[tuple[str, str], dict[str, Any]], manifest: dict[str, Any]) -> None:
    """Delete the files of items an earlier build wrote and this course no longer has (nothing else)."""
    current = {(lesson["id"], item["id"]) for lesson in manifest["lessons"] for item in lesson["items"]}
    for place, entry in previous.items():
        if place in current:
            continue
        for name in ("audio", "compressed", "timings", "vtt"):
            path = out / str(entry.get(name, ""))
            if str(entry.get(name, "")).startswith("lessons/") and path.is_file():
                path.unlink()


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _atomic_audio(path: Path, audio: np.ndarray, sample_rate: int) -> None:
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")
    save_audio(partial, audio, sample_rate)
    os.replace(partial, path)


def _atomic_text(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
