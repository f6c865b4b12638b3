"""Frame-level alignment of a clip with a parallel reference (the same sentence, spoken by someone else).

Both waves are brought to 16 kHz, trimmed of leading and trailing silence, described by mel cepstra every
10 ms, and aligned by dynamic time warping. MCD and F0 errors are then read along the same warping path.
"""

from __future__ import annotations

from dataclasses import dataclass

import librosa
import numpy as np
import scipy.fft

from voxtune.asr.resample import ASR_SAMPLE_RATE, to_16k
from voxtune.audio.clean import trim_silence
from voxtune.evaluate.checks import SILENT, TOO_SHORT, audio_flags

HOP_LENGTH = 160  # 10 ms at 16 kHz, the usual frame rate for MCD and F0 comparisons
N_FFT = 512
WIN_LENGTH = 400  # 25 ms
N_MELS = 80
CEPSTRUM_ORDER = 24  # c1..c24 enter MCD; c0 (loudness) does not
NO_REFERENCE = "no_reference"
REFERENCE_UNUSABLE = "reference_unusable"
# Flags that leave nothing to align.
_UNUSABLE = {SILENT, TOO_SHORT}


@dataclass(frozen=True)
class Alignment:
    """Two trimmed 16 kHz waves, their cepstra ``(N, 1 + order)`` / ``(M, 1 + order)`` and the DTW path ``(L, 2)``.

    ``path[k] = (i, j)`` pairs frame ``i`` of ``wave`` with frame ``j`` of ``reference``; both increase.
    """

    wave: np.ndarray
    reference: np.ndarray
    cepstrum: np.ndarray
    reference_cepstrum: np.ndarray
    path: np.ndarray


def mel_cepstrum(wave: np.ndarray) -> np.ndarray:
    """Mel cepstrum of a 16 kHz wave ``(T,)`` → ``(1 + T // 160, 25)``, in natural-log amplitude units.

    The DCT is scaled so that ``log|X(w)| = c0 + 2 * sum_d c_d cos(d w)`` on the mel axis: the convention the
    MCD formula ``10 / ln 10 * sqrt(2 * sum_d dc_d^2)`` assumes. (Papers mostly use SPTK mel-generalized
    cepstra of a WORLD envelope; values here are close in scale but not identical.)
    """
    power = librosa.feature.melspectrogram(
        y=np.asarray(wave, dtype=np.float32),
        sr=ASR_SAMPLE_RATE,
        n_fft=N_FFT,
        win_length=WIN_LENGTH,
        hop_length=HOP_LENGTH,
        n_mels=N_MELS,
        power=2.0,
    )
    log_amplitude = 0.5 * np.log(np.maximum(power, 1e-10))
    cepstrum = scipy.fft.dct(log_amplitude, type=2, axis=0, norm=None) / (2 * N_MELS)
    return np.ascontiguousarray(cepstrum[: CEPSTRUM_ORDER + 1].T, dtype=np.float64)


def dtw_path(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Minimum-cost monotonic path between frame sequences ``(N, D)`` and ``(M, D)`` → ``(L, 2)``, start first."""
    _, path = librosa.sequence.dtw(X=a.T, Y=b.T, metric="euclidean")
    return np.ascontiguousarray(path[::-1], dtype=np.int64)


def align(
    wave: np.ndarray, sample_rate: int, reference: np.ndarray, reference_rate: int
) -> tuple[Alignment | None, tuple[str, ...]]:
    """Align ``wave`` with its parallel ``reference``; ``(None, flags)`` when either has nothing to align."""
    flags = _unusable(wave, sample_rate)
    reference_flags = _unusable(reference, reference_rate)
    if reference_flags:
        flags = (*flags, REFERENCE_UNUSABLE)
    if flags:
        return None, flags
    wave = trim_silence(to_16k(wave, sample_rate), ASR_SAMPLE_RATE)
    reference = trim_silence(to_16k(reference, reference_rate), ASR_SAMPLE_RATE)
    cepstrum, reference_cepstrum = mel_cepstrum(wave), mel_cepstrum(reference)
    # c0 is overall loudness: recordings and synthesis differ in level for reasons nobody hears as voice.
    path = dtw_path(cepstrum[:, 1:], reference_cepstrum[:, 1:])
    return Alignment(wave, reference, cepstrum, reference_cepstrum, path), ()


def _unusable(wave: np.ndarray, sample_rate: int) -> tuple[str, ...]:
    return tuple(flag for flag in audio_flags(wave, sample_rate) if flag in _UNUSABLE)
