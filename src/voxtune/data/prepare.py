"""Corpus → prepared dataset: read, clean, check, phonemize, split, and report; idempotent and resumable.

Every source item ends as kept (a FLAC clip and a manifest line) or rejected (a line in ``rejected.jsonl`` and in
the report), and ``items = kept + rejected`` is checked before anything is written. Finished work is journaled
as it completes, so a re-run skips it and a killed run resumes where it stopped; outputs are written from the
complete set of results in corpus order, so they are the same bytes however many workers ran, in whatever order.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import multiprocessing
from collections import Counter
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from voxtune.asr.protocol import ASR
from voxtune.data.clip import ClipOptions
from voxtune.data.items import REASONS, ItemResult, SourceItem
from voxtune.data.journal import Journal, task_key
from voxtune.data.manifest import (
    CLIPS,
    DATASET,
    DATASET_FORMAT,
    DATASET_FORMAT_VERSION,
    MANIFEST,
    REJECTED,
    write_json,
    write_jsonl,
    write_text,
)
from voxtune.data.report import ReportData, render_html, render_markdown
from voxtune.data.sources import Corpus, read_corpus
from voxtune.data.splits import assign_splits
from voxtune.data.vad import SegmentOptions
from voxtune.data.worker import TextOptions, Worker, WorkerSettings, init_worker, run_in_worker
from voxtune.errors import VoxtuneError

# Bump when processing changes in a way that makes journaled results stale.
_PIPELINE_VERSION = 1
WORK_DIR = ".prepare"


class PrepareError(VoxtuneError):
    """Options or inputs that make preparation impossible (one line)."""


@dataclass(frozen=True)
class PrepareOptions:
    """Every threshold of corpus preparation (durations in seconds, levels in dBFS/LUFS, rates per second).

    ``loudness_lufs`` None keeps levels as recorded. ``asr_action`` is ``reject`` or ``flag`` for clips whose
    ASR transcript is further than ``max_wer`` from their own (checked only when an ASR is given, and only for
    transcripts of at least ``asr_min_words`` words: see :class:`~voxtune.data.worker.TextOptions`). The
    ``vad_*``/``min_pause``/``max_utterance`` settings cut unlabelled recordings into utterances.
    """

    min_duration: float = 0.5
    max_duration: float = 20.0
    silence_db: float = -50.0
    max_clipped_fraction: float = 0.001
    trim_top_db: float = 40.0
    trim_pad_ms: float = 50.0
    loudness_lufs: float | None = -23.0
    peak_limit: float = 0.95
    allow_annotations: bool = False
    min_phone_rate: float = 4.0
    max_phone_rate: float = 25.0
    asr_action: str = "reject"
    max_wer: float = 0.5
    asr_min_words: int = 3
    dev_fraction: float = 0.05
    vad_threshold: float = 0.5
    min_pause: float = 0.5
    max_utterance: float = 15.0
    utterance_pad: float = 0.15

    def validate(self) -> None:
        """Raise :class:`PrepareError` naming the first option that makes no sense."""
        problems = [
            (self.min_duration < 0, "min_duration must be >= 0"),
            (self.max_duration <= self.min_duration, "max_duration must be greater than min_duration"),
            (not 0 <= self.max_clipped_fraction <= 1, "max_clipped_fraction must be in [0, 1]"),
            (not 0 < self.peak_limit <= 1, "peak_limit must be in (0, 1]"),
            (self.min_phone_rate >= self.max_phone_rate, "min_phone_rate must be below max_phone_rate"),
            (self.asr_action not in ("reject", "flag"), "asr_action must be 'reject' or 'flag'"),
            (self.max_wer < 0, "max_wer must be >= 0"),
            (not 0 <= self.dev_fraction < 1, "dev_fraction must be in [0, 1)"),
            (not 0 < self.vad_threshold < 1, "vad_threshold must be in (0, 1)"),
            (self.max_utterance <= 0 or self.min_pause <= 0, "max_utterance and min_pause must be positive"),
        ]
        for bad, message in problems:
            if bad:
                raise PrepareError(f"bad prepare option: {message}")


@dataclass(frozen=True)
class PrepareResult:
    """What a run produced: counts (``items == kept + rejected``), seconds per split, and the work done: source items
    ``processed`` in this run and ``reused`` from an earlier one (the rest were rejected when read)."""

    output_dir: Path
    format: str
    source_items: int
    items: int
    kept: int
    rejected: int
    by_reason: dict[str, int]
    seconds_by_split: dict[str, float]
    processed: int
    reused: int

    @property
    def manifest(self) -> Path:
        return self.output_dir / MANIFEST

    @property
    def report(self) -> Path:
        return self.output_dir / "report.html"


def prepare(
    input: str | Path,
    output_dir: str | Path,
    *,
    format: str = "auto",
    voice: str | Path = "joe",
    sample_rate: int | None = None,
    speaker: str | None = None,
    asr: str | ASR | None = None,
    jobs: int = 1,
    options: PrepareOptions | None = None,
    progress: bool = True,
) -> PrepareResult:
    """Prepare the corpus at ``input`` (see :mod:`voxtune.data.sources` for formats) into ``output_dir``.

    Audio is resampled to ``sample_rate`` (default: the voice's), text is phonemized with ``voice``'s phonemizer
    and id map. ``speaker`` names the speaker of items whose corpus names none (default: the corpus folder's
    name). ``asr`` (a spec such as ``whisper:DIR``, ``pocketsphinx``, or an ASR object with ``jobs=1``) checks
    transcripts against what is heard, and transcribes recordings that have none (default then: ``auto``).
    ``jobs`` worker processes share the work (a script calling this with ``jobs > 1`` needs the
    ``if __name__ == "__main__":`` guard, as with any process pool that does not fork); re-running skips
    finished work. Every source item ends kept or rejected with a reason: ``items == kept + rejected``.
    """
    options = options or PrepareOptions()
    options.validate()
    if jobs < 1:
        raise PrepareError(f"jobs must be at least 1, got {jobs}")
    if sample_rate is not None and not 4000 <= sample_rate <= 192000:
        raise PrepareError(f"sample rate must be between 4000 and 192000 Hz, got {sample_rate}")
    output = Path(output_dir).expanduser()
    if Path(input).expanduser().exists() and output.resolve() == Path(input).expanduser().resolve():
        raise PrepareError("the output directory must not be the input corpus itself")
    if not isinstance(asr, str) and asr is not None and jobs > 1:
        raise PrepareError("an ASR object can only be used with jobs=1; pass an ASR spec string for a process pool")
    corpus = read_corpus(input, format, output / WORK_DIR)
    if asr is None and any(item.text is None and item.problem is None for item in corpus.items):
        asr = "auto"
    if isinstance(asr, str):
        from voxtune.asr.load import load_asr

        # Loaded here first so that a bad spec is one error now, not a processing error on every item; inline
        # work reuses the instance, a pool's workers load their own from the spec.
        loaded = load_asr(asr)
        asr = loaded if jobs == 1 else asr
        asr_name: str | None = loaded.name
    else:
        asr_name = None if asr is None else asr.name
    settings = _settings(voice, sample_rate, speaker or corpus.name, asr, asr_name, options, output)
    (output / CLIPS).mkdir(parents=True, exist_ok=True)
    results, processed, reused = _run(corpus, settings, output, jobs, progress)
    return _finish(input, voice, corpus, settings, options, results, (processed, reused), output)


def _settings(
    voice: str | Path,
    sample_rate: int | None,
    speaker: str,
    asr: str | ASR | None,
    asr_name: str | None,
    options: PrepareOptions,
    output: Path,
) -> WorkerSettings:
    voice_rate, espeak_voice, language, id_map = _voice_frontend(voice)
    clip = ClipOptions(
        min_duration=options.min_duration,
        max_duration=options.max_duration,
        silence_db=options.silence_db,
        max_clipped_fraction=options.max_clipped_fraction,
        trim_top_db=options.trim_top_db,
        trim_pad_ms=options.trim_pad_ms,
        loudness_lufs=options.loudness_lufs,
        peak_limit=options.peak_limit,
    )
    text = TextOptions(
        allow_annotations=options.allow_annotations,
        min_phone_rate=options.min_phone_rate,
        max_phone_rate=options.max_phone_rate,
        asr_action=options.asr_action,
        max_wer=options.max_wer,
        asr_min_words=options.asr_min_words,
    )
    segment = SegmentOptions(
        threshold=options.vad_threshold,
        min_pause=options.min_pause,
        max_duration=min(options.max_utterance, options.max_duration),
        pad=options.utterance_pad,
    )
    return WorkerSettings(
        clips_dir=output / CLIPS,
        sample_rate=sample_rate or voice_rate,
        espeak_voice=espeak_voice,
        language=language,
        phoneme_id_map=id_map,
        default_speaker=speaker,
        clip=clip,
        text=text,
        segment=segment,
        asr=asr,
        asr_name=asr_name,
    )


def _voice_frontend(voice: str | Path) -> tuple[int, str, str, dict[str, list[int]]]:
    """The voice's sample rate, espeak voice, language and phoneme id map.

    A Piper voice's ``.onnx.json`` holds all four: reading it takes milliseconds, where importing the voice builds
    the whole generator (seconds) only to throw the weights away.
    """
    from voxtune.pretrained.piper_onnx import read_piper_json
    from voxtune.pretrained.voices import load_voice_checkpoint, resolve_voice_path

    path = resolve_voice_path(voice)
    sidecar = Path(f"{path}.json")
    if path.suffix.lower() == ".onnx" and sidecar.is_file():
        piper = read_piper_json(sidecar)
        return (
            int(piper["audio"]["sample_rate"]),
            str((piper.get("espeak") or {}).get("voice", "en-us")),
            str((piper.get("language") or {}).get("code", "en_US")),
            {key: list(value) for key, value in piper["phoneme_id_map"].items()},
        )
    checkpoint = load_voice_checkpoint(path)
    text = checkpoint.config.text
    id_map = {key: list(value) for key, value in checkpoint.phoneme_id_map.items()}
    return checkpoint.config.audio.sample_rate, text.espeak_voice, text.language, id_map


def _fingerprint(settings: WorkerSettings) -> str:
    """Everything that shapes a worker's results; a change invalidates journaled work."""
    data = [
        _PIPELINE_VERSION,
        settings.sample_rate,
        settings.espeak_voice,
        settings.language,
        settings.phoneme_id_map,
        settings.default_speaker,
        dataclasses.asdict(settings.clip),
        dataclasses.asdict(settings.text),
        dataclasses.asdict(settings.segment),
        settings.asr_name,
    ]
    return hashlib.sha1(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _run(
    corpus: Corpus, settings: WorkerSettings, output: Path, jobs: int, show: bool
) -> tuple[list[list[ItemResult]], int, int]:
    """Results per source item in corpus order, how many items were processed in this run and how many reused."""
    fingerprint = _fingerprint(settings)
    keys = [task_key(item, fingerprint) for item in corpus.items]
    journal = Journal(output / WORK_DIR / "journal.jsonl")
    results: dict[int, list[ItemResult]] = {}
    todo: list[int] = []
    kept_hashes: set[str] = set()
    reused = 0
    for index, (item, key) in enumerate(zip(corpus.items, keys, strict=True)):
        cached = journal.get(key)
        if cached is not None and _reusable(cached, output, kept_hashes):
            results[index] = [_moved_to(result, item.source) for result in cached]
            reused += 1
        elif item.problem is not None:
            results[index] = Worker(settings).process(item)
        else:
            todo.append(index)
    unit = "file" if corpus.format == "folder" else "item"
    try:
        with tqdm(total=len(todo), desc="prepare", unit=unit, disable=not show, dynamic_ncols=True) as bar:
            for index, item_results in _execute(corpus.items, todo, settings, jobs):
                journal.add(keys[index], item_results)
                results[index] = item_results
                bar.update(1)
        journal.compact(keys)
    finally:
        journal.close()
    return [results[index] for index in range(len(corpus.items))], len(todo), reused


def _moved_to(result: ItemResult, source: str) -> ItemResult:
    """A journaled result under the item's current source (its line may have moved in the metadata file)."""
    result.source = source
    if result.entry is not None:
        result.entry["source"] = source
    return result


def _reusable(cached: list[ItemResult], output: Path, kept_hashes: set[str]) -> bool:
    """Journaled results are reused when their clips are still there, or when a clip is missing only because its
    item duplicates an earlier kept one (duplicates' clips are deleted at the end of every run)."""
    for result in cached:
        if result.entry is None:
            continue
        if (output / result.entry["audio"]).is_file():
            kept_hashes.add(str(result.audio_hash))
        elif result.audio_hash not in kept_hashes:
            return False
    return True


def _execute(items: list[SourceItem], todo: list[int], settings: WorkerSettings, jobs: int) -> Any:
    """Yield ``(index, results)`` as items finish: inline for one job, else from a pool of worker processes."""
    if jobs == 1 or len(todo) <= 1:
        worker = Worker(settings)
        for index in todo:
            yield index, worker.process(items[index])
        return
    context = _pool_context()
    executor = ProcessPoolExecutor(min(jobs, len(todo)), context, initializer=init_worker, initargs=(settings,))
    try:
        futures: list[Future[tuple[int, list[ItemResult]]]] = [
            executor.submit(run_in_worker, index, items[index]) for index in todo
        ]
        for future in as_completed(futures):
            yield future.result()
    finally:
        # On Ctrl-C or an error, queued items must not run on after we stop listening.
        executor.shutdown(wait=True, cancel_futures=True)


def _pool_context() -> multiprocessing.context.BaseContext:
    """Worker processes forked from a fork server that imported the worker's modules once.

    Not plain fork: the caller may hold torch or onnxruntime thread pools, which fork copies in a state that can
    deadlock the child. Not plain spawn: each worker would import torch and scipy itself (~5 s of CPU apiece,
    longer than preparing a small corpus). The fork server is started clean, preloads once, and lives on for
    later pools. As with spawn, a script that calls prepare(jobs>1) needs the ``if __name__ == "__main__":`` guard.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["voxtune.data.worker", "pyloudnorm", "scipy.signal"])
    return context


def _finish(
    input: str | Path,
    voice: str | Path,
    corpus: Corpus,
    settings: WorkerSettings,
    options: PrepareOptions,
    per_item: list[list[ItemResult]],
    work: tuple[int, int],
    output: Path,
) -> PrepareResult:
    results = _drop_duplicate_audio(copy.deepcopy([result for group in per_item for result in group]))
    assign_splits(results, options.dev_fraction)
    kept = [result.entry for result in results if result.entry is not None]
    rejected = [result for result in results if result.entry is None]
    if len(kept) + len(rejected) != len(results) or any(r.reason not in REASONS for r in rejected):
        raise AssertionError("prepare lost track of items: kept + rejected != items")
    _remove_stale_clips(output, {entry["audio"] for entry in kept})
    by_reason = dict(sorted(Counter(str(result.reason) for result in rejected).items()))
    seconds: dict[str, float] = {}
    for entry in kept:
        seconds[entry["split"]] = round(seconds.get(entry["split"], 0.0) + entry["duration"], 3)
    write_jsonl(output / MANIFEST, kept)
    write_jsonl(output / REJECTED, [_rejected_row(result) for result in rejected])
    report_settings = {
        **dataclasses.asdict(options),
        "asr": settings.asr_name,
        "speaker": settings.default_speaker,
    }
    write_json(output / DATASET, _dataset_info(input, voice, corpus, settings, kept, by_reason, report_settings))
    data = ReportData(
        input=str(input),
        format=corpus.format,
        voice=str(voice),
        sample_rate=settings.sample_rate,
        source_items=len(corpus.items),
        kept=kept,
        rejected=rejected,
        settings=report_settings,
        split_lists=corpus.split_lists,
    )
    write_text(output / "report.md", render_markdown(data))
    write_text(output / "report.html", render_html(data))
    return PrepareResult(
        output_dir=output,
        format=corpus.format,
        source_items=len(corpus.items),
        items=len(results),
        kept=len(kept),
        rejected=len(rejected),
        by_reason=by_reason,
        seconds_by_split=dict(sorted(seconds.items())),
        processed=work[0],
        reused=work[1],
    )


def _drop_duplicate_audio(results: list[ItemResult]) -> list[ItemResult]:
    """Reject kept items whose source samples equal an earlier kept item's (the first in corpus order stays)."""
    first: dict[str, str] = {}
    for result in results:
        if result.entry is None or result.audio_hash is None:
            continue
        if result.audio_hash in first:
            result.entry = None
            result.reason = "duplicate_audio"
            result.detail = f"same audio samples as {first[result.audio_hash]}"
        else:
            first[result.audio_hash] = result.id
    return results


def _remove_stale_clips(output: Path, keep: set[str]) -> None:
    """Clips of items no longer kept (duplicates, changed settings, a killed run's partial files) go."""
    for file in (output / CLIPS).iterdir():
        if f"{CLIPS}/{file.name}" not in keep and file.is_file():
            file.unlink()


def _rejected_row(result: ItemResult) -> dict[str, Any]:
    return {
        "id": result.id,
        "reason": result.reason,
        "detail": result.detail,
        "source": result.source,
        "speaker": result.speaker,
        "text": result.text,
    }


def _dataset_info(
    input: str | Path,
    voice: str | Path,
    corpus: Corpus,
    settings: WorkerSettings,
    kept: list[dict[str, Any]],
    by_reason: dict[str, int],
    report_settings: dict[str, Any],
) -> dict[str, Any]:
    splits: dict[str, dict[str, float]] = {}
    for entry in kept:
        split = splits.setdefault(entry["split"], {"clips": 0, "seconds": 0.0})
        split["clips"] += 1
        split["seconds"] = round(split["seconds"] + entry["duration"], 3)
    return {
        "format": DATASET_FORMAT,
        "format_version": DATASET_FORMAT_VERSION,
        "input": str(input),
        "corpus_format": corpus.format,
        "voice": str(voice),
        "sample_rate": settings.sample_rate,
        "espeak_voice": settings.espeak_voice,
        "language": settings.language,
        "phoneme_id_map": settings.phoneme_id_map,
        "speakers": sorted({entry["speaker"] for entry in kept}),
        "counts": {
            "source_items": len(corpus.items),
            "kept": len(kept),
            "rejected": sum(by_reason.values()),
            "by_reason": by_reason,
            "by_split": dict(sorted(splits.items())),
        },
        "settings": report_settings,
    }
