"""LJSpeech-style corpora as evaluation input: texts to synthesize and, optionally, real recordings of them.

Layout: ``metadata.csv`` with ``id|text`` lines (further columns ignored), audio in ``wavs/<id>.{flac,wav,...}``,
optional split files ``<split>.txt`` listing one id per line (``train.txt``, ``dev.txt``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from voxtune.errors import VoxtuneError

_AUDIO_SUFFIXES = (".flac", ".wav", ".ogg", ".mp3")


class CorpusError(VoxtuneError):
    """A corpus directory that cannot be read; the message is one line naming the file."""


@dataclass(frozen=True)
class CorpusItem:
    """One prompt of a corpus; ``audio`` is ``None`` when its recording is missing."""

    id: str
    text: str
    audio: Path | None


def load_corpus(root: str | os.PathLike[str], split: str | None = None) -> list[CorpusItem]:
    """Items of the corpus at ``root``, in metadata order, restricted to ``split`` when given."""
    root = Path(root)
    metadata = root / "metadata.csv"
    if not metadata.is_file():
        raise CorpusError(f"not a corpus directory (no metadata.csv): {root}")
    texts = _read_metadata(metadata)
    ids = list(texts)
    if split is not None:
        ids = _read_split(root, split)
        unknown = [item_id for item_id in ids if item_id not in texts]
        if unknown:
            raise CorpusError(f"{root / (split + '.txt')} lists {len(unknown)} ids not in metadata.csv: {unknown[0]}")
    return [CorpusItem(item_id, texts[item_id], _find_audio(root / "wavs", item_id)) for item_id in ids]


def _read_metadata(path: Path) -> dict[str, str]:
    texts: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("|")
        if len(fields) < 2 or not fields[0].strip():
            raise CorpusError(f"{path}:{number}: expected 'id|text', got {line[:60]!r}")
        texts[fields[0].strip()] = fields[1].strip()
    return texts


def _read_split(root: Path, split: str) -> list[str]:
    path = root / f"{split}.txt"
    if not path.is_file():
        raise CorpusError(f"corpus {root} has no split file {path.name}")
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _find_audio(directory: Path, item_id: str) -> Path | None:
    for suffix in _AUDIO_SUFFIXES:
        candidate = directory / f"{item_id}{suffix}"
        if candidate.is_file():
            return candidate
    return None
