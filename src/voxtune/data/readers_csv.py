"""Readers for corpora described by one text file: LJSpeech ``metadata.csv``, Piper CSV, CSV/JSONL manifests.

Each line becomes exactly one item. A line that cannot be used (not UTF-8, too few fields, bad JSON) still becomes
an item, carrying the problem, so that it reaches the report instead of vanishing.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from voxtune.data.corpus_files import AUDIO_SUFFIXES, AudioIndex, decoded_lines, lossy_first_field, relative_id
from voxtune.data.items import SourceItem

# Column names accepted in manifests, first match wins (NeMo's audio_filepath, Common Voice's sentence, ...).
_AUDIO_KEYS = ("audio", "path", "audio_path", "audio_filepath", "file", "file_name", "filename", "wav")
_TEXT_KEYS = ("text", "transcript", "transcription", "sentence", "normalized_text")
_SPEAKER_KEYS = ("speaker", "speaker_id", "speaker_name", "client_id")
_SPLIT_NAMES = {"train": "train", "dev": "dev", "val": "dev", "valid": "dev", "validation": "dev", "test": "test"}


def _pipe_rows(metadata: Path, expected: str, bad: list[SourceItem]) -> Iterator[tuple[str, list[str]]]:
    """``(source, fields)`` of every usable line of a 2- or 3-field ``|`` file; each unusable line is appended to
    ``bad`` as an item carrying its problem (not UTF-8, wrong field count, no first field)."""
    for number, line, raw in decoded_lines(metadata):
        source = f"{metadata.name}:{number}"
        if line is None:
            bad.append(_bad_line(lossy_first_field(raw), source, "text_not_utf8", "line is not valid UTF-8"))
            continue
        fields = line.split("|")
        if len(fields) not in (2, 3) or not fields[0].strip():
            detail = f"expected {expected}, got {len(fields)} field(s)"
            bad.append(_bad_line(fields[0].strip(), source, "malformed_entry", detail))
            continue
        yield source, fields


def read_ljspeech(path: Path) -> list[SourceItem]:
    """LJSpeech: ``metadata.csv`` lines ``id|text`` or ``id|text|normalized text``; audio in ``wavs/``."""
    metadata = path / "metadata.csv" if path.is_dir() else path
    root = metadata.parent
    audio = AudioIndex(root / "wavs" if (root / "wavs").is_dir() else root)
    items: list[SourceItem] = []
    for source, fields in _pipe_rows(metadata, "id|text or id|text|normalized", items):
        item_id = fields[0].strip()
        normalized = fields[2].strip() if len(fields) == 3 and fields[2].strip() else None
        items.append(SourceItem(item_id, audio.find(item_id), fields[1].strip(), source, normalized=normalized))
    return items


def read_piper(path: Path) -> list[SourceItem]:
    """Piper CSV: ``wav|text`` or ``wav|speaker|text``; audio beside the CSV or in its ``wav``/``wavs`` folder."""
    metadata = path / "metadata.csv" if path.is_dir() else path
    root = metadata.parent
    audio_dir = next((root / name for name in ("wavs", "wav") if (root / name).is_dir()), root)
    audio = AudioIndex(audio_dir)
    items: list[SourceItem] = []
    for source, fields in _pipe_rows(metadata, "wav|text or wav|speaker|text", items):
        wav = fields[0].strip()
        speaker = fields[1].strip() or None if len(fields) == 3 else None
        file = audio.find(wav)
        item_id = relative_id(audio_dir / wav, audio_dir)
        items.append(SourceItem(item_id, file, fields[-1].strip(), source, speaker=speaker))
    return items


def sniff_pipe_csv(path: Path) -> str | None:
    """``ljspeech`` or ``piper`` for a ``|``-separated file, ``None`` for anything else.

    Piper's first column names an audio file, or its three columns have a middle one with few distinct values
    (speakers); LJSpeech's three columns are id, text and normalized text.
    """
    rows = []
    for _, line, _raw in decoded_lines(path):
        if line is not None:
            rows.append(line.split("|"))
        if len(rows) >= 200:
            break
    if rows and rows[0][0].strip().lower() in ("id", *_AUDIO_KEYS):
        return None  # a header row: a manifest
    rows = [row for row in rows if len(row) in (2, 3)]
    if not rows or len(rows) * 2 < min(200, sum(1 for _ in decoded_lines(path))):
        return None
    if any(row[0].strip().lower().endswith(AUDIO_SUFFIXES) for row in rows):
        return "piper"
    three = [row for row in rows if len(row) == 3]
    if len(three) > len(rows) // 2 and len({row[1] for row in three}) <= max(1, len(three) // 4):
        return "piper"
    return "ljspeech"


def read_manifest_file(path: Path) -> list[SourceItem]:
    """A JSONL (or JSON list) or CSV manifest with audio path, text, and optionally id, speaker and split."""
    rows = _json_rows(path) if path.suffix.lower() in (".jsonl", ".json") else _csv_rows(path)
    return [_manifest_item(row, source, path.parent) for row, source in rows]


def _json_rows(path: Path) -> list[tuple[dict[str, Any] | str, str]]:
    """``(row, source)`` pairs; a row that cannot be used is the string explaining why."""
    lines = list(decoded_lines(path))
    first = next((line for _, line, _raw in lines if line is not None), "")
    if path.suffix.lower() == ".json" and first.lstrip().startswith("["):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            return [(f"not a valid JSON list: {error}", path.name)]
        return [
            (row if isinstance(row, dict) else "not a JSON object", f"{path.name}[{i}]") for i, row in enumerate(data)
        ]
    rows: list[tuple[dict[str, Any] | str, str]] = []
    for number, line, _raw in lines:
        source = f"{path.name}:{number}"
        if line is None:
            rows.append(("\x00not utf-8", source))
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            rows.append((f"not valid JSON: {error.msg}", source))
            continue
        rows.append((row if isinstance(row, dict) else "not a JSON object", source))
    return rows


def _csv_rows(path: Path) -> list[tuple[dict[str, Any] | str, str]]:
    lines = list(decoded_lines(path))
    if not lines or lines[0][1] is None:
        return [("the header line is missing or not UTF-8", f"{path.name}:1")]
    header_line = lines[0][1]
    delimiter = max(",\t|;", key=header_line.count)
    header = [name.strip().lower() for name in next(csv.reader([header_line], delimiter=delimiter))]
    rows: list[tuple[dict[str, Any] | str, str]] = []
    for number, line, _raw in lines[1:]:
        source = f"{path.name}:{number}"
        if line is None:
            rows.append(("\x00not utf-8", source))
            continue
        values = next(csv.reader(io.StringIO(line), delimiter=delimiter))
        if len(values) != len(header):
            rows.append((f"expected {len(header)} fields like the header, got {len(values)}", source))
            continue
        rows.append((dict(zip(header, values, strict=True)), source))
    return rows


def _manifest_item(row: dict[str, Any] | str, source: str, root: Path) -> SourceItem:
    if isinstance(row, str):
        if row.startswith("\x00"):
            return _bad_line(source, source, "text_not_utf8", "line is not valid UTF-8")
        return _bad_line(source, source, "malformed_entry", row)
    audio_value = _first(row, _AUDIO_KEYS)
    if isinstance(audio_value, dict):  # Hugging Face style {"path": ...}
        audio_value = audio_value.get("path")
    if not audio_value:
        names = ", ".join(_AUDIO_KEYS)
        return _bad_line(str(row.get("id") or source), source, "malformed_entry", f"no audio path (one of {names})")
    audio = Path(str(audio_value)).expanduser()
    audio = audio if audio.is_absolute() else root / audio
    item_id = str(row.get("id") or relative_id(audio, root)).strip()
    text = _first(row, _TEXT_KEYS)
    speaker = _first(row, _SPEAKER_KEYS)
    split = _first(row, ("split", "subset"))
    resolved = AudioIndex(audio.parent).find(audio.name) if not audio.is_file() else audio
    return SourceItem(
        item_id,
        resolved,
        "" if text is None else str(text).strip(),
        source,
        speaker=str(speaker).strip() or None if speaker is not None else None,
        split=_SPLIT_NAMES.get(str(split).strip().lower(), str(split).strip()) if split else None,
    )


def _first(row: dict[str, Any], keys: tuple[str, ...]) -> Any:
    lowered = {str(key).lower(): value for key, value in row.items()}
    return next((lowered[key] for key in keys if lowered.get(key) not in (None, "")), None)


def _bad_line(item_id: str, source: str, reason: str, detail: str) -> SourceItem:
    return SourceItem(item_id or source, None, None, source, problem=(reason, detail))
