"""Batch synthesis: many texts to many files, in parallel, resumable.

Input: a text file (one item per non-empty line; ids ``0001``, ``0002``, … by line) or a JSONL file (objects with
``text`` and optional ``id``, ``speaker``). Output: ``OUT_DIR/<id>.wav`` per item and ``OUT_DIR/manifest.jsonl``
(id, text, file, duration, sample rate, SHA-256 of the file, and the item's key). The key hashes everything that
decides the audio (voice, text, speaker, scales, seed); a re-run skips an item whose manifest entry has the same
key and whose file still has the recorded hash, so an interrupted job continues and an edited line is redone.
Items that cannot be spoken (empty text, unknown speaker) are listed in ``OUT_DIR/failed.jsonl``; the rest go on.

Parallel workers are threads for an ONNX voice (onnxruntime runs outside the GIL; one session and one inference
thread per worker) and processes for a torch voice (torch's global random state would mix the items' seeds).
Threads skip what a process pays before its first item — the imports, loading the voice — and let phonemizing
one item overlap inference of another (BENCHMARKS.md, batch section).
"""

from __future__ import annotations

import copy
import hashlib
import json
import multiprocessing
import os
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from voxtune.errors import VoxtuneError
from voxtune.synth.backends import Scales

MANIFEST = "manifest.jsonl"
FAILED = "failed.jsonl"
WORKERS = ("auto", "threads", "processes")


@dataclass(frozen=True)
class BatchItem:
    id: str
    text: str
    speaker: str | None = None


@dataclass(frozen=True)
class BatchResult:
    written: int
    skipped: int
    failed: int
    out_dir: Path


def read_items(path: str | Path) -> list[BatchItem]:
    """Items of a ``.jsonl`` file, or of a text file (one per non-empty line)."""
    path = Path(path)
    if not path.is_file():
        raise VoxtuneError(f"input file not found: {path}")
    lines = path.read_text(encoding="utf-8").splitlines()
    items: list[BatchItem] = []
    if path.suffix == ".jsonl":
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                text = record["text"]
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise VoxtuneError(f"{path}:{number}: not an item with a text ({error})") from None
            speaker = record.get("speaker")
            items.append(
                BatchItem(
                    str(record.get("id") or f"{number:04d}"), str(text), None if speaker is None else str(speaker)
                )
            )
    else:
        items = [BatchItem(f"{n:04d}", line.strip()) for n, line in enumerate(lines, start=1) if line.strip()]
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise VoxtuneError(f"{path}: item id {item.id!r} appears twice")
        if not item.id or "/" in item.id or item.id.startswith("."):
            raise VoxtuneError(f"{path}: item id {item.id!r} cannot name a file")
        seen.add(item.id)
    if not items:
        raise VoxtuneError(f"{path} holds no items")
    return items


def item_key(voice: str, item: BatchItem, scales: Scales | None, seed: int) -> str:
    """What decides an item's audio, hashed."""
    settings: dict[str, Any] = {"voice": voice, "text": item.text, "speaker": item.speaker, "seed": seed}
    settings["scales"] = asdict(scales) if scales else None
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _finished(out_dir: Path) -> dict[str, dict[str, Any]]:
    manifest = out_dir / MANIFEST
    if not manifest.is_file():
        return {}
    entries: dict[str, dict[str, Any]] = {}
    for line in manifest.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
            entries[entry["id"]] = entry
        except (json.JSONDecodeError, KeyError, TypeError):
            continue  # a line cut by a kill: its item is simply redone
    return entries


def _is_done(entry: dict[str, Any] | None, key: str, out_dir: Path) -> bool:
    if entry is None or entry.get("key") != key:
        return False
    path = out_dir / str(entry.get("file", ""))
    return path.is_file() and _file_hash(path) == entry.get("sha256")


# Per worker process: the voice, loaded once by the pool initializer.
_WORKER: dict[str, Any] = {}


def _init_worker(voice: str, backend: str, threads: int, fast_layout: bool = True) -> None:
    from voxtune.synth.voice import load_voice

    _WORKER["voice"] = load_voice(voice, backend=backend, num_threads=threads, fast_layout=fast_layout)


def _speak(item: BatchItem, key: str, out_dir: str, scales: Scales | None, seed: int) -> dict[str, Any]:
    return _speak_with(_WORKER["voice"], item, key, out_dir, scales, seed)


def _speak_with(
    voice: Any, item: BatchItem, key: str, out_dir: str, scales: Scales | None, seed: int
) -> dict[str, Any]:
    import numpy as np

    from voxtune.audio.io import save_audio

    try:
        np.random.seed(seed)
        if voice.backend.name == "torch":  # an ONNX voice never needs torch: importing it costs 2 s
            import torch

            torch.manual_seed(seed)
        audio = voice.synthesize(item.text, scales=scales, speaker=item.speaker)
    except (ValueError, VoxtuneError) as error:
        return {"id": item.id, "text": item.text, "error": str(error)}
    path = Path(out_dir) / f"{item.id}.wav"
    partial = path.with_name(path.name + ".partial.wav")
    save_audio(partial, audio, voice.sample_rate)
    os.replace(partial, path)
    return {
        "id": item.id,
        "text": item.text,
        "file": path.name,
        "duration": round(len(audio) / voice.sample_rate, 4),
        "sample_rate": voice.sample_rate,
        "sha256": _file_hash(path),
        "key": key,
    }


