"""Duration predictors ``dp``: how many latent frames each phoneme lasts.

:class:`StochasticDurationPredictor` (VITS's flow-based predictor, trained by variational NLL) and the simpler
:class:`DurationPredictor` (regression on log-durations). Both predict ``log w`` ``(B, 1, T_text)``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from voxtune.models.vits.layers import LayerNorm
from voxtune.models.vits.spline import rational_quadratic_spline


class DDSConv(nn.Module):
    """Dilated depth-separable convolution stack with residual connections; ``(B, C, T)``."""

    def __init__(self, channels: int, kernel_size: int, n_layers: int, p_dropout: float = 0.0) -> None:
        super().__init__()
        self.drop = nn.Dropout(p_dropout)
        self.convs_sep = nn.ModuleList()
        self.convs_1x1 = nn.ModuleList()
        self.norms_1 = nn.ModuleList()
        self.norms_2 = nn.ModuleList()
        for i in range(n_layers):
            dilation = kernel_size**i
            padding = (kernel_size * dilation - dilation) // 2
            self.convs_sep.append(
                nn.Conv1d(channels, channels, kernel_size, groups=channels, dilation=dilation, padding=padding)
            )
            self.convs_1x1.append(nn.Conv1d(channels, channels, 1))
            self.norms_1.append(LayerNorm(channels))
            self.norms_2.append(LayerNorm(channels))

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor, g: torch.Tensor | None = None) -> torch.Tensor:
        if g is not None:
            x = x + g
        for conv_sep, conv_1x1, norm_1, norm_2 in zip(
            self.convs_sep, self.convs_1x1, self.norms_1, self.norms_2, strict=True
        ):
            y = F.gelu(norm_1(conv_sep(x * x_mask)))
            y = F.gelu(norm_2(conv_1x1(y)))
            x = x + self.drop(y)
        return x * x_mask


class ElementwiseAffine(nn.Module):
    """``y = m + exp(logs) * x`` per channel; parameters ``m``, ``logs`` ``(C, 1)``."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.m = nn.Parameter(torch.zeros(channels, 1))
        self.logs = nn.Parameter(torch.zeros(channels, 1))

    def forward(
        self, x: torch.Tensor, x_mask: torch.Tensor, g: torch.Tensor | None = None, reverse: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if reverse:
            return (x - self.m) * torch.exp(-self.logs) * x_mask, torch.zeros(x.size(0), device=x.device)
        y = (self.m + torch.exp(self.logs) * x) * x_mask
        return y, torch.sum(self.logs * x_mask, [1, 2])


class ConvFlow(nn.Module):
    """Neural-spline coupling: the second half of the channels goes through a rational-quadratic spline whose
    parameters a DDSConv predicts from the first half (and the conditioning ``g``)."""

    def __init__(
        self,
        in_channels: int,
        filter_channels: int,
        kernel_size: int,
        n_layers: int,
        num_bins: int = 10,
        tail_bound: float = 5.0,
    ) -> None:
        super().__init__()
        self.filter_channels = filter_channels
        self.num_bins = num_bins
        self.tail_bound = tail_bound
        self.half_channels = in_channels // 2
        self.pre = nn.Conv1d(self.half_channels, filter_channels, 1)
        self.convs = DDSConv(filter_channels, kernel_size, n_layers, p_dropout=0.0)
        self.proj = nn.Conv1d(filter_channels, self.half_channels * (num_bins * 3 - 1), 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)  # type: ignore[arg-type]  # Conv1d built with bias=True

    def forward(
        self, x: torch.Tensor, x_mask: torch.Tensor, g: torch.Tensor | None = None, reverse: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        x0, x1 = torch.split(x, [self.half_channels, self.half_channels], dim=1)
        h = self.proj(self.convs(self.pre(x0), x_mask, g=g)) * x_mask
        batch, channels, length = x0.shape
        h = h.reshape(batch, channels, -1, length).permute(0, 1, 3, 2)  # (B, C/2, T, 3K - 1)
        scale = math.sqrt(self.filter_channels)
        widths = h[..., : self.num_bins] / scale
        heights = h[..., self.num_bins : 2 * self.num_bins] / scale
        derivatives = h[..., 2 * self.num_bins :]
        x1, logabsdet = rational_quadratic_spline(
            x1, widths, heights, derivatives, inverse=reverse, tail_bound=self.tail_bound
        )
        x = torch.cat([x0, x1], dim=1) * x_mask
        return x, torch.sum(logabsdet * x_mask, [1, 2])


class _FlipFlow(nn.Module):
    """Channel reversal in the (x, log-det) convention of the duration flows."""

    def forward(
        self, x: torch.Tensor, x_mask: torch.Tensor, g: torch.Tensor | None = None, reverse: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.flip(x, [1]), torch.zeros(x.size(0), device=x.device)


def _flow_stack(filter_channels: int, kernel_size: int, n_flows: int) -> nn.ModuleList:
    flows: list[nn.Module] = [ElementwiseAffine(2)]
    for _ in range(n_flows):
        flows.append(ConvFlow(2, filter_channels, kernel_size, n_layers=3))
        flows.append(_FlipFlow())
    return nn.ModuleList(flows)


class StochasticDurationPredictor(nn.Module):
    """VITS's stochastic duration predictor.

    ``forward(x, x_mask, w)`` returns the per-utterance NLL bound ``(B,)`` of durations ``w`` ``(B, 1, T)``;
    ``infer(x, x_mask, noise_scale)`` samples ``log w`` ``(B, 1, T)``. ``x`` is the text encoder's hidden
    ``(B, H, T)``; gradients do not flow back into it.
    """

    def __init__(
        self, in_channels: int, kernel_size: int = 3, p_dropout: float = 0.5, n_flows: int = 4, gin_channels: int = 0
    ) -> None:
        super().__init__()
        # VITS sizes the predictor by the encoder width (its filter_channels argument is overridden).
        filter_channels = in_channels
        self.pre = nn.Conv1d(in_channels, filter_channels, 1)
        self.proj = nn.Conv1d(filter_channels, filter_channels, 1)
        self.convs = DDSConv(filter_channels, kernel_size, n_layers=3, p_dropout=p_dropout)
        self.flows = _flow_stack(filter_channels, kernel_size, n_flows)
        self.post_pre = nn.Conv1d(1, filter_channels, 1)
        self.post_proj = nn.Conv1d(filter_channels, filter_channels, 1)
        self.post_convs = DDSConv(filter_channels, kernel_size, n_layers=3, p_dropout=p_dropout)
        self.post_flows = _flow_stack(filter_channels, kernel_size, n_flows)
        if gin_channels:
            self.cond = nn.Conv1d(gin_channels, filter_channels, 1)

    def _condition(self, x: torch.Tensor, x_mask: torch.Tensor, g: torch.Tensor | None) -> torch.Tensor:
        x = self.pre(x.detach())
        if g is not None:
            x = x + self.cond(g.detach())
        return self.proj(self.convs(x, x_mask)) * x_mask

    def forward(
        self,
        x: torch.Tensor,
        x_mask: torch.Tensor,
        w: torch.Tensor | None = None,
        g: torch.Tensor | None = None,
        reverse: bool = False,
        noise_scale: float | torch.Tensor = 1.0,
    ) -> torch.Tensor:
        """Training: the NLL ``(B,)`` of durations ``w``; ``reverse``: sampled log-durations (:meth:`infer`).

        Sampling goes through the module call, as in VITS, so an ONNX export scopes its nodes under ``/dp/``.
        """
        if reverse:
            return self.infer(x, x_mask, g=g, noise_scale=noise_scale)
        assert w is not None, "training needs the durations w"
        x = self._condition(x, x_mask, g)
        h_w = self.post_proj(self.post_convs(self.post_pre(w), x_mask)) * x_mask
        e_q = torch.randn(w.size(0), 2, w.size(2), device=x.device, dtype=x.dtype) * x_mask
        z_q = e_q
        logdet_q = torch.zeros(w.size(0), device=x.device, dtype=x.dtype)
        for flow in self.post_flows:
            z_q, logdet = flow(z_q, x_mask, g=x + h_w)
            logdet_q = logdet_q + logdet
        z_u, z1 = torch.split(z_q, [1, 1], dim=1)
        u = torch.sigmoid(z_u) * x_mask
        z0 = (w - u) * x_mask
        logdet_q = logdet_q + torch.sum((F.logsigmoid(z_u) + F.logsigmoid(-z_u)) * x_mask, [1, 2])
        log_q = torch.sum(-0.5 * (math.log(2 * math.pi) + e_q**2) * x_mask, [1, 2]) - logdet_q

        # Log flow: durations are positive, model log w.
        z0 = torch.log(torch.clamp_min(z0, 1e-5)) * x_mask
        logdet_p = torch.sum(-z0, [1, 2])
        z = torch.cat([z0, z1], dim=1)
        for flow in self.flows:
            z, logdet = flow(z, x_mask, g=x)
            logdet_p = logdet_p + logdet
        nll = torch.sum(0.5 * (math.log(2 * math.pi) + z**2) * x_mask, [1, 2]) - logdet_p
        return nll + log_q

    def infer(
        self,
        x: torch.Tensor,
        x_mask: torch.Tensor,
        g: torch.Tensor | None = None,
        noise_scale: float | torch.Tensor = 1.0,
    ) -> torch.Tensor:
        x = self._condition(x, x_mask, g)
        flows = list(reversed(self.flows))
        # The first ConvFlow only mixes in noise that sampling discards; VITS skips it in reverse (flows.1).
        flows = [*flows[:-2], flows[-1]]
        z = torch.randn(x.size(0), 2, x.size(2), device=x.device, dtype=x.dtype) * noise_scale
        for flow in flows:
            z, _ = flow(z, x_mask, g=x, reverse=True)
        return z[:, :1]


class DurationPredictor(nn.Module):
    """Deterministic predictor of ``log w`` ``(B, 1, T)`` from encoder hidden ``(B, H, T)`` (VITS ``use_sdp=False``)."""

    def __init__(
        self, in_channels: int, filter_channels: int, kernel_size: int, p_dropout: float, gin_channels: int = 0
    ) -> None:
        super().__init__()
        self.drop = nn.Dropout(p_dropout)
        self.conv_1 = nn.Conv1d(in_channels, filter_channels, kernel_size, padding=kernel_size // 2)
        self.norm_1 = LayerNorm(filter_channels)
        self.conv_2 = nn.Conv1d(filter_channels, filter_channels, kernel_size, padding=kernel_size // 2)
        self.norm_2 = LayerNorm(filter_channels)
        self.proj = nn.Conv1d(filter_channels, 1, 1)
        if gin_channels:
            self.cond = nn.Conv1d(gin_channels, in_channels, 1)

    def forward(
        self,
        x: torch.Tensor,
        x_mask: torch.Tensor,
        g: torch.Tensor | None = None,
        reverse: bool = False,
        noise_scale: float | torch.Tensor = 0.0,
    ) -> torch.Tensor:
        """Log-durations ``(B, 1, T_text)``; ``reverse`` and ``noise_scale`` are accepted for symmetry with the
        stochastic predictor (a deterministic prediction has nothing to sample)."""
        x = x.detach()
        if g is not None:
            x = x + self.cond(g.detach())
        x = self.drop(self.norm_1(torch.relu(self.conv_1(x * x_mask))))
        x = self.drop(self.norm_2(torch.relu(self.conv_2(x * x_mask))))
        return self.proj(x * x_mask) * x_mask

    def infer(
        self,
        x: torch.Tensor,
        x_mask: torch.Tensor,
        g: torch.Tensor | None = None,
        noise_scale: float | torch.Tensor = 0.0,
    ) -> torch.Tensor:
        return self.forward(x, x_mask, g)
