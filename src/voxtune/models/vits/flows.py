"""Normalizing flow ``flow`` between the posterior latent ``z`` and the text-conditioned prior ``z_p``."""

from __future__ import annotations

import torch
from torch import nn

from voxtune.models.vits.layers import WN


class Flip(nn.Module):
    """Reverses the channel order so the next coupling layer transforms the other half; no parameters."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flip(x, [1])


class ResidualCouplingLayer(nn.Module):
    """Mean-only affine coupling: the second half of the channels is shifted by a WaveNet of the first half.

    ``x`` ``(B, C, T)``, mask ``(B, 1, T)``, optional ``g`` ``(B, gin, 1)``; volume preserving (log-det 0).
    """

    def __init__(
        self,
        channels: int,
        hidden_channels: int,
        kernel_size: int,
        dilation_rate: int,
        n_layers: int,
        gin_channels: int = 0,
    ) -> None:
        super().__init__()
        self.half_channels = channels // 2
        self.pre = nn.Conv1d(self.half_channels, hidden_channels, 1)
        self.enc = WN(hidden_channels, kernel_size, dilation_rate, n_layers, gin_channels=gin_channels)
        self.post = nn.Conv1d(hidden_channels, self.half_channels, 1)
        # Start as the identity so a fresh flow does not disturb training.
        nn.init.zeros_(self.post.weight)
        nn.init.zeros_(self.post.bias)  # type: ignore[arg-type]  # Conv1d built with bias=True

    def forward(
        self, x: torch.Tensor, x_mask: torch.Tensor, g: torch.Tensor | None = None, reverse: bool = False
    ) -> torch.Tensor:
        x0, x1 = torch.split(x, [self.half_channels, self.half_channels], dim=1)
        h = self.enc(self.pre(x0) * x_mask, x_mask, g=g)
        shift = self.post(h) * x_mask
        x1 = (x1 - shift) * x_mask if reverse else shift + x1 * x_mask
        return torch.cat([x0, x1], dim=1)


class ResidualCouplingBlock(nn.Module):
    """``flows``: coupling layers interleaved with :class:`Flip` (indices 0, 2, 4, ... are couplings)."""

    def __init__(
        self,
        channels: int,
        hidden_channels: int,
        kernel_size: int,
        dilation_rate: int,
        n_layers: int,
        n_flows: int = 4,
        gin_channels: int = 0,
    ) -> None:
        super().__init__()
        self.flows = nn.ModuleList()
        for _ in range(n_flows):
            self.flows.append(
                ResidualCouplingLayer(channels, hidden_channels, kernel_size, dilation_rate, n_layers, gin_channels)
            )
            self.flows.append(Flip())

    def forward(
        self, x: torch.Tensor, x_mask: torch.Tensor, g: torch.Tensor | None = None, reverse: bool = False
    ) -> torch.Tensor:
        """``z`` → ``z_p`` (or ``z_p`` → ``z`` when ``reverse``); ``(B, C, T)``."""
        flows = reversed(self.flows) if reverse else self.flows
        for flow in flows:
            x = flow(x) if isinstance(flow, Flip) else flow(x, x_mask, g=g, reverse=reverse)
        return x