def synthesize_batch(
    voice: str,
    items: list[BatchItem],
    out_dir: str | Path,
    *,
    jobs: int = 1,
    backend: str = "auto",
    scale_overrides: Mapping[str, float] | None = None,
    seed: int = 0,
    progress: bool = True,
    workers: str = "auto",
    fast_layout: bool = True,
) -> BatchResult:
    """Speak every item into ``out_dir`` with ``jobs`` workers (one inference thread each); sampling scales
    given in ``scale_overrides`` (``noise_scale``, ``length_scale``, ``noise_w``) replace the voice's defaults.

    ``workers``: ``"auto"`` (threads for an ONNX voice, processes otherwise), ``"threads"`` or ``"processes"``;
    ``fast_layout``: run ONNX voices in onnxruntime's blocked convolution layout (:mod:`voxtune.synth.onnx_layout`).
    """
    from tqdm.auto import tqdm

    if jobs < 1:
        raise VoxtuneError(f"--jobs must be at least 1, got {jobs}")
    if workers not in WORKERS:
        raise VoxtuneError(f"unknown workers {workers!r}; choose one of: {', '.join(WORKERS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Loads (and checks) the voice here first: a bad spec fails before any work.
    _init_worker(voice, backend, 1, fast_layout)
    scales = replace(_WORKER["voice"].default_scales(), **scale_overrides) if scale_overrides else None
    finished = _finished(out)
    keys = {item.id: item_key(voice, item, scales, seed) for item in items}
    todo = [item for item in items if not _is_done(finished.get(item.id), keys[item.id], out)]
    written = failed = 0
    bar = tqdm(total=len(todo), desc="synthesize", unit="item", disable=not progress)
    with (out / MANIFEST).open("a", encoding="utf-8") as manifest, (out / FAILED).open("w", encoding="utf-8") as bad:
        pool = _Pool(jobs, voice, backend, workers, fast_layout)
        for record in _run(todo, keys, out, pool, scales, seed):
            if "error" in record:
                bad.write(json.dumps(record, ensure_ascii=False) + "\n")
                failed += 1
            else:
                manifest.write(json.dumps(record, ensure_ascii=False) + "\n")
                manifest.flush()
                written += 1
            bar.update(1)
    bar.close()
    _compact(out, [item.id for item in items])
    return BatchResult(written, len(items) - len(todo), failed, out)


@dataclass(frozen=True)
class _Pool:
    """How the items are spread: ``jobs`` workers of a kind, each loading ``voice`` like this process did."""

    jobs: int
    voice: str
    backend: str
    workers: str
    fast_layout: bool


def _run(
    todo: list[BatchItem], keys: dict[str, str], out: Path, pool: _Pool, scales: Scales | None, seed: int
) -> Iterator[dict[str, Any]]:
    if pool.jobs == 1 or len(todo) <= 1:
        for item in todo:
            yield _speak(item, keys[item.id], str(out), scales, seed)
        return
    onnx = _WORKER["voice"].backend.name == "onnx"
    if pool.workers == "threads" or (pool.workers == "auto" and onnx):
        yield from _run_threads(todo, keys, out, pool.jobs, scales, seed)
        return
    # Fork-server workers: forking this process, which already holds an onnxruntime session and its thread
    # pools, deadlocks the children.
    context = multiprocessing.get_context("forkserver")
    setup = (pool.voice, pool.backend, 1, pool.fast_layout)
    with ProcessPoolExecutor(pool.jobs, mp_context=context, initializer=_init_worker, initargs=setup) as workers:
        futures = [workers.submit(_speak, item, keys[item.id], str(out), scales, seed) for item in todo]
        for future in as_completed(futures):
            yield future.result()


def _run_threads(
    todo: list[BatchItem], keys: dict[str, str], out: Path, jobs: int, scales: Scales | None, seed: int
) -> Iterator[dict[str, Any]]:
    """``jobs`` threads, each with a session of its own: the first reuses the voice loaded here, the others open
    theirs while the first already speaks."""
    loaded = _WORKER["voice"]
    unused = [loaded]
    claim = threading.Lock()
    local = threading.local()

    def speak(item: BatchItem) -> dict[str, Any]:
        voice = getattr(local, "voice", None)
        if voice is None:
            with claim:
                taken = unused.pop() if unused else None
            if taken is None:
                taken = copy.copy(loaded)  # shares the phonemizer (espeak is locked) and the maps
                taken.backend = loaded.backend.clone()
            voice = local.voice = taken
        return _speak_with(voice, item, keys[item.id], str(out), scales, seed)

    with ThreadPoolExecutor(jobs) as pool:
        futures = [pool.submit(speak, item) for item in todo]
        for future in as_completed(futures):
            yield future.result()


def _compact(out: Path, order: list[str]) -> None:
    """Rewrite the manifest with one entry per item (the newest), in input order."""
    entries = _finished(out)
    lines = [json.dumps(entries[i], ensure_ascii=False) + "\n" for i in order if i in entries]
    partial = out / (MANIFEST + ".partial")
    partial.write_text("".join(lines), encoding="utf-8")
    os.replace(partial, out / MANIFEST)
