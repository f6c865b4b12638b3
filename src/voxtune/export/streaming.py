"""The streaming split of an exported voice: ``NAME.encoder.onnx`` (ids → latent frames) and
``NAME.decoder.onnx`` (latent frames → audio), written beside ``NAME.onnx``.

The full graph must run to the end before any audio exists. The split lets a runtime run the cheap part (text
encoder, duration predictor, flow: about a third of the work) once, then decode the latent ``z`` a chunk of
frames at a time and play each chunk while the next is decoded. The decoder (HiFi-GAN) is convolutional, so a
chunk decoded with :func:`decoder_context_frames` extra frames on each side, then trimmed, equals the same
samples of the whole decode. Piper's own streaming export splits the same way (encoder → ``z``, ``y_mask``,
``g``; decoder ← ``z``, ``g``).

Encoder: inputs as the full graph (``input``, ``input_lengths``, ``scales``[, ``sid``]); outputs ``z``
``(B, inter, T_frames)``, ``y_mask`` ``(B, 1, T_frames)`` and, for several speakers, ``g`` ``(B, gin, 1)``.
Decoder: inputs ``z`` ``(B, inter, T_chunk)``[, ``g``]; output ``audio`` ``(B, 1, T_chunk * hop)``.
The voice's ``.onnx.json`` names both files under ``streaming``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from voxtune.config import ModelConfig
from voxtune.export.onnx import folded_copy, write_graph
from voxtune.export.verify import MIN_SNR_DB, probe_ids, snr_db
from voxtune.models.vits.layers import sequence_mask
from voxtune.models.vits.model import VITS, generate_path
from voxtune.pretrained.checkpoint import VoiceCheckpoint

# Small enough that the probe utterances cross many chunk boundaries, which is what the check is about.
VERIFY_CHUNK_FRAMES = 16
# The decoder's first and last convolutions (``conv_pre``, ``conv_post``) have kernel 7 in every HiFi-GAN preset.
_OUTER_KERNEL = 7


class EncoderGraph(VITS):
    """Everything before the decoder: the first half of :meth:`VITS.infer`, repeated here because the model
    module offers no entry point that stops at ``z`` (the verification checks the two halves against the full
    graph, so a drift between them fails the export)."""

    def forward(  # type: ignore[override]
        self, text: torch.Tensor, lengths: torch.Tensor, scales: torch.Tensor, sid: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, ...]:
        hidden, m_p, logs_p, x_mask = self.enc_p(text, lengths)
        g = self.speaker_embedding(sid)
        logw = self.dp(hidden, x_mask, g=g, reverse=True, noise_scale=scales[2])
        w_ceil = torch.ceil(torch.exp(logw) * x_mask * scales[1])
        y_lengths = torch.clamp_min(torch.sum(w_ceil, [1, 2]), 1).long()
        y_mask = sequence_mask(y_lengths).unsqueeze(1).to(x_mask.dtype)
        attn = generate_path(w_ceil.squeeze(1), x_mask.unsqueeze(2) * y_mask.unsqueeze(-1))
        m_p = torch.matmul(attn.squeeze(1), m_p.transpose(1, 2)).transpose(1, 2)
        logs_p = torch.matmul(attn.squeeze(1), logs_p.transpose(1, 2)).transpose(1, 2)
        z_p = m_p + torch.randn_like(m_p) * torch.exp(logs_p) * scales[0]
        z = self.flow(z_p, y_mask, g=g, reverse=True) * y_mask
        return (z, y_mask) if g is None else (z, y_mask, g)


class DecoderGraph(VITS):
    """The decoder alone (a :class:`VITS` subclass so its node and weight names stay ``/dec/...``)."""

    def forward(self, z: torch.Tensor, g: torch.Tensor | None = None) -> torch.Tensor:  # type: ignore[override]
        return self.dec(z, g=g)


@dataclass(frozen=True)
class StreamingVerification:
    """SNR against the full graph at noise 0 per probe utterance: decoding all of ``z`` at once, and decoding it
    in chunks of ``chunk_frames`` (``chunks`` per probe) with the context overlap."""

    whole_snr_db: tuple[float, ...]
    chunked_snr_db: tuple[float, ...]
    chunks: tuple[int, ...]
    chunk_frames: int
    equal_length: bool

    @property
    def min_snr_db(self) -> float:
        return min(self.whole_snr_db + self.chunked_snr_db)

    @property
    def passed(self) -> bool:
        return self.equal_length and self.min_snr_db >= MIN_SNR_DB


@dataclass(frozen=True)
class StreamingExport:
    encoder: Path
    decoder: Path
    context_frames: int
    verification: StreamingVerification | None


def streaming_paths(output: Path) -> tuple[Path, Path]:
    """``voice.onnx`` → (``voice.encoder.onnx``, ``voice.decoder.onnx``)."""
    return output.with_suffix(".encoder.onnx"), output.with_suffix(".decoder.onnx")


def decoder_context_frames(config: ModelConfig) -> int:
    """Latent frames on each side that decide a decoded frame's samples: the decoder's receptive radius, walked
    back from the output (``conv_post``) through each upsampling stage to ``conv_pre``.

    A chunk decoded with this many extra frames each side and trimmed is exact (to float rounding).
    """
    radius = _OUTER_KERNEL // 2  # conv_post, in output samples
    stages = list(zip(config.upsample_rates, config.upsample_kernel_sizes, strict=True))
    for rate, kernel in reversed(stages):
        radius += max(
            _resblock_radius(config.resblock, k, d)
            for k, d in zip(config.resblock_kernel_sizes, config.resblock_dilation_sizes, strict=True)
        )
        # A transposed convolution (stride ``rate``, padding ``(kernel - rate) // 2``): output samples
        # [a*rate, b*rate) read inputs from a - floor((r - p + K - 1) / rate) to b - 1 + floor((r + p - 1) / rate) + 1.
        padding = (kernel - rate) // 2
        left = (radius - padding + kernel - 1) // rate
        right = (radius + padding - 1) // rate + 1
        radius = max(left, right)
    return radius + _OUTER_KERNEL // 2  # conv_pre, in latent frames


def _resblock_radius(resblock: str, kernel: int, dilations: tuple[int, ...] | list[int]) -> int:
    half = (kernel - 1) // 2
    if resblock == "1":  # a dilated conv then a plain conv per dilation
        return sum(half * d + half for d in dilations)
    return sum(half * d for d in dilations)


def export_streaming(checkpoint: VoiceCheckpoint, output: Path) -> tuple[Path, Path, int]:
    """Write the encoder and decoder graphs beside ``output`` and note them in ``output``'s ``.json`` (which
    :func:`~voxtune.export.onnx.export_onnx` wrote first); returns both paths and the context frames."""
    encoder_path, decoder_path = streaming_paths(output)
    multi = checkpoint.config.model.n_speakers > 1
    args: tuple[Any, ...] = (torch.randint(3, 40, (1, 20)), torch.tensor([20]), torch.tensor([0.667, 1.0, 0.8]))
    names = ["input", "input_lengths", "scales"]
    outputs = ["z", "y_mask"]
    axes = {"input": {0: "batch_size", 1: "phonemes"}, "input_lengths": {0: "batch_size"}}
    axes |= {"z": {0: "batch_size", 2: "frames"}, "y_mask": {0: "batch_size", 2: "frames"}}
    if multi:
        args += (torch.tensor([0]),)
        names.append("sid")
        outputs.append("g")
        axes |= {"sid": {0: "batch_size"}, "g": {0: "batch_size"}}
    write_graph(folded_copy(checkpoint, EncoderGraph), args, encoder_path, names, outputs, axes)

    model = checkpoint.config.model
    decoder_args: tuple[Any, ...] = (torch.randn(1, model.inter_channels, 30),)
    decoder_names = ["z"]
    decoder_axes = {"z": {0: "batch_size", 2: "frames"}, "audio": {0: "batch_size", 2: "samples"}}
    if multi:
        decoder_args += (torch.randn(1, model.gin_channels, 1),)
        decoder_names.append("g")
        decoder_axes["g"] = {0: "batch_size"}
    decoder = folded_copy(checkpoint, DecoderGraph)
    write_graph(decoder, decoder_args, decoder_path, decoder_names, ["audio"], decoder_axes)

    context = decoder_context_frames(model)
    config_path = output.with_name(output.name + ".json")
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["streaming"] = {
        "encoder": encoder_path.name,
        "decoder": decoder_path.name,
        "hop_length": math.prod(model.upsample_rates),
        "decoder_context_frames": context,
    }
    partial = config_path.with_name(config_path.name + ".partial")
    partial.write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")
    partial.replace(config_path)
    return encoder_path, decoder_path, context


def verify_streaming(
    output: Path, checkpoint: VoiceCheckpoint, chunk_frames: int = VERIFY_CHUNK_FRAMES
) -> StreamingVerification:
    """Compare the split graphs with the full graph ``output`` in onnxruntime at noise 0 on the probe utterances."""
    from voxtune.synth.backends import OnnxBackend, Scales
    from voxtune.synth.onnx_stream import StreamingOnnxVoice

    full = OnnxBackend(output, fast_layout=False)  # the graph as written, in onnxruntime as it comes
    streamer = StreamingOnnxVoice(output)
    silent = Scales(noise_scale=0.0, length_scale=1.0, noise_w=0.0)
    speaker = 0 if checkpoint.config.model.n_speakers > 1 else None
    whole, chunked, counts, equal = [], [], [], True
    for ids in probe_ids(checkpoint):
        reference = full.speak(ids, silent, speaker).audio.astype(np.float64)
        latent = streamer.encode(ids, silent, speaker)
        at_once = streamer.decode(latent).astype(np.float64)
        pieces = list(streamer.decode_chunks(latent, chunk_frames))
        in_chunks = np.concatenate(pieces).astype(np.float64)
        equal = equal and len(at_once) == len(in_chunks) == len(reference)
        whole.append(snr_db(reference, at_once))
        chunked.append(snr_db(reference, in_chunks))
        counts.append(len(pieces))
    return StreamingVerification(tuple(whole), tuple(chunked), tuple(counts), chunk_frames, equal)
