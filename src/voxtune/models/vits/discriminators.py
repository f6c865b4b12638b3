"""VITS's multi-period discriminator: one scale discriminator on the raw wave plus period discriminators.

Module and parameter names follow original VITS (``discriminators.0`` is :class:`DiscriminatorS`, then one
:class:`DiscriminatorP` per period, each with ``convs.N`` and ``conv_post``), so a VITS or Piper checkpoint's
discriminator loads by identity and fine-tuning can start from a trained one. Channel widths are arguments
(defaults are VITS's) so tests can build a tiny one.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from voxtune.models.vits.layers import WeightNormConv1d, WeightNormConv2d, get_padding

LRELU_SLOPE = 0.1

SCALE_CHANNELS: tuple[int, ...] = (16, 64, 256, 1024, 1024, 1024)
PERIOD_CHANNELS: tuple[int, ...] = (32, 128, 512, 1024, 1024)
PERIODS: tuple[int, ...] = (2, 3, 5, 7, 11)

# Scale discriminator layers as (kernel, stride, grouped); grouped layers see 4 input channels per group,
# which is what VITS's groups 4, 16, 64, 256 amount to at its widths.
_SCALE_LAYERS: tuple[tuple[int, int, bool], ...] = (
    (15, 1, False),
    (41, 4, True),
    (41, 4, True),
    (41, 4, True),
    (41, 4, True),
    (5, 1, False),
)
_CHANNELS_PER_GROUP = 4

# (real scores, fake scores, real feature maps, fake feature maps), one entry per discriminator.
DiscriminatorOutput = tuple[list[torch.Tensor], list[torch.Tensor], list[list[torch.Tensor]], list[list[torch.Tensor]]]


def _conv1d(
    in_channels: int, out_channels: int, kernel_size: int, stride: int, groups: int, spectral: bool
) -> nn.Module:
    padding = get_padding(kernel_size)
    if spectral:
        conv = nn.Conv1d(in_channels, out_channels, kernel_size, stride, padding, groups=groups)
        return nn.utils.spectral_norm(conv)
    return WeightNormConv1d(in_channels, out_channels, kernel_size, stride, padding, groups=groups)


def _conv2d(in_channels: int, out_channels: int, kernel_size: int, stride: int, spectral: bool) -> nn.Module:
    # Kernels run along time only: (k, 1) over the (T / period, period) view.
    kernel, strides, padding = (kernel_size, 1), (stride, 1), (get_padding(kernel_size), 0)
    if spectral:
        return nn.utils.spectral_norm(nn.Conv2d(in_channels, out_channels, kernel, strides, padding))
    return WeightNormConv2d(in_channels, out_channels, kernel, strides, padding)


class DiscriminatorS(nn.Module):
    """Strided, grouped 1-D convolutions over the raw wave ``(B, 1, T)``."""

    def __init__(self, channels: Sequence[int] = SCALE_CHANNELS, use_spectral_norm: bool = False) -> None:
        super().__init__()
        if len(channels) != len(_SCALE_LAYERS):
            raise ValueError(f"DiscriminatorS needs {len(_SCALE_LAYERS)} channel widths, got {len(channels)}")
        self.convs = nn.ModuleList()
        in_channels = 1
        for out_channels, (kernel, stride, grouped) in zip(channels, _SCALE_LAYERS, strict=True):
            groups = max(1, in_channels // _CHANNELS_PER_GROUP) if grouped else 1
            if in_channels % groups or out_channels % groups:
                raise ValueError(f"DiscriminatorS widths {tuple(channels)} do not divide into groups of 4")
            self.convs.append(_conv1d(in_channels, out_channels, kernel, stride, groups, use_spectral_norm))
            in_channels = out_channels
        self.conv_post = _conv1d(in_channels, 1, 3, 1, 1, use_spectral_norm)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Wave ``(B, 1, T)`` → scores ``(B, T')`` and the feature map after every conv (``conv_post`` last)."""
        fmap = []
        for conv in self.convs:
            x = F.leaky_relu(conv(x), LRELU_SLOPE)
            fmap.append(x)
        x = self.conv_post(x)
        fmap.append(x)
        return torch.flatten(x, 1, -1), fmap


class DiscriminatorP(nn.Module):
    """2-D convolutions over the wave folded into ``(B, 1, T / period, period)``: sees period-spaced samples."""

    def __init__(
        self,
        period: int,
        channels: Sequence[int] = PERIOD_CHANNELS,
        kernel_size: int = 5,
        stride: int = 3,
        use_spectral_norm: bool = False,
    ) -> None:
        super().__init__()
        self.period = period
        self.convs = nn.ModuleList()
        in_channels = 1
        for i, out_channels in enumerate(channels):
            # The last conv keeps the resolution; the others downsample time by `stride`.
            layer_stride = stride if i < len(channels) - 1 else 1
            self.convs.append(_conv2d(in_channels, out_channels, kernel_size, layer_stride, use_spectral_norm))
            in_channels = out_channels
        self.conv_post = _conv2d(in_channels, 1, 3, 1, use_spectral_norm)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Wave ``(B, 1, T)`` → scores ``(B, T'')`` and the feature map after every conv (``conv_post`` last)."""
        batch, channels, length = x.shape
        if length % self.period:
            # Reflect-pad to a whole number of periods, as VITS does, so the fold below is exact.
            n_pad = self.period - length % self.period
            x = F.pad(x, (0, n_pad), mode="reflect")
            length += n_pad
        x = x.view(batch, channels, length // self.period, self.period)
        fmap = []
        for conv in self.convs:
            x = F.leaky_relu(conv(x), LRELU_SLOPE)
            fmap.append(x)
        x = self.conv_post(x)
        fmap.append(x)
        return torch.flatten(x, 1, -1), fmap


class MultiPeriodDiscriminator(nn.Module):
    """VITS's discriminator: :class:`DiscriminatorS` then one :class:`DiscriminatorP` per period."""

    def __init__(
        self,
        periods: Sequence[int] = PERIODS,
        scale_channels: Sequence[int] = SCALE_CHANNELS,
        period_channels: Sequence[int] = PERIOD_CHANNELS,
        use_spectral_norm: bool = False,
    ) -> None:
        super().__init__()
        discriminators: list[nn.Module] = [DiscriminatorS(scale_channels, use_spectral_norm)]
        for period in periods:
            discriminators.append(DiscriminatorP(period, period_channels, use_spectral_norm=use_spectral_norm))
        self.discriminators = nn.ModuleList(discriminators)

    def forward(self, y: torch.Tensor, y_hat: torch.Tensor) -> DiscriminatorOutput:
        """Score real ``y`` and generated ``y_hat`` waves, both ``(B, 1, T)``.

        Returns ``(y_d_rs, y_d_gs, fmap_rs, fmap_gs)``: per discriminator, the real and generated scores
        ``(B, T_d)`` and the real and generated feature maps (lists of ``(B, C, ...)``), in VITS's order.
        """
        y_d_rs, y_d_gs, fmap_rs, fmap_gs = [], [], [], []
        for discriminator in self.discriminators:
            y_d_r, fmap_r = discriminator(y)
            y_d_g, fmap_g = discriminator(y_hat)
            y_d_rs.append(y_d_r)
            y_d_gs.append(y_d_g)
            fmap_rs.append(fmap_r)
            fmap_gs.append(fmap_g)
        return y_d_rs, y_d_gs, fmap_rs, fmap_gs
