import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from voxtune.audio.io import save_audio
from voxtune.evaluate.result import EvalResult, UtteranceResult, VoiceResult, best_rows
from voxtune.report import render_html, render_markdown, write_report


def utterance(uid: str, wer: float | None, sim: float | None, flags: list[str] | None = None) -> UtteranceResult:
    return UtteranceResult(
        id=uid,
        text=f"Text <{uid}> & more",
        category="numbers",
        transcript=f"heard {uid}",
        reference_normalized=None,
        transcript_normalized=None,
        seconds=1.0,
        sample_rate=16000,
        metrics={"wer": wer, "speaker_similarity": sim, "dnsmos_p808": 3.5},
        flags=flags or [],
    )


def row(name: str, wer: float, sim: float, kind: str = "voice") -> VoiceResult:
    return VoiceResult(
        name=name,
        kind=kind,  # type: ignore[arg-type]
        sample_rate=16000,
        utterances=[utterance("u1", wer, sim), utterance("u2", math.nan, None, ["silent"])],
        summary={"wer": wer, "speaker_similarity": sim, "duration_ratio": 1.0 + wer, "words_per_second": 2.0},
    )


def result() -> EvalResult:
    return EvalResult(
        voices=[row("alpha", 0.10, 0.70), row("beta", 0.05, 0.60), row("ground truth", 0.0, 0.90, "reference")],
        asr="fake",
        speaker_encoder="fake-enc",
        texts="given texts",
        references="corpus /x",
        created="2026-01-01T00:00:00+00:00",
    )


def test_best_rows_ignore_references_and_neutral_metrics() -> None:
    rows = result().voices
    assert best_rows(rows, "wer") == {"beta"}
    assert best_rows(rows, "speaker_similarity") == {"alpha"}
    assert best_rows(rows, "duration_ratio") == {"beta"}  # closest to 1
    assert best_rows(rows, "words_per_second") == set()
    assert best_rows(rows[:1], "wer") == set()  # one voice: nothing to compare


def test_markdown_marks_best_and_lists_flags() -> None:
    text = render_markdown(result())
    assert "| beta | **0.050** |" in text
    assert "| alpha | 0.100 |" in text
    assert "- alpha / `u2`: silent" in text
    assert "Text <u1> & more" in text


def test_html_marks_best_escapes_text_and_has_no_scripts() -> None:
    html = render_html(result(), {("alpha", "u1"): "img/a.png"}, {"wer": "img/hist-wer.png"})
    assert html.count('class="num best"') == 3  # WER, speaker similarity, duration ratio
    assert "Text &lt;u1&gt; &amp; more" in html and "<u1>" not in html
    assert '<img class="spec" src="img/a.png"' in html and 'src="img/hist-wer.png"' in html
    assert '<tr class="reference">' in html
    assert "<script" not in html
    assert '<span class="flag">silent</span>' in html


def test_json_is_strict_and_complete(tmp_path: Path) -> None:
    write_report(result(), tmp_path, images=False)
    data = json.loads((tmp_path / "report.json").read_text(), parse_constant=lambda c: pytest.fail(c))
    assert data["voices"][0]["utterances"][1]["metrics"]["wer"] is None  # NaN became null
    assert data["voices"][0]["flagged"] == 1
    assert [m["key"] for m in data["metrics"]][:2] == ["wer", "cer"]
    assert (tmp_path / "report.md").is_file() and (tmp_path / "index.html").is_file()


def test_images_are_drawn_from_saved_audio(tmp_path: Path) -> None:
    evaluation = result()
    t = np.arange(16000) / 16000
    (tmp_path / "audio" / "00-alpha").mkdir(parents=True)
    save_audio(
        tmp_path / "audio" / "00-alpha" / "u1.wav", (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32), 16000
    )
    evaluation.voices[0].utterances[0].audio = "audio/00-alpha/u1.wav"
    index = write_report(evaluation, tmp_path)
    assert (tmp_path / "img" / "00-alpha" / "u1.png").is_file()
    assert (tmp_path / "img" / "hist-wer.png").is_file()
    html = index.read_text()
    assert 'src="audio/00-alpha/u1.wav"' in html and 'src="img/00-alpha/u1.png"' in html


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless chromium not installed")
def test_page_renders_in_headless_chromium(tmp_path: Path) -> None:
    index = write_report(result(), tmp_path)
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--window-size=1280,900",
            f"--screenshot={shot}",
            index.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert shot.stat().st_size > 10_000
