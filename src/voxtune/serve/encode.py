"""Audio bytes in the formats the speech endpoint offers (OpenAI's ``response_format`` names)."""

from __future__ import annotations

import io

import numpy as np
import soundfile

from voxtune.audio.io import resample, to_pcm16

# format → (soundfile format, subtype, media type); pcm is raw 16-bit little-endian mono at the voice's rate.
FORMATS = {
    "wav": ("WAV", "PCM_16", "audio/wav"),
    "flac": ("FLAC", "PCM_16", "audio/flac"),
    "mp3": ("MP3", None, "audio/mpeg"),
    "opus": ("OGG", "OPUS", "audio/ogg"),
    "pcm": (None, None, "audio/pcm"),
}
OPUS_RATE = 24000  # Opus runs at 8/12/16/24/48 kHz only


def encode(audio: np.ndarray, sample_rate: int, response_format: str) -> tuple[bytes, str]:
    """Float audio ``(T,)`` → (file bytes, media type)."""
    container, subtype, media_type = FORMATS[response_format]
    if container is None:
        return to_pcm16(audio), media_type
    if response_format == "opus":
        audio, sample_rate = resample(audio, sample_rate, OPUS_RATE), OPUS_RATE
    buffer = io.BytesIO()
    soundfile.write(buffer, np.clip(audio, -1.0, 1.0), sample_rate, format=container, subtype=subtype)
    return buffer.getvalue(), media_type
