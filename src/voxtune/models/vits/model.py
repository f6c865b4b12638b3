"""The VITS generator: assembles the components; ``forward()`` computes training outputs, ``infer()`` speaks.

Module names (``enc_p``, ``enc_q``, ``flow``, ``dp``, ``dec``, ``emb_g``) are those of original VITS and Piper, so
their checkpoints load by an identity key map. Losses and discriminators live elsewhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from voxtune.config import ModelConfig
from voxtune.models.vits.alignment import maximum_path
from voxtune.models.vits.decoder import Generator
from voxtune.models.vits.duration import DurationPredictor, StochasticDurationPredictor
from voxtune.models.vits.flows import ResidualCouplingBlock
from voxtune.models.vits.layers import sequence_mask
from voxtune.models.vits.posterior_encoder import PosteriorEncoder
from voxtune.models.vits.text_encoder import TextEncoder


@dataclass
class InferenceOutput:
    """What :meth:`VITS.infer` returns.

    ``audio`` ``(B, 1, T_frames * hop)`` in [-1, 1]; ``durations`` ``(B, T_text)`` frames per input id (the
    rounded-up durations that were used); ``lengths`` ``(B,)`` valid frames per item; ``latent`` the decoder
    input ``z`` ``(B, inter, T_frames)`` (the posterior encoder's target when it is rebuilt by self-distillation).
    """

    audio: torch.Tensor
    durations: torch.Tensor
    lengths: torch.Tensor
    latent: torch.Tensor


@dataclass
class TrainOutput:
    """What :meth:`VITS.forward` returns for the losses in ``voxtune.train``.

    ``audio`` ``(B, 1, segment)`` decoded random slices; ``ids_slice`` ``(B,)`` their start frames;
    ``duration_loss`` ``(B,)``; ``attn`` ``(B, 1, T_frames, T_text)``; masks ``(B, 1, T)``;
    ``z_p, m_p, logs_p`` ``(B, C, T_frames)`` (prior expanded by ``attn``); ``m_q, logs_q`` posterior stats.
    """

    audio: torch.Tensor
    duration_loss: torch.Tensor
    attn: torch.Tensor
    ids_slice: torch.Tensor
    x_mask: torch.Tensor
    y_mask: torch.Tensor
    z: torch.Tensor
    z_p: torch.Tensor
    m_p: torch.Tensor
    logs_p: torch.Tensor
    m_q: torch.Tensor
    logs_q: torch.Tensor


class VITS(nn.Module):
    """VITS generator built from a :class:`ModelConfig` (the Piper voices are instances of it)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        c = config
        self.config = config
        self.enc_p = TextEncoder(
            c.num_symbols,
            c.inter_channels,
            c.hidden_channels,
            c.filter_channels,
            c.n_heads,
            c.n_layers,
            c.kernel_size,
            c.p_dropout,
        )
        self.dec = Generator(
            c.inter_channels,
            c.resblock,
            c.resblock_kernel_sizes,
            c.resblock_dilation_sizes,
            c.upsample_rates,
            c.upsample_initial_channel,
            c.upsample_kernel_sizes,
            gin_channels=c.gin_channels,
        )
        self.enc_q = PosteriorEncoder(
            c.spec_channels,
            c.inter_channels,
            c.hidden_channels,
            c.posterior_kernel_size,
            1,
            c.posterior_n_layers,
            gin_channels=c.gin_channels,
        )
        self.flow = ResidualCouplingBlock(
            c.inter_channels,
            c.hidden_channels,
            c.flow_kernel_size,
            1,
            c.flow_n_layers,
            n_flows=c.n_flows,
            gin_channels=c.gin_channels,
        )
        self.dp: StochasticDurationPredictor | DurationPredictor
        if c.use_sdp:
            self.dp = StochasticDurationPredictor(c.hidden_channels, 3, 0.5, 4, gin_channels=c.gin_channels)
        else:
            self.dp = DurationPredictor(c.hidden_channels, c.dp_filter_channels, 3, 0.5, gin_channels=c.gin_channels)
        if c.n_speakers > 1:
            self.emb_g = nn.Embedding(c.n_speakers, c.gin_channels)

    def speaker_embedding(self, sid: torch.Tensor | None) -> torch.Tensor | None:
        """``(B,)`` speaker ids → conditioning ``(B, gin, 1)``; ``None`` for a single-speaker model."""
        if self.config.n_speakers <= 1:
            return None
        if sid is None:
            raise ValueError("this voice has several speakers: a speaker id is required")
        return self.emb_g(sid).unsqueeze(-1)

    @torch.no_grad()
    def infer(
        self,
        x: torch.Tensor,
        x_lengths: torch.Tensor,
        sid: torch.Tensor | None = None,
        noise_scale: float | torch.Tensor = 0.667,
        length_scale: float | torch.Tensor = 1.0,
        noise_scale_w: float | torch.Tensor = 0.8,
    ) -> InferenceOutput:
        """Phoneme ids ``(B, T_text)`` with lengths ``(B,)`` → audio; the sampling scales are Piper's."""
        hidden, m_p, logs_p, x_mask = self.enc_p(x, x_lengths)
        g = self.speaker_embedding(sid)
        logw = self.dp(hidden, x_mask, g=g, reverse=True, noise_scale=noise_scale_w)
        w_ceil = torch.ceil(torch.exp(logw) * x_mask * length_scale)
        y_lengths = torch.clamp_min(torch.sum(w_ceil, [1, 2]), 1).long()
        y_mask = sequence_mask(y_lengths).unsqueeze(1).to(x_mask.dtype)
        attn = generate_path(w_ceil.squeeze(1), x_mask.unsqueeze(2) * y_mask.unsqueeze(-1))
        m_p = torch.matmul(attn.squeeze(1), m_p.transpose(1, 2)).transpose(1, 2)
        logs_p = torch.matmul(attn.squeeze(1), logs_p.transpose(1, 2)).transpose(1, 2)
        z_p = m_p + torch.randn_like(m_p) * torch.exp(logs_p) * noise_scale
        z = self.flow(z_p, y_mask, g=g, reverse=True)
        z = z * y_mask
        audio = self.dec(z, g=g)
        return InferenceOutput(audio=audio, durations=w_ceil.squeeze(1).long(), lengths=y_lengths, latent=z)

    def forward(
        self,
        x: torch.Tensor,
        x_lengths: torch.Tensor,
        spec: torch.Tensor,
        spec_lengths: torch.Tensor,
        sid: torch.Tensor | None = None,
    ) -> TrainOutput:
        """Ids ``(B, T_text)`` and linear spectrograms ``(B, spec_channels, T_frames)`` → training outputs."""
        hidden, m_p, logs_p, x_mask = self.enc_p(x, x_lengths)
        g = self.speaker_embedding(sid)
        z, m_q, logs_q, y_mask = self.enc_q(spec, spec_lengths, g=g)
        z_p = self.flow(z, y_mask, g=g)

        attn = align(z_p, m_p, logs_p, x_mask, y_mask)

        w = attn.sum(2)  # (B, 1, T_text) frames per phoneme
        if isinstance(self.dp, StochasticDurationPredictor):
            duration_loss = self.dp(hidden, x_mask, w, g=g) / torch.sum(x_mask)
        else:
            logw_target = torch.log(w + 1e-6) * x_mask
            logw = self.dp(hidden, x_mask, g=g)
            duration_loss = torch.sum((logw - logw_target) ** 2, [1, 2]) / torch.sum(x_mask)

        m_p = torch.matmul(attn.squeeze(1), m_p.transpose(1, 2)).transpose(1, 2)
        logs_p = torch.matmul(attn.squeeze(1), logs_p.transpose(1, 2)).transpose(1, 2)

        segment_frames = self.config.segment_size // self.config.hop_length
        z_slice, ids_slice = random_slice_segments(z, spec_lengths, segment_frames)
        audio = self.dec(z_slice, g=g)
        return TrainOutput(
            audio=audio,
            duration_loss=duration_loss,
            attn=attn,
            ids_slice=ids_slice,
            x_mask=x_mask,
            y_mask=y_mask,
            z=z,
            z_p=z_p,
            m_p=m_p,
            logs_p=logs_p,
            m_q=m_q,
            logs_q=logs_q,
        )


@torch.no_grad()
def align(
    z_p: torch.Tensor, m_p: torch.Tensor, logs_p: torch.Tensor, x_mask: torch.Tensor, y_mask: torch.Tensor
) -> torch.Tensor:
    """Monotonic alignment of latent frames ``z_p`` ``(B, C, T_frames)`` to the prior of each phoneme
    (``m_p``, ``logs_p`` ``(B, C, T_text)``) maximizing the likelihood; masks ``(B, 1, T)``.

    Returns ``(B, 1, T_frames, T_text)`` with a 1 where a frame belongs to a phoneme.
    """
    attn_mask = x_mask.unsqueeze(2) * y_mask.unsqueeze(-1)  # (B, 1, T_frames, T_text)
    log_likelihood = _prior_log_likelihood(z_p, m_p, logs_p)  # (B, T_frames, T_text)
    path = maximum_path(log_likelihood.transpose(1, 2), attn_mask.squeeze(1).transpose(1, 2))
    return path.transpose(1, 2).unsqueeze(1).to(z_p.dtype)


def _prior_log_likelihood(z_p: torch.Tensor, m_p: torch.Tensor, logs_p: torch.Tensor) -> torch.Tensor:
    """log N(z_p[:, :, frame] | m_p[:, :, phoneme], exp(logs_p)) summed over channels: ``(B, T_frames, T_text)``."""
    inv_var = torch.exp(-2 * logs_p)  # (B, C, T_text)
    term1 = torch.sum(-0.5 * math.log(2 * math.pi) - logs_p, [1], keepdim=True)
    term2 = torch.matmul(-0.5 * (z_p**2).transpose(1, 2), inv_var)
    term3 = torch.matmul(z_p.transpose(1, 2), m_p * inv_var)
    term4 = torch.sum(-0.5 * (m_p**2) * inv_var, [1], keepdim=True)
    return term1 + term2 + term3 + term4


def generate_path(durations: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Hard monotonic alignment from integer durations ``(B, T_text)``; mask ``(B, 1, T_frames, T_text)``.

    Returns ``(B, 1, T_frames, T_text)`` with a 1 where frame ``f`` belongs to phoneme ``t``.
    """
    frames = mask.size(2)
    cumulative = torch.cumsum(durations, dim=-1)  # (B, T_text)
    positions = torch.arange(frames, device=durations.device, dtype=cumulative.dtype).view(1, frames, 1)
    ends = cumulative.unsqueeze(1)
    starts = (cumulative - durations).unsqueeze(1)
    path = ((positions >= starts) & (positions < ends)).to(mask.dtype)
    return path.unsqueeze(1) * mask


def random_slice_segments(
    x: torch.Tensor, lengths: torch.Tensor, segment_frames: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random windows of ``segment_frames`` frames from ``x`` ``(B, C, T)`` within each item's length.

    Returns ``(B, C, segment_frames)`` and the start frames ``(B,)``. Items shorter than the window are
    zero-padded on the right.
    """
    if x.size(2) < segment_frames:
        x = F.pad(x, [0, segment_frames - x.size(2)])
    max_start = torch.clamp_min(lengths - segment_frames, 0) + 1
    starts = (torch.rand(x.size(0), device=x.device) * max_start.to(torch.float32)).long()
    index = starts.view(-1, 1, 1) + torch.arange(segment_frames, device=x.device).view(1, 1, -1)
    return torch.gather(x, 2, index.expand(x.size(0), x.size(1), segment_frames)), starts
