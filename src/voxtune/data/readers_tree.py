"""Readers for corpora laid out as directory trees: VCTK, LibriTTS, and a plain folder of audio files.

Files are listed in sorted order so that items, and so the prepared dataset, come out the same on every run.
An audio file without a transcript (or a transcript without audio) is an item with a problem, never skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

from voxtune.data.corpus_files import AUDIO_SUFFIXES, decoded_lines, relative_id
from voxtune.data.items import SourceItem

# VCTK 0.92 ships two microphones per utterance as <stem>_mic1.flac / <stem>_mic2.flac; mic1 is the usual pick.
_MIC_SUFFIX = re.compile(r"_mic[12]$")
_LIBRITTS_SPLIT = re.compile(r"^(train|dev|test)-")
_SIDECARS = (".txt", ".lab")

__all__ = ["AUDIO_SUFFIXES", "read_folder", "read_libritts", "read_vctk"]


def read_vctk(root: Path) -> list[SourceItem]:
    """VCTK: ``txt/<speaker>/<id>.txt`` transcripts, audio in ``wav48/`` (or ``wav48_silence_trimmed/``...)."""
    audio_dirs = sorted(child for child in root.glob("wav*") if child.is_dir())
    audio: dict[str, Path] = {}
    for directory in audio_dirs:
        for file in sorted(_audio_files(directory), key=lambda p: (p.stem, p.name)):
            stem = _MIC_SUFFIX.sub("", file.stem)
            audio.setdefault(stem, file)  # sorted: _mic1 before _mic2, the first audio dir first
    items = []
    seen = set()
    for text_file in sorted((root / "txt").glob("*/*.txt")):
        item_id = text_file.stem
        seen.add(item_id)
        speaker = text_file.parent.name
        source = text_file.relative_to(root).as_posix()
        text, problem = _read_transcript(text_file)
        missing = audio_dirs[0] / speaker / f"{item_id}.wav" if audio_dirs else root / "wav48" / speaker / item_id
        items.append(SourceItem(item_id, audio.get(item_id, missing), text, source, speaker=speaker, problem=problem))
    for stem, file in sorted(audio.items()):
        if stem not in seen:
            problem = ("empty_text", f"no transcript txt/{file.parent.name}/{stem}.txt")
            source = file.relative_to(root).as_posix()
            items.append(SourceItem(stem, file, None, source, speaker=file.parent.name, problem=problem))
    return items


def read_libritts(root: Path) -> list[SourceItem]:
    """LibriTTS: ``<speaker>/<chapter>/<id>.wav`` with ``<id>.normalized.txt`` and ``<id>.original.txt``.

    Subset folders named ``train-*``, ``dev-*`` or ``test-*`` give the split.
    """
    stems: dict[Path, None] = {}
    for file in sorted(root.rglob("*")):
        if file.name.endswith((".normalized.txt", ".original.txt")):
            stems[file.with_name(file.name.split(".", 1)[0])] = None
        elif file.suffix.lower() in AUDIO_SUFFIXES:
            stems[file.with_suffix("")] = None
    items = []
    for stem in sorted(stems):
        item_id = stem.name
        source = stem.relative_to(root).as_posix()
        audio = next((stem.with_suffix(s) for s in AUDIO_SUFFIXES if stem.with_suffix(s).is_file()), None)
        original, normalized = stem.with_name(f"{item_id}.original.txt"), stem.with_name(f"{item_id}.normalized.txt")
        text, problem = _read_transcript(original) if original.is_file() else (None, None)
        norm_text, norm_problem = _read_transcript(normalized) if normalized.is_file() else (None, None)
        problem = problem or norm_problem
        if text is None and norm_text is None and problem is None:
            problem = ("empty_text", f"no transcript {item_id}.original.txt or {item_id}.normalized.txt")
        items.append(
            SourceItem(
                item_id,
                audio or stem.with_suffix(".wav"),
                text if text is not None else norm_text,
                source,
                normalized=norm_text,
                speaker=item_id.split("_", 1)[0],
                split=_libritts_split(stem, root),
                problem=problem,
            )
        )
    return items


def read_folder(root: Path, exclude: Path | None = None) -> list[SourceItem]:
    """Every audio file under ``root``; a ``.txt``/``.lab`` sidecar gives its transcript, else the ASR will.

    Files in a first-level subfolder take the subfolder's name as speaker. ``exclude`` (the output directory,
    when it lies inside the input) is skipped.
    """
    items = []
    for file in sorted(_audio_files(root, recursive=True)):
        if exclude is not None and file.is_relative_to(exclude):
            continue
        relative = file.relative_to(root)
        speaker = relative.parts[0] if len(relative.parts) > 1 else None
        sidecar = next((file.with_suffix(s) for s in _SIDECARS if file.with_suffix(s).is_file()), None)
        text, problem = _read_transcript(sidecar) if sidecar is not None else (None, None)
        items.append(
            SourceItem(relative_id(file, root), file, text, relative.as_posix(), speaker=speaker, problem=problem)
        )
    return items


def _audio_files(directory: Path, recursive: bool = True) -> list[Path]:
    files = directory.rglob("*") if recursive else directory.iterdir()
    return [file for file in files if file.suffix.lower() in AUDIO_SUFFIXES and file.is_file()]


def _read_transcript(path: Path) -> tuple[str | None, tuple[str, str] | None]:
    """A transcript file's text joined into one line, or the problem that stops it being read."""
    lines = list(decoded_lines(path))
    if any(line is None for _, line, _raw in lines):
        return None, ("text_not_utf8", f"{path.name} is not valid UTF-8")
    return " ".join(str(line).strip() for _, line, _raw in lines), None


def _libritts_split(stem: Path, root: Path) -> str | None:
    for part in (*root.parts, *stem.relative_to(root).parts):
        match = _LIBRITTS_SPLIT.match(part)
        if match:
            return match.group(1)
    return None
