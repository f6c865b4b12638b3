"""PNG images for the HTML report: a spectrogram per clip and a histogram per metric across rows.

Drawn with matplotlib's object API (no pyplot): no global figure state and no display backend needed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import librosa
import numpy as np
from matplotlib.figure import Figure
from matplotlib.image import imsave

from voxtune.audio.io import load_audio
from voxtune.evaluate.result import METRIC_BY_KEY, VoiceResult

# One pixel column per 10 ms, 64 mel bands up to 8 kHz: every row is comparable, at any sample rate.
_SPECTROGRAM_RATE = 16000
_HOP = 160
_MELS = 64
_DYNAMIC_RANGE_DB = 80.0
HISTOGRAM_METRICS = ("wer", "speaker_similarity", "dnsmos_p808", "mcd", "words_per_second")


def spectrogram_png(audio_path: Path, png_path: Path) -> None:
    """Write the log-mel spectrogram of an audio file as a PNG (time → right, frequency → up)."""
    wave, _ = load_audio(audio_path, sample_rate=_SPECTROGRAM_RATE)
    mel = librosa.feature.melspectrogram(
        y=wave, sr=_SPECTROGRAM_RATE, n_fft=1024, hop_length=_HOP, n_mels=_MELS, fmax=_SPECTROGRAM_RATE / 2
    )
    db = librosa.power_to_db(mel, ref=max(float(mel.max()), 1e-10), top_db=_DYNAMIC_RANGE_DB)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    imsave(png_path, db[::-1], cmap="magma", vmin=-_DYNAMIC_RANGE_DB, vmax=0.0)


def histogram_png(rows: Sequence[VoiceResult], key: str, png_path: Path) -> bool:
    """Overlaid histograms of one utterance metric, one outline per row; False (nothing written) if no data."""
    series = {
        row.name: [v for u in row.utterances if (v := u.metrics.get(key)) is not None and math.isfinite(v)]
        for row in rows
    }
    series = {name: values for name, values in series.items() if values}
    if not series:
        return False
    everything = np.concatenate([np.asarray(values) for values in series.values()])
    low, high = float(everything.min()), float(everything.max())
    edges = np.linspace(low, high if high > low else low + 1.0, 21)
    figure = Figure(figsize=(4.2, 2.6), dpi=100)
    axes = figure.add_subplot()
    for name, values in series.items():
        axes.hist(values, bins=edges.tolist(), histtype="step", linewidth=1.6, label=name)
    axes.set_xlabel(METRIC_BY_KEY[key].label if key in METRIC_BY_KEY else key)
    axes.set_ylabel("utterances")
    axes.legend(fontsize=7, frameon=False)
    figure.tight_layout()
    png_path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(png_path)
    return True
