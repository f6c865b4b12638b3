"""Rebuilding a VITS multi-period discriminator from a state dict (widths read from the tensor shapes)."""

from __future__ import annotations

import re

import torch

from voxtune.models.vits.discriminators import PERIODS, MultiPeriodDiscriminator
from voxtune.pretrained.keymap import PretrainedFormatError, check_against

StateDict = dict[str, torch.Tensor]


def _widths(state: StateDict, index: int) -> tuple[int, ...]:
    pattern = re.compile(rf"^discriminators\.{index}\.convs\.(\d+)\.(weight_v|weight_orig|weight)$")
    found = {int(m.group(1)): value.shape[0] for key, value in state.items() if (m := pattern.match(key))}
    return tuple(found[i] for i in sorted(found))


def discriminator_from_state(state: StateDict, source: str) -> MultiPeriodDiscriminator:
    """A :class:`MultiPeriodDiscriminator` with ``state`` loaded; shapes and names are checked first."""
    count = len({key.split(".")[1] for key in state if key.startswith("discriminators.")})
    if count != len(PERIODS) + 1:
        raise PretrainedFormatError(f"{source}: expected {len(PERIODS) + 1} discriminators, found {count}")
    spectral = any(key.endswith("weight_orig") for key in state)
    model = MultiPeriodDiscriminator(
        scale_channels=_widths(state, 0), period_channels=_widths(state, 1), use_spectral_norm=spectral
    )
    check_against(state, model.state_dict(), source)
    model.load_state_dict(state)
    return model
