"""Audio bytes in the formats the speech endpoint offers (OpenAI's ``response_format`` names), whole or streamed.

A whole file (:func:`encode`) has exact lengths in its header. A stream (:func:`stream_encoder`) is one file
written piece by piece as sentences arrive, so it never holds the whole audio and has no joins between sentences:

- ``pcm``: raw samples, nothing else.
- ``wav``: a header whose sizes say "unknown" (0xFFFFFFFF, as streaming WAV writers do), then the samples;
  libsndfile and Python's ``wave`` read it to the end of the data.
- ``mp3``: constant bitrate. libsndfile would put a VBR index (Xing frame) at the start only when the file is
  closed; a stream cannot go back, and readers then guess a VBR file's length from its first frame and cut it
  short. At a constant bitrate that guess is right; the index's empty frame decodes as 52 ms of silence.
- ``opus``: Ogg pages, which are written only forwards anyway.
- ``flac`` is not streamed: its header's total length is only known at the end, and libsndfile-based readers
  reject a FLAC file that leaves it unknown.
"""

from __future__ import annotations

import io
import struct
from typing import Protocol

import numpy as np
import soundfile
import soxr

from voxtune.audio.io import resample, to_pcm16

# format → (soundfile format, subtype, media type); pcm is raw 16-bit little-endian mono at the voice's rate.
FORMATS = {
    "wav": ("WAV", "PCM_16", "audio/wav"),
    "flac": ("FLAC", "PCM_16", "audio/flac"),
    "mp3": ("MP3", None, "audio/mpeg"),
    "opus": ("OGG", "OPUS", "audio/ogg"),
    "pcm": (None, None, "audio/pcm"),
}
STREAMED = ("pcm", "wav", "mp3", "opus")
OPUS_RATE = 24000  # Opus runs at 8/12/16/24/48 kHz only
# libsndfile's 0 (best) .. 1 (smallest) scale; 0.6 gives 64 kbit/s at 22.05 kHz, plenty for one voice.
MP3_STREAM_COMPRESSION = 0.6
UNKNOWN_SIZE = 0xFFFFFFFF


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


class StreamEncoder(Protocol):
    """Turns consecutive pieces of one audio signal into consecutive pieces of one file."""

    media_type: str

    def add(self, audio: np.ndarray) -> bytes:
        """The bytes that are ready after this float audio ``(T,)``; may be empty while a codec fills a frame."""
        ...

    def finish(self) -> bytes:
        """The last bytes (codec buffers flushed); call once, after the last :meth:`add`."""
        ...


def stream_encoder(response_format: str, sample_rate: int) -> StreamEncoder:
    """An encoder for a streamed response; ``response_format`` must be one of :data:`STREAMED`."""
    if response_format not in STREAMED:
        raise ValueError(f"{response_format} cannot be streamed; streamed formats: {', '.join(STREAMED)}")
    media_type = FORMATS[response_format][2]
    if response_format == "pcm":
        return PcmStream(b"", media_type)
    if response_format == "wav":
        return PcmStream(streaming_wav_header(sample_rate), media_type)
    if response_format == "mp3":
        return CodecStream("MP3", None, sample_rate, sample_rate, media_type, MP3_STREAM_COMPRESSION)
    return CodecStream("OGG", "OPUS", sample_rate, OPUS_RATE, media_type)


def streaming_wav_header(sample_rate: int) -> bytes:
    """A 44-byte mono 16-bit PCM WAV header whose RIFF and data sizes are unknown (0xFFFFFFFF)."""
    block_align = 2
    fmt = struct.pack("<HHIIHH", 1, 1, sample_rate, sample_rate * block_align, block_align, 16)
    return (
        b"RIFF"
        + struct.pack("<I", UNKNOWN_SIZE)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", UNKNOWN_SIZE)
    )


class PcmStream:
    """16-bit PCM after an optional header (sent with the first audio, so errors before it can still be 4xx)."""

    def __init__(self, header: bytes, media_type: str) -> None:
        self.media_type = media_type
        self._header = header

    def add(self, audio: np.ndarray) -> bytes:
        header, self._header = self._header, b""
        return header + to_pcm16(audio)

    def finish(self) -> bytes:
        return self._header  # only non-empty if no audio was ever added


class CodecStream:
    """A libsndfile codec writing into a :class:`ForwardSink`, resampling on the way when the codec needs it."""

    def __init__(
        self,
        container: str,
        subtype: str | None,
        sample_rate: int,
        codec_rate: int,
        media_type: str,
        compression: float | None = None,
    ) -> None:
        self.media_type = media_type
        self._sink = ForwardSink()
        # A stateful resampler: resampling each sentence on its own would leave a filter edge at every join.
        self._resampler = (
            soxr.ResampleStream(sample_rate, codec_rate, 1, quality="HQ") if codec_rate != sample_rate else None
        )
        bitrate_mode = "CONSTANT" if compression is not None else None
        self._file = soundfile.SoundFile(
            self._sink,  # soundfile's virtual I/O needs only write, seek and tell
            "w",
            codec_rate,
            1,
            subtype,
            format=container,
            compression_level=compression,
            bitrate_mode=bitrate_mode,
        )

    def add(self, audio: np.ndarray) -> bytes:
        self._write(np.asarray(audio, dtype=np.float32), last=False)
        return self._sink.take()

    def finish(self) -> bytes:
        self._write(np.zeros(0, dtype=np.float32), last=True)
        self._file.close()
        return self._sink.take()

    def _write(self, audio: np.ndarray, last: bool) -> None:
        if self._resampler is not None:
            audio = np.asarray(self._resampler.resample_chunk(audio, last=last), dtype=np.float32)
        if audio.size:
            self._file.write(np.clip(audio, -1.0, 1.0))


class ForwardSink:
    """A file-like object for libsndfile whose bytes can be taken away as they are written.

    Bytes already taken (sent to the client) cannot change any more: a codec that seeks back to patch a header
    when it closes finds those writes dropped, and what was sent stays a valid file (see the module notes).
    """

    def __init__(self) -> None:
        self._taken = 0  # bytes handed out so far; they sit at file offsets [0, _taken)
        self._pending = bytearray()  # file offsets [_taken, _taken + len(_pending))
        self._position = 0

    def take(self) -> bytes:
        """The bytes written since the last call."""
        out = bytes(self._pending)
        self._taken += len(out)
        self._pending.clear()
        return out

    def write(self, data: bytes) -> int:
        data = bytes(data)  # libsndfile hands over a cffi buffer
        start = self._position - self._taken
        skipped = min(len(data), max(0, -start))  # the part that would land in bytes already taken
        begin = start + skipped
        if begin > len(self._pending):  # a seek past the end leaves zeros, as in a file
            self._pending.extend(bytes(begin - len(self._pending)))
        self._pending[begin : begin + len(data) - skipped] = data[skipped:]
        self._position += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        size = self._taken + len(self._pending)
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: size}[whence]
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        return self._position
