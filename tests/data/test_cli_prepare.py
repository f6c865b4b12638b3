"""``voxtune prepare``: one-line errors, a summary, and the same dataset from a killed-and-resumed run or a pool."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from voxtune.cli import main
from voxtune.data.prepare import prepare

OUTPUTS = ("manifest.jsonl", "rejected.jsonl", "dataset.json", "report.md", "report.html")


def digest(directory: Path) -> dict[str, str]:
    files = [directory / name for name in OUTPUTS] + sorted((directory / "clips").iterdir())
    return {file.name: hashlib.sha1(file.read_bytes()).hexdigest() for file in files}


def test_cli_prepares_and_summarizes(
    tmp_path: Path, voice: Path, make_corpus: Callable, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = make_corpus(3)
    code = main(["prepare", str(corpus), "-o", str(tmp_path / "out"), "--voice", str(voice), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0 and "3 items (ljspeech): kept 3" in out and "rejected by reason: none" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--jobs", "0"], "jobs must be at least 1"),
        (["--voice", "nobody"], "unknown voice 'nobody'"),
        (["--min-duration", "3", "--max-duration", "2"], "max_duration must be greater"),
    ],
)
def test_cli_errors_are_one_line(
    tmp_path: Path,
    voice: Path,
    make_corpus: Callable,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    argv = ["prepare", str(make_corpus(1)), "-o", str(tmp_path / "out"), "--voice", str(voice), *args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_cli_missing_input_and_unknown_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prepare", str(tmp_path / "absent"), "-o", str(tmp_path / "out")]) == 2
    assert "input not found" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["prepare", str(tmp_path), "-o", str(tmp_path / "out"), "--format", "mp3dir"])
    assert exit_info.value.code == 2 and "invalid choice: 'mp3dir'" in capsys.readouterr().err


@pytest.mark.slow
def test_a_killed_run_resumes_to_the_same_dataset(tmp_path: Path, voice: Path, make_corpus: Callable) -> None:
    corpus = make_corpus(120)
    out = tmp_path / "killed"
    journal = out / ".prepare" / "journal.jsonl"
    command = [sys.executable, "-m", "voxtune", "prepare", str(corpus), "-o", str(out), "--voice", str(voice)]
    process = subprocess.Popen([*command, "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if journal.is_file() and journal.read_text().count("\n") >= 5:
            os.kill(process.pid, signal.SIGKILL)
            break
        time.sleep(0.01)
    assert process.wait() == -signal.SIGKILL, "the run ended before it could be killed"
    done = journal.read_text().count("\n")
    resumed = prepare(corpus, out, voice=voice, progress=False)
    assert resumed.reused >= done and resumed.processed == 120 - resumed.reused
    prepare(corpus, tmp_path / "clean", voice=voice, progress=False)
    assert digest(out) == digest(tmp_path / "clean")


@pytest.mark.slow
def test_a_process_pool_gives_the_same_dataset(tmp_path: Path, voice: Path, make_corpus: Callable) -> None:
    corpus = make_corpus(12)
    pooled = prepare(corpus, tmp_path / "pool", voice=voice, jobs=2, progress=False)
    prepare(corpus, tmp_path / "one", voice=voice, jobs=1, progress=False)
    assert pooled.processed == 12 and digest(tmp_path / "pool") == digest(tmp_path / "one")
