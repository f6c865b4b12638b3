"""Hugging Face ``datasets`` reader: a dataset saved with ``save_to_disk``, or a hub id when online.

Audio is read undecoded (``Audio(decode=False)``) and its bytes are written to files under the work directory,
so that decoding goes through voxtune's own audio I/O, worker processes receive paths instead of arrays, and a
resumed run finds the files already there. ``datasets`` 4+ would otherwise need torchcodec just to decode.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from voxtune.data.corpus_files import AUDIO_SUFFIXES
from voxtune.data.items import SourceItem
from voxtune.errors import VoxtuneError

_TEXT_COLUMNS = ("text", "normalized_text", "sentence", "transcription", "transcript", "raw_text")
_SPEAKER_COLUMNS = ("speaker", "speaker_id", "client_id")
_ID_COLUMNS = ("id", "file_id", "utterance_id", "segment_id")
_SPLITS = {"train": "train", "validation": "dev", "valid": "dev", "dev": "dev", "test": "test"}


def read_hf_dataset(source: str, work_dir: Path) -> list[SourceItem]:
    """Items of every split of the dataset at ``source`` (path or hub id); audio extracted into ``work_dir``."""
    try:
        import datasets
    except ImportError:
        raise VoxtuneError("reading Hugging Face datasets needs the 'datasets' package: pip install datasets") from None
    loaded = _load(datasets, source)
    splits = loaded if isinstance(loaded, datasets.DatasetDict) else {None: loaded}
    items: list[SourceItem] = []
    for split_name in sorted(splits, key=lambda name: name or ""):
        dataset = splits[split_name]
        audio_column = _audio_column(dataset, datasets)
        text_column = next((name for name in _TEXT_COLUMNS if name in dataset.column_names), None)
        if text_column is None:
            names = ", ".join(_TEXT_COLUMNS)
            raise VoxtuneError(f"dataset {source} has no text column (looked for {names})")
        dataset = dataset.cast_column(audio_column, datasets.Audio(decode=False))
        split = _SPLITS.get(split_name, split_name) if split_name else None
        target = work_dir / "hf-audio" / (split_name or "all")
        for index, row in enumerate(dataset):
            items.append(_item(row, index, split_name, split, audio_column, text_column, target))
    return items


def _load(datasets: Any, source: str) -> Any:
    if Path(source).exists():
        try:
            return datasets.load_from_disk(source)
        except (FileNotFoundError, ValueError) as error:
            raise VoxtuneError(f"{source} is not a dataset saved with save_to_disk: {error}") from None
    try:
        return datasets.load_dataset(source)
    except Exception as error:  # the hub raises many types (connection, missing repo, auth): all one message here
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise VoxtuneError(f"cannot load Hugging Face dataset {source!r}: {first}") from None


def _audio_column(dataset: Any, datasets: Any) -> str:
    for name, feature in dataset.features.items():
        if isinstance(feature, datasets.Audio):
            return str(name)
    if "audio" in dataset.column_names:
        return "audio"
    raise VoxtuneError(f"dataset has no Audio column (columns: {', '.join(dataset.column_names)})")


def _item(
    row: dict[str, Any],
    index: int,
    split_name: str | None,
    split: str | None,
    audio_column: str,
    text_column: str,
    target: Path,
) -> SourceItem:
    prefix = f"{split_name}-" if split_name else ""
    given_id = next((str(row[name]) for name in _ID_COLUMNS if row.get(name) not in (None, "")), None)
    item_id = given_id or f"{prefix}{index:06d}"
    source = f"{split_name or 'dataset'}[{index}]"
    speaker = next((str(row[name]) for name in _SPEAKER_COLUMNS if row.get(name) not in (None, "")), None)
    text = row.get(text_column)
    audio = row.get(audio_column) or {}
    path = _materialize(audio, item_id, target)
    if path is None:
        return SourceItem(item_id, None, None, source, problem=("missing_audio", "the row has no audio bytes or path"))
    return SourceItem(item_id, path, "" if text is None else str(text), source, speaker=speaker, split=split)


def _materialize(audio: dict[str, Any], item_id: str, target: Path) -> Path | None:
    """The row's audio as a file: its own path when it has no bytes, else the bytes written once under ``target``."""
    data, path = audio.get("bytes"), audio.get("path")
    if not data:
        return Path(path) if path else None
    suffix = Path(path).suffix.lower() if path else ""
    safe = hashlib.sha1(item_id.encode()).hexdigest()[:16]
    file = target / f"{safe}{suffix if suffix in AUDIO_SUFFIXES else '.wav'}"
    if not (file.is_file() and file.stat().st_size == len(data)):
        target.mkdir(parents=True, exist_ok=True)
        partial = file.with_name(f".{file.name}.partial")
        partial.write_bytes(data)
        partial.replace(file)
    return file
