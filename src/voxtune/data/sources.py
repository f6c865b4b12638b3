"""Corpus readers behind one entry point: a path (or Hugging Face hub id) and a format in, source items out.

Formats: ``ljspeech`` (``metadata.csv`` id|text[|normalized] + ``wavs/``), ``piper`` (CSV ``wav|text`` or
``wav|speaker|text``), ``vctk`` (``txt/<speaker>/*.txt`` + ``wav*/<speaker>/``), ``libritts``
(``<speaker>/<chapter>/*.wav`` + ``.normalized.txt``), ``manifest`` (CSV with a header, or JSONL: path, text,
speaker, split), ``hf`` (a ``datasets`` dataset saved on disk, or a hub id when online and asked for by name)
and ``folder`` (audio without transcripts, or with ``.txt``/``.lab`` sidecars). ``auto`` looks at the files.

Split lists beside the corpus (``train.txt``, ``dev.txt`` / ``val.txt``, ``test.txt``: one id or file name a line)
give the split of every item that its format does not already assign; with lists present, an item in none of them
is rejected as ``unlisted`` rather than trained on by accident.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voxtune.data.items import SourceItem
from voxtune.data.readers_csv import read_ljspeech, read_manifest_file, read_piper, sniff_pipe_csv
from voxtune.data.readers_tree import AUDIO_SUFFIXES, read_folder, read_libritts, read_vctk
from voxtune.errors import VoxtuneError

FORMATS = ("auto", "ljspeech", "piper", "vctk", "libritts", "manifest", "hf", "folder")

_SPLIT_LISTS = {
    "train.txt": "train",
    "dev.txt": "dev",
    "val.txt": "dev",
    "valid.txt": "dev",
    "validation.txt": "dev",
    "test.txt": "test",
}
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_MANIFEST_NAMES = ("manifest.jsonl", "metadata.jsonl", "manifest.csv")


class CorpusError(VoxtuneError):
    """A corpus that cannot be read at all (missing input, unknown format, conflicting split lists)."""


@dataclass(frozen=True)
class Corpus:
    """The items of a corpus, the format they were read as, and ``root``: where relative sources start."""

    format: str
    root: Path
    name: str
    items: list[SourceItem]
    split_lists: tuple[str, ...] = ()


def read_corpus(source: str | Path, format: str = "auto", work_dir: Path | None = None) -> Corpus:
    """Read every item of the corpus at ``source`` (a directory, a file, or with format ``hf`` also a hub id).

    ``work_dir`` receives audio that has to be extracted to files first (Hugging Face datasets) and is never
    read as part of the corpus itself.
    """
    if format not in FORMATS:
        raise CorpusError(f"unknown corpus format {format!r}: use one of {', '.join(FORMATS)}")
    path = Path(source).expanduser()
    hub = format == "hf" and not path.exists() and _HUB_ID.match(str(source)) is not None
    if not path.exists() and not hub:
        # A mistyped relative path looks like a hub id: only an explicit --format hf goes to the network.
        hint = " (a Hugging Face hub dataset needs --format hf)" if _HUB_ID.match(str(source)) else ""
        raise CorpusError(f"input not found: {path}{hint}")
    kind = detect_format(path) if format == "auto" else format
    root = path if path.is_dir() else path.parent
    items = _READERS[kind](path, work_dir)
    items, lists = _apply_split_lists(items, root if path.exists() else None)
    name = (path.name if path.is_dir() else path.parent.name) if path.exists() else str(source).split("/")[-1]
    return Corpus(kind, root, name or "speaker", _mark_duplicate_ids(items), lists)


def detect_format(path: Path) -> str:
    """The format of the corpus at ``path``, judged by its files; raises :class:`CorpusError` when unclear."""
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix in (".jsonl", ".json"):
            return "manifest"
        if suffix in (".csv", ".tsv", ".txt"):
            return sniff_pipe_csv(path) or "manifest"
        raise CorpusError(f"cannot tell the format of {path}: expected a .csv, .jsonl or a corpus directory")
    if any((path / name).is_file() for name in ("dataset_info.json", "dataset_dict.json", "state.json")):
        return "hf"
    if (path / "metadata.csv").is_file():
        return sniff_pipe_csv(path / "metadata.csv") or "ljspeech"
    if (path / "txt").is_dir() and any(child.is_dir() for child in path.glob("wav*")):
        return "vctk"
    for name in _MANIFEST_NAMES:
        if (path / name).is_file():
            return "manifest"
    if next(path.glob("**/*.normalized.txt"), None) is not None:
        return "libritts"
    if any(p.suffix.lower() in AUDIO_SUFFIXES for p in path.rglob("*") if p.is_file()):
        return "folder"
    raise CorpusError(
        f"cannot tell the format of {path}: no metadata.csv, txt/ + wav*/, *.normalized.txt, manifest or audio"
        " files; pass --format"
    )


def _read_hf(path: Path, work_dir: Path | None) -> list[SourceItem]:
    from voxtune.data.readers_hf import read_hf_dataset

    if work_dir is None:
        raise ValueError("reading a Hugging Face dataset needs a work_dir to extract its audio into")
    return read_hf_dataset(str(path) if path.exists() else path.as_posix(), work_dir)


def _read_manifest(path: Path, work_dir: Path | None) -> list[SourceItem]:
    if path.is_dir():
        found = [path / name for name in _MANIFEST_NAMES if (path / name).is_file()]
        if not found:
            raise CorpusError(f"no manifest in {path}: expected one of {', '.join(_MANIFEST_NAMES)}")
        path = found[0]
    return read_manifest_file(path)


def _read_folder(path: Path, work_dir: Path | None) -> list[SourceItem]:
    if not path.is_dir():
        raise CorpusError(f"format 'folder' needs a directory of audio files, got the file {path}")
    return read_folder(path, exclude=work_dir.parent if work_dir is not None else None)


def _needs_dir(
    reader: Callable[[Path], list[SourceItem]], name: str
) -> Callable[[Path, Path | None], list[SourceItem]]:
    def read(path: Path, work_dir: Path | None) -> list[SourceItem]:
        if not path.is_dir():
            raise CorpusError(f"format {name!r} needs a corpus directory, got the file {path}")
        return reader(path)

    return read


_READERS: dict[str, Callable[[Path, Path | None], list[SourceItem]]] = {
    "ljspeech": lambda path, work_dir: read_ljspeech(path),
    "piper": lambda path, work_dir: read_piper(path),
    "vctk": _needs_dir(read_vctk, "vctk"),
    "libritts": _needs_dir(read_libritts, "libritts"),
    "manifest": _read_manifest,
    "hf": _read_hf,
    "folder": _read_folder,
}


def _apply_split_lists(items: list[SourceItem], root: Path | None) -> tuple[list[SourceItem], tuple[str, ...]]:
    """Give items without a split the one their list names; items in no list are rejected as ``unlisted``."""
    if root is None:
        return items, ()
    lists = [name for name in _SPLIT_LISTS if (root / name).is_file() and not _is_sidecar(root / name)]
    if not lists:
        return items, ()
    split_of: dict[str, str] = {}
    for name in lists:
        for line in (root / name).read_text(encoding="utf-8", errors="replace").splitlines():
            key = _list_key(line)
            if not key:
                continue
            split = _SPLIT_LISTS[name]
            if split_of.setdefault(key, split) != split:
                raise CorpusError(f"{key!r} is listed in more than one split list ({', '.join(lists)})")
    named = ", ".join(lists)
    result = []
    for item in items:
        if item.split is not None or item.problem is not None:
            result.append(item)
        elif item.id in split_of:
            result.append(dataclasses.replace(item, split=split_of[item.id]))
        else:
            result.append(dataclasses.replace(item, problem=("unlisted", f"not in any split list ({named})")))
    return result, tuple(lists)


def _is_sidecar(path: Path) -> bool:
    """``train.txt`` beside ``train.wav`` is a transcript, not a split list."""
    return any(path.with_suffix(suffix).is_file() for suffix in AUDIO_SUFFIXES)


def _list_key(line: str) -> str:
    """A split list line's id: its first field, without folders or an audio suffix; comments are skipped."""
    line = line.strip()
    if not line or line.startswith("#"):
        return ""
    first = re.split(r"[|\s,]", line, maxsplit=1)[0]
    name = first.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = name.rpartition(".")
    return stem if dot and f".{suffix.lower()}" in AUDIO_SUFFIXES else name


def _mark_duplicate_ids(items: list[SourceItem]) -> list[SourceItem]:
    """A second entry with an id already seen is rejected: ids name the output clips and must be unique."""
    seen: dict[str, str] = {}
    result = []
    for item in items:
        if item.id in seen and item.problem is None:
            detail = f"id {item.id!r} already used by {seen[item.id]}"
            item = dataclasses.replace(item, problem=("duplicate_id", detail))
        seen.setdefault(item.id, item.source)
        result.append(item)
    return result
