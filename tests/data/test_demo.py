"""The bundled Allison demo subset: small, attributed, split as the full corpus is split, and fully usable."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpora import DEMO

from voxtune.data.prepare import prepare

ALLISON = DEMO.parents[2] / "shared" / "data" / "allison"


def ids(path: Path) -> set[str]:
    return set(path.read_text().split())


def test_demo_is_small_attributed_and_complete() -> None:
    assert sum(file.stat().st_size for file in DEMO.rglob("*") if file.is_file()) <= 3_000_000
    readme = (DEMO / "README.md").read_text()
    assert "Allison Smith" in readme and "CC-BY-SA-3.0" in readme and "asterisk-core-sounds-en" in readme
    listed = ids(DEMO / "train.txt") | ids(DEMO / "dev.txt")
    assert not ids(DEMO / "train.txt") & ids(DEMO / "dev.txt")
    assert {line.split("|")[0] for line in (DEMO / "metadata.csv").read_text().splitlines()} == listed
    assert {file.stem for file in (DEMO / "wavs").glob("*.flac")} == listed


def test_demo_splits_come_from_the_corpus_splits() -> None:
    if not ALLISON.is_dir():
        pytest.skip("the full Allison corpus is not beside the repository")
    assert ids(DEMO / "train.txt") <= ids(ALLISON / "train.txt")
    assert ids(DEMO / "dev.txt") <= ids(ALLISON / "dev.txt")


def test_demo_prepares_without_a_rejection(tmp_path: Path, voice: Path) -> None:
    result = prepare(DEMO, tmp_path / "out", voice=voice, progress=False)
    assert (result.kept, result.rejected) == (70, 0)
    assert result.by_reason == {}
