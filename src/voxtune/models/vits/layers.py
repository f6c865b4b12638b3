"""Small building blocks shared by the VITS modules: weight-normalized convolutions, channel LayerNorm, masks.

Weight normalization is written out as two parameters, ``weight_g`` (per-output-channel norm) and ``weight_v``
(direction), the names original VITS and Piper checkpoints carry, so their state dicts load by identity.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


def get_padding(kernel_size: int, dilation: int = 1) -> int:
    """'Same' padding of an odd kernel with the given dilation."""
    return (kernel_size * dilation - dilation) // 2


def sequence_mask(lengths: torch.Tensor, max_length: int | torch.Tensor | None = None) -> torch.Tensor:
    """``(B,)`` lengths → ``(B, T)`` boolean mask, True inside each sequence.

    Without ``max_length`` the longest length is used as a tensor, so an ONNX export keeps it dynamic.
    """
    if max_length is None:
        max_length = lengths.max()
    positions = torch.arange(max_length, dtype=lengths.dtype, device=lengths.device)  # type: ignore[arg-type]
    return positions.unsqueeze(0) < lengths.unsqueeze(1)


def _norm_except_dim0(v: torch.Tensor) -> torch.Tensor:
    """L2 norm over every dim but the first, kept broadcastable: ``(C, ...)`` → ``(C, 1, ..., 1)``."""
    return v.flatten(1).norm(dim=1).view(-1, *([1] * (v.dim() - 1)))


class _WeightNorm(nn.Module):
    """Holds ``weight_g``/``weight_v`` and the conv hyperparameters taken from a freshly initialised layer."""

    def __init__(self, layer: nn.Conv1d | nn.Conv2d | nn.ConvTranspose1d) -> None:
        super().__init__()
        weight = layer.weight.detach().clone()
        self.weight_g = nn.Parameter(_norm_except_dim0(weight))
        self.weight_v = nn.Parameter(weight)
        self.bias = None if layer.bias is None else nn.Parameter(layer.bias.detach().clone())
        # Conv hyperparameters as the functional calls take them (tuples of ints).
        self.stride: Any = layer.stride
        self.padding: Any = layer.padding
        self.dilation: Any = layer.dilation
        self.groups = layer.groups

    @property
    def weight(self) -> torch.Tensor:
        """The effective kernel ``g * v / ||v||`` (a plain parameter once :meth:`fold` was called)."""
        if "weight" in self._parameters:
            return self._parameters["weight"]  # type: ignore[return-value]
        return self.weight_g * self.weight_v / _norm_except_dim0(self.weight_v)

    def fold(self) -> None:
        """Replace ``weight_g``/``weight_v`` by the one kernel they define, named ``weight`` — what an export
        wants (Piper's export removes weight norm the same way): a constant convolution weight under the plain
        convolution's name. For inference copies only; training needs the two parameters."""
        kernel = self.weight.detach().clone()
        del self.weight_g, self.weight_v
        # Set directly: register_parameter refuses a name the class uses (the ``weight`` property above).
        self._parameters["weight"] = nn.Parameter(kernel, requires_grad=False)

    def set_weight(self, weight: torch.Tensor) -> None:
        """Set the effective kernel (e.g. from an export that folded the normalization)."""
        with torch.no_grad():
            self.weight_v.copy_(weight)
            self.weight_g.copy_(_norm_except_dim0(weight))


class WeightNormConv1d(_WeightNorm):
    """``nn.Conv1d`` with weight normalization; input/output ``(B, C, T)``."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
        groups: int = 1,
        bias: bool = True,
    ) -> None:
        super().__init__(nn.Conv1d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class WeightNormConv2d(_WeightNorm):
    """``nn.Conv2d`` with weight normalization; input/output ``(B, C, H, W)``."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: tuple[int, int],
        stride: tuple[int, int] = (1, 1),
        padding: tuple[int, int] = (0, 0),
    ) -> None:
        super().__init__(nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class WeightNormConvTranspose1d(_WeightNorm):
    """``nn.ConvTranspose1d`` with weight normalization (norm over dim 0, as ``torch.nn.utils.weight_norm``)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int, padding: int) -> None:
        super().__init__(nn.ConvTranspose1d(in_channels, out_channels, kernel_size, stride, padding))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv_transpose1d(x, self.weight, self.bias, self.stride, self.padding, 0, self.groups, self.dilation)


class LayerNorm(nn.Module):
    """LayerNorm over the channel axis of ``(B, C, T)`` tensors, with VITS's ``gamma``/``beta`` names."""

    def __init__(self, channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.channels = channels
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.layer_norm(x.transpose(1, -1), (self.channels,), self.gamma, self.beta, self.eps)
        return x.transpose(1, -1)


def gated_activation(x: torch.Tensor, n_channels: int) -> torch.Tensor:
    """WaveNet gate: ``tanh(x[:, :n]) * sigmoid(x[:, n:])`` for ``x`` of shape ``(B, 2n, T)``."""
    return torch.tanh(x[:, :n_channels]) * torch.sigmoid(x[:, n_channels:])


class WN(nn.Module):
    """Non-causal WaveNet stack with weight-normalized convs, used by the posterior encoder and the flows.

    Input ``x`` ``(B, hidden, T)``, mask ``(B, 1, T)``, optional global conditioning ``g`` ``(B, gin, 1)``;
    output ``(B, hidden, T)`` (sum of skip connections).
    """

    def __init__(
        self,
        hidden_channels: int,
        kernel_size: int,
        dilation_rate: int,
        n_layers: int,
        gin_channels: int = 0,
        p_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.hidden_channels = hidden_channels
        self.n_layers = n_layers
        self.in_layers = nn.ModuleList()
        self.res_skip_layers = nn.ModuleList()
        self.drop = nn.Dropout(p_dropout)
        if gin_channels:
            self.cond_layer = WeightNormConv1d(gin_channels, 2 * hidden_channels * n_layers, 1)
        for i in range(n_layers):
            dilation = dilation_rate**i
            padding = (kernel_size * dilation - dilation) // 2
            self.in_layers.append(
                WeightNormConv1d(hidden_channels, 2 * hidden_channels, kernel_size, dilation=dilation, padding=padding)
            )
            # The last layer has no residual output, only the skip half.
            res_skip_channels = 2 * hidden_channels if i < n_layers - 1 else hidden_channels
            self.res_skip_layers.append(WeightNormConv1d(hidden_channels, res_skip_channels, 1))

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor, g: torch.Tensor | None = None) -> torch.Tensor:
        output = torch.zeros_like(x)
        g_all = self.cond_layer(g) if g is not None and hasattr(self, "cond_layer") else None
        hidden = self.hidden_channels
        for i, (in_layer, res_skip_layer) in enumerate(zip(self.in_layers, self.res_skip_layers, strict=True)):
            x_in = in_layer(x)
            if g_all is not None:
                x_in = x_in + g_all[:, i * 2 * hidden : (i + 1) * 2 * hidden]
            acts = self.drop(gated_activation(x_in, hidden))
            res_skip = res_skip_layer(acts)
            if i < self.n_layers - 1:
                x = (x + res_skip[:, :hidden]) * x_mask
                output = output + res_skip[:, hidden:]
            else:
                output = output + res_skip
        return output * x_mask
