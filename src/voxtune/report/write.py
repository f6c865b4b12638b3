"""Write an evaluation to a directory: ``report.json``, ``report.md``, ``index.html`` and its images."""

from __future__ import annotations

import json
import os
from pathlib import Path

from voxtune.evaluate.result import EvalResult
from voxtune.report.html import render_html
from voxtune.report.images import HISTOGRAM_METRICS, histogram_png, spectrogram_png
from voxtune.report.markdown import render_markdown


def write_report(result: EvalResult, out_dir: str | os.PathLike[str], images: bool = True) -> Path:
    """Write all report files into ``out_dir`` (created if needed); returns the path of ``index.html``.

    Spectrograms are drawn from the clips the runner saved under ``out_dir/audio``; clips without audio get
    none. ``images=False`` skips all PNGs (fast, e.g. for evaluations during training).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(result.to_dict(), indent=1, ensure_ascii=False) + "\n", "utf-8")
    (out / "report.md").write_text(render_markdown(result), "utf-8")
    spectrograms: dict[tuple[str, str], str] = {}
    histograms: dict[str, str] = {}
    if images:
        for row in result.voices:
            for utterance in row.utterances:
                if utterance.audio and (out / utterance.audio).is_file():
                    relative = str(Path("img") / Path(utterance.audio).relative_to("audio").with_suffix(".png"))
                    spectrogram_png(out / utterance.audio, out / relative)
                    spectrograms[(row.name, utterance.id)] = relative
        for key in HISTOGRAM_METRICS:
            relative = f"img/hist-{key}.png"
            if histogram_png(result.voices, key, out / relative):
                histograms[key] = relative
    index = out / "index.html"
    index.write_text(render_html(result, spectrograms, histograms), "utf-8")
    return index
