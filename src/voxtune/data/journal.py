"""The record of finished work that makes preparation resumable: one JSON line per processed source item.

A line is appended (and flushed) as soon as an item's results are in, after its clip was written; so a killed
run loses at most the items in flight. Each line is keyed by a fingerprint of the item, its file and every
setting that shapes the result: a re-run reuses exactly the work whose inputs did not change. A torn last line
(the process died mid-write) is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from voxtune.data.items import ItemResult, SourceItem


def task_key(item: SourceItem, fingerprint: str) -> str:
    """Identity of a unit of work: the item, its audio file's size and modification time, the settings."""
    stat: list[int] | None = None
    if item.audio is not None and item.problem is None:
        try:
            info = item.audio.stat()
            stat = [info.st_size, info.st_mtime_ns]
        except OSError:
            stat = None
    # Not the item's source (e.g. "metadata.csv:12"): a line inserted above it must not invalidate its work.
    described = {key: value for key, value in item.to_dict().items() if key != "source"}
    payload = json.dumps([described, stat, fingerprint], sort_keys=True, ensure_ascii=False)
    return hashlib.sha1(payload.encode()).hexdigest()


class Journal:
    """Append-only JSON lines ``{"key": ..., "results": [...]}`` at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._done: dict[str, list[ItemResult]] = {}
        if path.is_file():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                record = _parse(line)
                if record is not None:
                    self._done[record[0]] = record[1]
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")

    def get(self, key: str) -> list[ItemResult] | None:
        return self._done.get(key)

    def add(self, key: str, results: list[ItemResult]) -> None:
        self._done[key] = results
        line = json.dumps({"key": key, "results": [r.to_dict() for r in results]}, ensure_ascii=False)
        self._file.write(line + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def compact(self, keys: Iterable[str]) -> None:
        """Keep only ``keys`` (the current corpus's work), in that order: the journal does not grow without end
        across re-runs with changed settings, and its content is deterministic."""
        self._file.close()
        partial = self.path.with_name(f".{self.path.name}.partial")
        with partial.open("w", encoding="utf-8") as out:
            for key in keys:
                results = self._done.get(key)
                if results is not None:
                    out.write(json.dumps({"key": key, "results": [r.to_dict() for r in results]}, ensure_ascii=False))
                    out.write("\n")
        os.replace(partial, self.path)
        self._file = self.path.open("a", encoding="utf-8")


def _parse(line: str) -> tuple[str, list[ItemResult]] | None:
    try:
        data: Any = json.loads(line)
        return str(data["key"]), [ItemResult.from_dict(result) for result in data["results"]]
    except (json.JSONDecodeError, KeyError, TypeError):
        return None
