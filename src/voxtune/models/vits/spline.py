"""Monotonic rational-quadratic spline with linear tails (Durkan et al., 2019), used by the duration flows.

Inside ``[-tail_bound, tail_bound]`` each value goes through a spline of ``num_bins`` bins whose widths, heights
and knot derivatives are predicted per element; outside, the map is the identity.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

MIN_BIN_WIDTH = 1e-3
MIN_BIN_HEIGHT = 1e-3
MIN_DERIVATIVE = 1e-3


def rational_quadratic_spline(
    inputs: torch.Tensor,
    unnormalized_widths: torch.Tensor,
    unnormalized_heights: torch.Tensor,
    unnormalized_derivatives: torch.Tensor,
    inverse: bool = False,
    tail_bound: float = 5.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Apply the spline elementwise.

    ``inputs`` ``(...)``; widths and heights ``(..., K)``; derivatives ``(..., K - 1)`` (interior knots; the two
    boundary derivatives are fixed to 1 so the tails join smoothly). Returns outputs ``(...)`` and
    ``log |d out / d in|`` ``(...)`` (of the map actually applied, i.e. of the inverse when ``inverse``).
    """
    inside = (inputs >= -tail_bound) & (inputs <= tail_bound)
    # Evaluate everywhere on clamped inputs and select afterwards: no boolean indexing, so it traces to ONNX.
    clamped = inputs.clamp(-tail_bound, tail_bound)
    boundary = math.log(math.exp(1 - MIN_DERIVATIVE) - 1)
    derivatives = F.pad(unnormalized_derivatives, (1, 1), value=boundary)
    outputs, logabsdet = _spline_inside(
        clamped, unnormalized_widths, unnormalized_heights, derivatives, inverse, tail_bound
    )
    outputs = torch.where(inside, outputs, inputs)
    logabsdet = torch.where(inside, logabsdet, torch.zeros_like(logabsdet))
    return outputs, logabsdet


def _knots(unnormalized: torch.Tensor, minimum: float, bound: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Bin sizes ``(..., K)`` and knot positions ``(..., K + 1)`` spanning ``[-bound, bound]``."""
    num_bins = unnormalized.shape[-1]
    sizes = minimum + (1 - minimum * num_bins) * F.softmax(unnormalized, dim=-1)
    knots = F.pad(torch.cumsum(sizes, dim=-1), (1, 0), value=0.0)
    knots = 2 * bound * knots - bound
    knots = torch.cat(
        [torch.full_like(knots[..., :1], -bound), knots[..., 1:-1], torch.full_like(knots[..., :1], bound)], -1
    )
    return knots[..., 1:] - knots[..., :-1], knots


def _bin_index(knots: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    """Index ``(..., 1)`` of the bin each input falls in (the last knot is nudged so the bound is inside)."""
    nudged = torch.cat([knots[..., :-1], knots[..., -1:] + 1e-6], dim=-1)
    return (torch.sum(inputs[..., None] >= nudged, dim=-1) - 1).unsqueeze(-1)


def _spline_inside(
    inputs: torch.Tensor,
    unnormalized_widths: torch.Tensor,
    unnormalized_heights: torch.Tensor,
    unnormalized_derivatives: torch.Tensor,
    inverse: bool,
    bound: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    widths, cumwidths = _knots(unnormalized_widths, MIN_BIN_WIDTH, bound)
    heights, cumheights = _knots(unnormalized_heights, MIN_BIN_HEIGHT, bound)
    derivatives = MIN_DERIVATIVE + F.softplus(unnormalized_derivatives)

    index = _bin_index(cumheights if inverse else cumwidths, inputs)

    def pick(table: torch.Tensor) -> torch.Tensor:
        return table.gather(-1, index)[..., 0]

    x_k, w_k = pick(cumwidths), pick(widths)
    y_k, h_k = pick(cumheights), pick(heights)
    s_k = h_k / w_k
    d_k, d_k1 = pick(derivatives), pick(derivatives[..., 1:])
    curvature = d_k + d_k1 - 2 * s_k

    if inverse:
        offset = inputs - y_k
        a = offset * curvature + h_k * (s_k - d_k)
        b = h_k * d_k - offset * curvature
        c = -s_k * offset
        discriminant = (b.pow(2) - 4 * a * c).clamp_min(0.0)
        theta = (2 * c) / (-b - torch.sqrt(discriminant))
        outputs = theta * w_k + x_k
    else:
        theta = (inputs - x_k) / w_k
        outputs = y_k + h_k * (s_k * theta.pow(2) + d_k * theta * (1 - theta)) / (s_k + curvature * theta * (1 - theta))

    one_minus = theta * (1 - theta)
    denominator = s_k + curvature * one_minus
    numerator = s_k.pow(2) * (d_k1 * theta.pow(2) + 2 * s_k * one_minus + d_k * (1 - theta).pow(2))
    logabsdet = torch.log(numerator) - 2 * torch.log(denominator)
    return outputs, -logabsdet if inverse else logabsdet
