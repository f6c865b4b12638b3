"""The prepared dataset's files and the typed view of its manifest that training reads.

A dataset directory holds ``manifest.jsonl`` (one kept clip a line), ``rejected.jsonl`` (one rejected item a
line, with reason and detail), ``dataset.json`` (sample rate, phonemizer, phoneme id map, counts, settings),
``clips/*.flac``, ``report.md`` and ``report.html``. Every file is written whole to a temporary name and renamed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from voxtune.errors import VoxtuneError

MANIFEST = "manifest.jsonl"
REJECTED = "rejected.jsonl"
DATASET = "dataset.json"
CLIPS = "clips"
DATASET_FORMAT = "voxtune-dataset"
DATASET_FORMAT_VERSION = 1


@dataclass(frozen=True)
class ManifestEntry:
    """One kept clip. ``audio`` is absolute once read; ``phoneme_ids`` are in the voice's map (Piper layout, one
    ``^ ... $`` run per sentence); ``segment`` is ``(start, end)`` seconds in the source for VAD-cut clips."""

    id: str
    audio: Path
    text: str
    normalized_text: str
    phonemes: list[str]
    phoneme_ids: list[int]
    speaker: str
    split: str
    duration: float
    num_samples: int
    sample_rate: int
    source: str
    segment: list[float] | None
    missing_phonemes: list[str]
    dropped_characters: list[str]
    flags: list[str]
    stats: dict[str, Any]


def read_manifest(dataset_dir: str | Path, split: str | None = None) -> list[ManifestEntry]:
    """The kept clips of a prepared dataset (only those of ``split`` if given), in manifest order."""
    path = Path(dataset_dir) / MANIFEST
    if not path.is_file():
        raise VoxtuneError(f"{dataset_dir} is not a prepared dataset: no {MANIFEST} (run voxtune prepare)")
    names = {field.name for field in fields(ManifestEntry)}
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            values = {key: data[key] for key in names}
        except (json.JSONDecodeError, KeyError) as error:
            raise VoxtuneError(f"{path}:{number} is not a valid manifest entry ({error})") from None
        values["audio"] = (Path(dataset_dir) / values["audio"]).resolve()
        entry = ManifestEntry(**values)
        if split is None or entry.split == split:
            entries.append(entry)
    return entries


def read_dataset_info(dataset_dir: str | Path) -> dict[str, Any]:
    """``dataset.json``: sample rate, espeak voice, language, phoneme id map, counts and the settings used."""
    path = Path(dataset_dir) / DATASET
    if not path.is_file():
        raise VoxtuneError(f"{dataset_dir} is not a prepared dataset: no {DATASET} (run voxtune prepare)")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    write_text(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


def write_json(path: Path, data: dict[str, Any]) -> None:
    write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def write_text(path: Path, text: str) -> None:
    """Whole-file write through a temporary name: readers never see a half-written file."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
