"""Reading, writing and resampling audio: the only module that touches audio files.

Everything inside voxtune works on float32 mono waves of shape ``(T,)`` in ``[-1, 1]``; this module converts
to and from that at the edges. Errors a user can cause (a missing, unreadable or corrupt file, an unknown
format) raise :class:`AudioFileError` with a one-line message naming the file.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

# Suffix → (libsndfile container, subtype). 16-bit PCM is what Piper and most corpora ship; OGG stores Vorbis.
_WRITE_FORMATS: dict[str, tuple[str, str]] = {
    ".wav": ("WAV", "PCM_16"),
    ".flac": ("FLAC", "PCM_16"),
    ".ogg": ("OGG", "VORBIS"),
    ".mp3": ("MP3", "MPEG_LAYER_III"),
}


class AudioFileError(ValueError):
    """An audio file that cannot be read or written; the message is one line naming the file."""


def load_audio(path: str | os.PathLike[str], sample_rate: int | None = None) -> tuple[np.ndarray, int]:
    """Read an audio file as a float32 mono wave ``(T,)`` and its sample rate.

    Multi-channel audio is averaged to mono. With ``sample_rate`` given the wave is resampled to it and that
    rate is returned; otherwise the file's own rate is.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioFileError(f"audio file not found: {path}")
    try:
        data, file_rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, OSError, TypeError) as error:
        raise AudioFileError(f"cannot read audio file {path}: {_first_line(error)}") from None
    wave = data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]
    wave = np.ascontiguousarray(wave, dtype=np.float32)
    if sample_rate is None or sample_rate == file_rate:
        return wave, int(file_rate)
    return resample(wave, int(file_rate), sample_rate), sample_rate


def save_audio(path: str | os.PathLike[str], wave: np.ndarray, sample_rate: int) -> None:
    """Write a mono wave ``(T,)`` to ``path``; the suffix picks WAV (16-bit PCM), FLAC, OGG (Vorbis) or MP3.

    Samples outside ``[-1, 1]`` are clipped: integer formats would otherwise wrap around to loud clicks.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _WRITE_FORMATS:
        known = ", ".join(_WRITE_FORMATS)
        raise AudioFileError(f"cannot write audio file {path}: unsupported suffix {suffix!r} (use {known})")
    wave = np.asarray(wave)
    if wave.ndim != 1:
        raise ValueError(f"save_audio expects a mono wave of shape (T,), got shape {wave.shape}")
    container, subtype = _WRITE_FORMATS[suffix]
    clipped = np.clip(wave.astype(np.float32, copy=False), -1.0, 1.0)
    try:
        sf.write(str(path), clipped, sample_rate, format=container, subtype=subtype)
    except (RuntimeError, OSError) as error:
        raise AudioFileError(f"cannot write audio file {path}: {_first_line(error)}") from None


def resample(wave: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Resample a mono wave ``(T,)`` with soxr (high quality); returns float32 ``(T * to_rate / from_rate,)``."""
    wave = np.asarray(wave, dtype=np.float32)
    if from_rate == to_rate:
        return wave
    if from_rate <= 0 or to_rate <= 0:
        raise ValueError(f"sample rates must be positive, got {from_rate} -> {to_rate}")
    return np.asarray(soxr.resample(wave, from_rate, to_rate, quality="HQ"), dtype=np.float32)


def to_pcm16(wave: np.ndarray) -> bytes:
    """A float wave ``(T,)`` in ``[-1, 1]`` as little-endian signed 16-bit PCM bytes (clipped, rounded)."""
    scaled = np.clip(np.asarray(wave, dtype=np.float32), -1.0, 1.0) * 32767.0
    return np.round(scaled).astype("<i2").tobytes()


def _first_line(error: BaseException) -> str:
    """The reason alone, on one line (libsndfile's own message repeats the path)."""
    text = (error.error_string if isinstance(error, sf.LibsndfileError) else str(error)).strip()
    return text.splitlines()[0] if text else type(error).__name__
