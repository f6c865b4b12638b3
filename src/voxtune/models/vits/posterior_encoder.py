"""Posterior encoder ``enc_q``: linear spectrogram → latent ``z`` (training only; inference never runs it)."""

from __future__ import annotations

import torch
from torch import nn

from voxtune.models.vits.layers import WN, sequence_mask


class PosteriorEncoder(nn.Module):
    """Spectrogram ``(B, spec_channels, T)`` + lengths ``(B,)`` → ``z``, mean, log-std ``(B, inter, T)`` and
    mask ``(B, 1, T)``; ``z`` is sampled from N(mean, exp(log-std))."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        hidden_channels: int,
        kernel_size: int,
        dilation_rate: int,
        n_layers: int,
        gin_channels: int = 0,
    ) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.pre = nn.Conv1d(in_channels, hidden_channels, 1)
        self.enc = WN(hidden_channels, kernel_size, dilation_rate, n_layers, gin_channels=gin_channels)
        self.proj = nn.Conv1d(hidden_channels, out_channels * 2, 1)

    def forward(
        self, x: torch.Tensor, x_lengths: torch.Tensor, g: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        x_mask = sequence_mask(x_lengths, x.size(2)).unsqueeze(1).to(x.dtype)
        x = self.enc(self.pre(x) * x_mask, x_mask, g=g)
        stats = self.proj(x) * x_mask
        m, logs = torch.split(stats, self.out_channels, dim=1)
        z = (m + torch.randn_like(m) * torch.exp(logs)) * x_mask
        return z, m, logs, x_mask
