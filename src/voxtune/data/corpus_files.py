"""File helpers the corpus readers share: audio suffixes, finding a clip by its id, reading lines one by one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

# What libsndfile (behind voxtune.audio.io) decodes; the order decides which file wins when an id has several.
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".opus", ".mp3", ".aiff", ".aif", ".au")


def decoded_lines(path: Path) -> Iterator[tuple[int, str | None, bytes]]:
    """``(line number, text or None when not UTF-8, raw bytes)`` for every non-blank line of ``path``.

    Lines are decoded one at a time so that a single bad line is reported on its own instead of failing the
    whole file; a UTF-8 byte order mark is dropped.
    """
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            yield number, raw.decode("utf-8"), raw
        except UnicodeDecodeError:
            yield number, None, raw


def lossy_first_field(raw: bytes, separator: bytes = b"|") -> str:
    """The first field of a line that is not UTF-8, readable enough to name the entry in a report."""
    return raw.split(separator, 1)[0].decode("utf-8", errors="replace").strip()


class AudioIndex:
    """The audio files of one directory by file name and by stem, listed once (not a stat per item)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._by_name: dict[str, Path] = {}
        self._by_stem: dict[str, Path] = {}
        if directory.is_dir():
            rank = {suffix: i for i, suffix in enumerate(AUDIO_SUFFIXES)}
            files = sorted(
                (p for p in directory.iterdir() if p.suffix.lower() in rank),
                key=lambda p: (p.stem, rank[p.suffix.lower()]),
            )
            for file in files:
                self._by_name[file.name] = file
                self._by_stem.setdefault(file.stem, file)

    def find(self, name: str) -> Path:
        """The file for ``name`` (a file name, a relative path or a bare id); a path that does not exist if none.

        The missing path is returned rather than ``None`` so that the rejection can name where it looked.
        """
        relative = Path(name)
        if len(relative.parts) > 1 or relative.is_absolute():
            base = relative if relative.is_absolute() else self.directory / relative
            if base.is_file() or base.suffix.lower() in AUDIO_SUFFIXES:
                return base
            return AudioIndex(base.parent).find(base.name)
        return self._by_name.get(name) or self._by_stem.get(name) or self.directory / f"{name}.wav"


def relative_id(path: Path, root: Path) -> str:
    """An item id from a file path: relative to ``root``, without the suffix, folders joined by ``__``."""
    try:
        relative = path.relative_to(root)
    except ValueError:
        relative = Path(path.name)
    return "__".join(relative.with_suffix("").parts)
