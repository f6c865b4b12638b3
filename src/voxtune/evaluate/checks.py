"""Audio sanity checks shared by every metric: is there anything here worth scoring?

Each check yields a flag name; metrics attach flags to their results instead of raising, so one bad clip
cannot stop an evaluation and the report can show what went wrong where.
"""

from __future__ import annotations

import numpy as np

from voxtune.asr.resample import SILENCE_DB
from voxtune.audio.clean import clipping_fraction, frame_rms_db, is_silent

SILENT = "silent"
TOO_SHORT = "too_short"
CLIPPED = "clipped"
NON_SPEECH = "non_speech"
NOT_FINITE = "not_finite"

# Shorter than one short word ("five" is ~0.4 s): no metric here means much below it.
MIN_SECONDS = 0.25
# Piper-style peak normalisation leaves a sample or two at full scale; clipping leaves many.
MAX_CLIPPED_FRACTION = 1e-3
# Speech is far from white noise: the median spectral flatness of its loudest frames is below 0.01 in every
# clean clip checked and about 0.1 with loud background noise (10 dB SNR), where white noise alone gives ~0.57.
MAX_SPEECH_FLATNESS = 0.3
# Syllables make speech loudness swing (std of 10 ms frame levels ≥ 5 dB in every real clip checked);
# steady tones and hum stay within a dB or two.
MIN_SPEECH_LEVEL_STD_DB = 2.5
# Frames more than this below the loudest are pauses and take no part in the speech-likeness statistics.
_ACTIVE_RANGE_DB = 40.0


def audio_flags(wave: np.ndarray, sample_rate: int) -> tuple[str, ...]:
    """Flags for a mono wave ``(T,)``: any of silent, too_short, clipped, non_speech, not_finite.

    ``non_speech`` is a cheap heuristic (noise-like spectrum or steady level), not a voice activity detector:
    it catches noise, hum, clicks and test tones, which is what broken synthesis produces.
    """
    wave = np.asarray(wave, dtype=np.float32)
    flags: list[str] = []
    if not np.isfinite(wave).all():
        flags.append(NOT_FINITE)
        wave = np.nan_to_num(wave, nan=0.0, posinf=0.0, neginf=0.0)
    if wave.size < MIN_SECONDS * sample_rate:
        flags.append(TOO_SHORT)
    if is_silent(wave, threshold_db=SILENCE_DB):
        flags.append(SILENT)
        return tuple(flags)
    if clipping_fraction(wave) > MAX_CLIPPED_FRACTION:
        flags.append(CLIPPED)
    if not _speech_like(wave, sample_rate):
        flags.append(NON_SPEECH)
    return tuple(flags)


def _speech_like(wave: np.ndarray, sample_rate: int) -> bool:
    frame = max(16, round(0.025 * sample_rate))
    hop = max(1, round(0.010 * sample_rate))
    if wave.size < frame:
        return False
    levels = frame_rms_db(wave, frame, hop)[: (wave.size - frame) // hop + 1]
    active = levels > levels.max() - _ACTIVE_RANGE_DB
    if active.sum() < 3 or np.std(levels[active]) < MIN_SPEECH_LEVEL_STD_DB:
        return False
    # The loudest frames are vowels in speech: harmonic even under background noise, where noise stays flat.
    loud = np.flatnonzero(levels >= np.quantile(levels, 0.75))
    frames = wave[loud[:, None] * hop + np.arange(frame)] * np.hanning(frame).astype(np.float32)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2 + 1e-12
    flatness = np.exp(np.mean(np.log(power), axis=1)) / np.mean(power, axis=1)
    return bool(np.median(flatness) <= MAX_SPEECH_FLATNESS)
