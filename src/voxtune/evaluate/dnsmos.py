"""DNSMOS (Microsoft's non-intrusive MOS predictor, via speechmos): SIG, BAK, OVRL and P.808 at 16 kHz.

No reference is needed: it rates how natural and clean a clip sounds, on the 1-5 MOS scale. It was trained on
noisy, real speech, so it is a judge of artefacts (buzz, metallic ring, noise) rather than of prosody.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from voxtune.asr.resample import ASR_SAMPLE_RATE, SILENCE_DB, to_16k
from voxtune.audio.clean import is_silent
from voxtune.evaluate.checks import SILENT, TOO_SHORT

# The models score 9.01 s windows, hopping 1 s through longer clips. Shorter clips are tiled up to one window
# (as Microsoft's reference script does); tiling a blip is meaningless, so clips below this are not rated.
_WINDOW_SECONDS = 9.01
_MIN_SECONDS = 0.25
# Names the models and this module's preprocessing in cache keys; change it when either changes.
DNSMOS_IDENTITY = "speechmos-dnsmos:sig_bak_ovr+model_v8:tile1"


@dataclass(frozen=True)
class DnsmosScore:
    """MOS estimates (``None`` when the clip could not be rated; ``flags`` says why)."""

    sig: float | None
    bak: float | None
    ovrl: float | None
    p808: float | None
    flags: tuple[str, ...] = ()


def dnsmos(wave: np.ndarray, sample_rate: int) -> DnsmosScore:
    """Rate a mono wave ``(T,)`` at any sample rate (resampled to 16 kHz, clipped to ``[-1, 1]``)."""
    wave = to_16k(wave, sample_rate)
    # speechmos tiles the clip by doubling it until it is long enough: an empty clip would never get there.
    if wave.size < _MIN_SECONDS * ASR_SAMPLE_RATE:
        return DnsmosScore(None, None, None, None, (TOO_SHORT,))
    if is_silent(wave, threshold_db=SILENCE_DB):
        return DnsmosScore(None, None, None, None, (SILENT,))
    window = math.ceil(_WINDOW_SECONDS * ASR_SAMPLE_RATE)
    if wave.size < window:
        # Tile to exactly one window: speechmos doubles the clip instead, which for a 1 s prompt means 16 s
        # and seven overlapping windows of the same repeated audio - seven times the work for the same score.
        wave = np.resize(wave, window)
    scores = _model()(np.clip(wave, -1.0, 1.0), ASR_SAMPLE_RATE, False)
    return DnsmosScore(
        sig=float(scores["sig_mos"]),
        bak=float(scores["bak_mos"]),
        ovrl=float(scores["ovrl_mos"]),
        p808=float(scores["p808_mos"]),
    )


@lru_cache(maxsize=1)
def _model() -> Any:
    """speechmos's DNSMOS with its bundled ONNX models, built once (its module-level ``run`` keeps a global)."""
    from speechmos import dnsmos as speechmos_dnsmos

    models = os.path.join(os.path.dirname(os.path.abspath(speechmos_dnsmos.__file__)), "dnsmos_models")
    return speechmos_dnsmos.DNSMOS(os.path.join(models, "sig_bak_ovr.onnx"), os.path.join(models, "model_v8.onnx"))
