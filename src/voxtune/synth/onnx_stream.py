"""Streaming synthesis from a voice exported with ``voxtune export --streaming``: run the encoder graph once,
then decode the latent frames a chunk at a time, so the first audio is ready after the encoder and one chunk
instead of after the whole utterance.

    voice = StreamingOnnxVoice("voice.onnx")
    for audio in voice.stream(ids):   # float32 (T_chunk,) pieces; concatenated they are the whole utterance
        play(audio)

Each chunk is decoded with ``decoder_context_frames`` frames of ``z`` on each side (from the ``.onnx.json``)
and trimmed back to its own frames, which makes the pieces equal to a whole decode.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voxtune.errors import VoxtuneError
from voxtune.synth.backends import Scales, piper_feeds

# 64 frames of joe (hop 256 at 22.05 kHz) are 0.74 s of audio. The encoder dominates the time to the first chunk
# (measured: 16, 32 and 64 frames all ready within 5 % of each other), while smaller chunks pay more for the
# context decoded twice (all chunks: 1.75x / 1.32x / 1.12x the full graph's time). BENCHMARKS.md, export section.
DEFAULT_CHUNK_FRAMES = 64


@dataclass(frozen=True)
class Span:
    """Decode frames ``[lo, hi)`` of ``z``; keep the samples of frames ``[start, end)``."""

    lo: int
    start: int
    end: int
    hi: int


def chunk_spans(frames: int, chunk_frames: int, context_frames: int) -> list[Span]:
    """Cut ``frames`` latent frames into chunks of ``chunk_frames`` with ``context_frames`` of overlap each side
    (clipped at the utterance's ends, where a whole decode has no neighbours either)."""
    if chunk_frames < 1:
        raise ValueError(f"chunk_frames must be at least 1, got {chunk_frames}")
    spans = []
    for start in range(0, frames, chunk_frames):
        end = min(frames, start + chunk_frames)
        spans.append(Span(max(0, start - context_frames), start, end, min(frames, end + context_frames)))
    return spans


@dataclass
class Latent:
    """The encoder's output for one utterance: ``z`` ``(1, inter, T_frames)`` and the speaker conditioning
    ``g`` ``(1, gin, 1)`` of a multi-speaker voice."""

    z: np.ndarray
    g: np.ndarray | None = None

    @property
    def frames(self) -> int:
        return int(self.z.shape[2])


class StreamingOnnxVoice:
    """The encoder and decoder graphs named in ``onnx_path``'s ``.onnx.json`` (key ``streaming``)."""

    def __init__(self, onnx_path: str | Path, num_threads: int | None = None) -> None:
        from voxtune.synth.onnx_graph import open_session

        onnx_path = Path(onnx_path)
        config_path = onnx_path.with_name(onnx_path.name + ".json")
        if not config_path.is_file():
            raise VoxtuneError(f"{config_path} not found (the voice's config, written by voxtune export)")
        config = json.loads(config_path.read_text(encoding="utf-8"))
        note = config.get("streaming")
        if not note:
            raise VoxtuneError(f"{onnx_path} has no streaming graphs; export it with voxtune export --streaming")
        self.hop_length = int(note["hop_length"])
        self.context_frames = int(note["decoder_context_frames"])
        inference = config.get("inference", {})
        self.default_scales = Scales(
            inference.get("noise_scale", Scales.noise_scale),
            inference.get("length_scale", Scales.length_scale),
            inference.get("noise_w", Scales.noise_w),
        )
        # Both graphs in the fast convolution layout, as OnnxBackend runs the full one (same audio to rounding).
        self.encoder = open_session(onnx_path.parent / note["encoder"], num_threads)
        self.decoder = open_session(onnx_path.parent / note["decoder"], num_threads)
        self._multi = "sid" in {i.name for i in self.encoder.get_inputs()}

    def encode(self, ids: list[int], scales: Scales, speaker_id: int | None = None) -> Latent:
        outputs = self.encoder.run(None, piper_feeds(ids, scales, speaker_id, with_sid=self._multi))
        return Latent(outputs[0], outputs[2] if self._multi else None)

    def decode(self, latent: Latent, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """Audio ``(T,)`` of frames ``[lo, hi)`` of the latent, decoded on their own."""
        feeds = {"z": np.ascontiguousarray(latent.z[:, :, lo:hi])}
        if latent.g is not None:
            feeds["g"] = latent.g
        return np.asarray(self.decoder.run(None, feeds)[0], dtype=np.float32).reshape(-1)

    def decode_chunks(self, latent: Latent, chunk_frames: int = DEFAULT_CHUNK_FRAMES) -> Iterator[np.ndarray]:
        """The latent's audio, a chunk of ``chunk_frames`` frames at a time."""
        hop = self.hop_length
        for span in chunk_spans(latent.frames, chunk_frames, self.context_frames):
            audio = self.decode(latent, span.lo, span.hi)
            yield audio[(span.start - span.lo) * hop : (span.end - span.lo) * hop]

    def stream(
        self,
        ids: list[int],
        scales: Scales | None = None,
        speaker_id: int | None = None,
        chunk_frames: int = DEFAULT_CHUNK_FRAMES,
    ) -> Iterator[np.ndarray]:
        """Phoneme ids → float32 audio pieces, the first after the encoder and one chunk's decode."""
        yield from self.decode_chunks(self.encode(ids, scales or self.default_scales, speaker_id), chunk_frames)
