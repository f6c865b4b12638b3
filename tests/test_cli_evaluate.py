"""``voxtune evaluate``: a tiny voice, the fake ASR and a synthetic reference corpus, so each run takes seconds."""

import json
from pathlib import Path

import numpy as np
import pytest

from voxtune.audio.io import save_audio
from voxtune.cli import main

PROMPTS = ["Press 1 to continue.", "Thank you for calling."]


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The command caches transcripts under the user's cache by default; tests must not touch it.
    monkeypatch.setenv("VOXTUNE_CACHE_DIR", str(tmp_path / "cache"))


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def make_corpus(root: Path) -> Path:
    """An LJSpeech-layout corpus reading PROMPTS (a buzz stands in for speech), with a dev split of both."""
    (root / "wavs").mkdir(parents=True)
    (root / "metadata.csv").write_text("".join(f"p{i}|{text}\n" for i, text in enumerate(PROMPTS)), "utf-8")
    (root / "dev.txt").write_text("p0\np1\n", "utf-8")
    t = np.arange(16000) / 16000
    for i in range(len(PROMPTS)):
        buzz = 0.2 * np.sin(2 * np.pi * (140 + 20 * i) * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))
        save_audio(root / "wavs" / f"p{i}.flac", buzz.astype(np.float32), 16000)
    return root


def test_texts_file_gives_a_table_and_a_report(
    tmp_path: Path, tiny_voice_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = tmp_path / "prompts.txt"
    texts.write_text("## numbers\n" + "\n".join(PROMPTS) + "\n", "utf-8")
    out = tmp_path / "report"
    argv = ["evaluate", str(tiny_voice_path), "--texts", str(texts), "--asr", "fake", "-o", str(out), "--no-progress"]
    code, stdout, err = run(argv, capsys)
    assert code == 0, err
    header, row, where = stdout.splitlines()
    assert header.split()[:3] == ["voice", "WER", "CER"] and "RTF" in header
    # The fake ASR hears nothing: every word is deleted.
    assert row.split()[:2] == ["tiny", "1.000"] and row.endswith("/2")
    assert where.endswith(str(out / "index.html"))
    data = json.loads((out / "report.json").read_text("utf-8"))
    assert data["asr"] == "fake" and [u["category"] for u in data["voices"][0]["utterances"]] == ["numbers"] * 2
    assert (out / "report.md").is_file() and "<audio" in (out / "index.html").read_text("utf-8")


def test_corpus_split_with_references_adds_the_ground_truth_row(
    tmp_path: Path, tiny_voice_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    argv = ["evaluate", str(tiny_voice_path), "--data", str(corpus), "--split", "dev", "--refs", str(corpus)]
    code, stdout, err = run([*argv, "--asr", "fake", "-o", str(tmp_path / "r"), "--no-progress"], capsys)
    assert code == 0, err
    lines = stdout.splitlines()
    assert "Speaker sim" in lines[0] and "P.808" in lines[0]
    assert [line.split()[0] for line in lines[1:3]] == ["tiny", "ground"]


def test_references_alone_score_the_recordings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    argv = ["evaluate", "--data", str(corpus), "--refs", str(corpus), "--asr", "fake", "-o", str(tmp_path / "r")]
    code, stdout, err = run([*argv, "--limit", "1", "--no-progress"], capsys)
    assert code == 0, err
    row = stdout.splitlines()[1]
    assert row.startswith("ground truth") and row.endswith("/1")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["{tiny}", "--texts", "{tmp}/missing.txt"], "texts file not found"),
        (["{tiny}", "--data", "{tmp}/no-corpus"], "not a corpus directory"),
        (["{tiny}", "--data", "{corpus}", "--split", "test"], "has no split file test.txt"),
        (["{tiny}", "--texts", "{texts}", "--refs", "{tmp}/no-refs"], "not a corpus directory"),
        (["nobody", "--texts", "{texts}"], "unknown voice 'nobody'"),
        (["{tiny}", "--texts", "{texts}", "--asr", "whisper:{tmp}/no-model"], "Whisper model directory"),
        (["{tiny}", "--texts", "{texts}", "--asr", "wav2vec"], "unknown ASR spec 'wav2vec'"),
        (["{tiny}", "--texts", "{texts}", "--limit", "0"], "--limit must be at least 1"),
        (["--texts", "{texts}"], "no voices to evaluate"),
    ],
)
def test_user_errors_are_one_line(
    argv: list[str], message: str, tmp_path: Path, tiny_voice_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = tmp_path / "prompts.txt"
    texts.write_text(PROMPTS[0] + "\n", "utf-8")
    paths = {"tiny": tiny_voice_path, "tmp": tmp_path, "texts": texts, "corpus": make_corpus(tmp_path / "corpus")}
    filled = [arg.format(**paths) for arg in argv]
    # argparse keeps the last --asr: the cases that name their own spec come after the default.
    code, _, err = run(["evaluate", "--asr", "fake", *filled, "-o", str(tmp_path / "r"), "--no-progress"], capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("voxtune: error:") and message in err, err
