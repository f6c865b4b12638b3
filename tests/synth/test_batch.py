import json
from pathlib import Path

import pytest

from voxtune.cli import main
from voxtune.errors import VoxtuneError
from voxtune.synth.batch import read_items, synthesize_batch


def manifest(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


def test_batch_writes_every_item_then_resumes_and_redoes_only_edits(tmp_path: Path, tiny_voice_path: Path) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("Good morning.\n\nHow are you?\nSee you at 7:30.\n")
    out = tmp_path / "audio"
    first = synthesize_batch(str(tiny_voice_path), read_items(lines), out, jobs=2, progress=False)
    assert (first.written, first.skipped, first.failed) == (3, 0, 0)
    entries = manifest(out)
    assert [e["id"] for e in entries] == ["0001", "0003", "0004"]  # ids follow the lines; blank lines skipped
    assert all((out / str(e["file"])).is_file() and float(e["duration"]) > 0 for e in entries)  # type: ignore[arg-type]
    again = synthesize_batch(str(tiny_voice_path), read_items(lines), out, jobs=2, progress=False)
    assert (again.written, again.skipped) == (0, 3)
    lines.write_text("Good morning.\n\nHow are you today?\nSee you at 7:30.\n")
    edited = synthesize_batch(str(tiny_voice_path), read_items(lines), out, jobs=1, progress=False)
    assert (edited.written, edited.skipped) == (1, 2)
    assert [e["text"] for e in manifest(out)][1] == "How are you today?"
    # A file damaged after the fact is redone too.
    (out / "0001.wav").write_bytes(b"broken")
    assert synthesize_batch(str(tiny_voice_path), read_items(lines), out, progress=False).written == 1


def test_same_seed_same_audio_in_one_or_two_processes(tmp_path: Path, tiny_voice_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text("".join(json.dumps({"id": f"q{i}", "text": f"Question {i}."}) + "\n" for i in range(4)))
    one = synthesize_batch(str(tiny_voice_path), read_items(items), tmp_path / "one", jobs=1, progress=False)
    two = synthesize_batch(str(tiny_voice_path), read_items(items), tmp_path / "two", jobs=2, progress=False)
    assert one.written == two.written == 4
    assert [e["sha256"] for e in manifest(tmp_path / "one")] == [e["sha256"] for e in manifest(tmp_path / "two")]


def test_bad_items_are_listed_and_the_rest_goes_on(tmp_path: Path, tiny_voice_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    rows = [{"id": "ok", "text": "Fine."}, {"id": "empty", "text": "   "}, {"id": "who", "text": "Hi.", "speaker": "x"}]
    items.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = synthesize_batch(str(tiny_voice_path), read_items(items), tmp_path / "out", progress=False)
    assert (result.written, result.failed) == (1, 2)
    failed = [json.loads(line)["id"] for line in (tmp_path / "out" / "failed.jsonl").read_text().splitlines()]
    assert sorted(failed) == ["empty", "who"]


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ('{"id": "a"}\n', ".jsonl", "not an item with a text"),
        ("{broken\n", ".jsonl", "not an item"),
        ('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', ".jsonl", "appears twice"),
        ('{"id": "../a", "text": "x"}\n', ".jsonl", "cannot name a file"),
        ("\n\n", ".txt", "holds no items"),
    ],
)
def test_bad_input_files_are_one_line_errors(tmp_path: Path, content: str, suffix: str, message: str) -> None:
    path = tmp_path / f"input{suffix}"
    path.write_text(content)
    with pytest.raises(VoxtuneError, match=message):
        read_items(path)


def test_cli_batch(tmp_path: Path, tiny_voice_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("One.\nTwo.\n")
    out = tmp_path / "out"
    assert main(["synthesize", "--voice", str(tiny_voice_path), "--input", str(lines), "--out-dir", str(out)]) == 0
    assert "2 written, 0 already done, 0 failed" in capsys.readouterr().out
    assert main(["synthesize", "--voice", str(tiny_voice_path), "--out-dir", str(out)]) == 2
    assert main(["synthesize", "--voice", "no-such-voice", "--input", str(lines), "--out-dir", str(out)]) == 2


def test_onnx_voice_in_two_processes(tmp_path: Path, tiny_checkpoint) -> None:  # type: ignore[no-untyped-def]
    # The parent holds an onnxruntime session when the workers start: forked workers used to hang on it.
    from voxtune.export import export_onnx

    export_onnx(tiny_checkpoint, tmp_path / "tiny.onnx")
    lines = tmp_path / "lines.txt"
    lines.write_text("One.\nTwo.\nThree.\n")
    result = synthesize_batch(
        str(tmp_path / "tiny.onnx"), read_items(lines), tmp_path / "out", jobs=2, backend="onnx", progress=False
    )
    assert result.written == 3


def test_onnx_threads_and_processes_write_the_same_audio(tmp_path: Path, tiny_checkpoint) -> None:  # type: ignore[no-untyped-def]
    # At noise 0 the audio is fixed, so every way of spreading the items (and either conv layout) must agree.
    from voxtune.export import export_onnx

    export_onnx(tiny_checkpoint, tmp_path / "tiny.onnx")
    lines = tmp_path / "lines.txt"
    lines.write_text("".join(f"Line number {n}.\n" for n in range(6)))
    silent = {"noise_scale": 0.0, "noise_w": 0.0}
    hashes = []
    ways = [("one", 1, "auto", True), ("threads", 2, "threads", True), ("processes", 2, "processes", False)]
    for name, jobs, workers, fast in ways:
        result = synthesize_batch(
            str(tmp_path / "tiny.onnx"),
            read_items(lines),
            tmp_path / name,
            jobs=jobs,
            backend="onnx",
            scale_overrides=silent,
            progress=False,
            workers=workers,
            fast_layout=fast,
        )
        assert result.written == 6
        hashes.append([e["sha256"] for e in manifest(tmp_path / name)])
    # Files are 16-bit PCM: float rounding between the layouts does not reach a sample step.
    assert hashes[0] == hashes[1] == hashes[2]
    with pytest.raises(VoxtuneError, match="unknown workers"):
        synthesize_batch(str(tmp_path / "tiny.onnx"), read_items(lines), tmp_path / "x", workers="gpu")
