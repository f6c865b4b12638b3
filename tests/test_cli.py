from pathlib import Path

import pytest
import soundfile as sf

from voxtune.cli import build_parser, main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_every_command_has_help_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"synthesize", "voices", "import"} <= set(commands)
    for name, sub in commands.items():
        assert "Example:" in sub.format_help(), name
        assert "voxtune " in (sub.epilog or ""), name


def test_synthesize_writes_audio(tmp_path: Path, tiny_voice_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for suffix in ("wav", "flac", "ogg"):
        out = tmp_path / f"a.{suffix}"
        code, _, err = run(
            [
                "synthesize",
                "Hello there.",
                "--voice",
                str(tiny_voice_path),
                "-o",
                str(out),
                "--noise-scale",
                "0",
                "--noise-w",
                "0",
                "--no-normalize",
            ],
            capsys,
        )
        assert code == 0, err
        info = sf.info(out)
        assert info.samplerate == 8000 and info.frames > 0


def test_synthesize_reads_input_file_and_writes_raw_pcm(
    tmp_path: Path, tiny_voice_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    text = tmp_path / "in.txt"
    text.write_text("One line. Another line.", encoding="utf-8")
    code = main(["synthesize", "--voice", str(tiny_voice_path), "-i", str(text), "-o", "-", "--no-normalize"])
    out, _ = capsysbinary.readouterr()
    assert code == 0
    assert len(out) > 0 and len(out) % 2 == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["synthesize", "Hi", "--voice", "nobody"], "unknown voice 'nobody'"),
        (["synthesize", "", "--voice", "{tiny}"], "empty text"),
        (["synthesize", "--voice", "{tiny}", "-i", "missing.txt"], "input file not found"),
        (["synthesize", "Hi", "--voice", "{corrupt}"], "cannot read checkpoint"),
        (["import", "{missing_onnx}", "-o", "x.pt"], "unknown voice"),
        (["import", "{onnx_without_json}", "-o", "x.pt"], "voice config not found"),
    ],
)
def test_user_errors_are_one_line(
    argv: list[str], message: str, tmp_path: Path, tiny_voice_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"garbage")
    onnx = tmp_path / "lonely.onnx"
    onnx.write_bytes(b"garbage")
    paths = {
        "tiny": tiny_voice_path,
        "corrupt": corrupt,
        "missing_onnx": tmp_path / "nope.onnx",
        "onnx_without_json": onnx,
    }
    argv = [a.format(**paths) for a in argv]
    code, _, err = run(argv, capsys)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_import_and_voices(tmp_path: Path, tiny_voice_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["voices"], capsys)
    assert code == 0 and "joe" in out
    code, out, _ = run(["import", str(tiny_voice_path), "-o", str(tmp_path / "copy.pt")], capsys)
    assert code == 0 and (tmp_path / "copy.pt").is_file()
