"""Checks shared by the importers: every tensor lands on a known parameter with the right shape, and the
parts a source lacks are named instead of silently left random."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from voxtune.errors import VoxtuneError

if TYPE_CHECKING:
    import torch

# torch is imported by the functions that need it: reading a voice's configuration (count_indices) stays light.
StateDict = dict[str, "torch.Tensor"]


# Hyperparameters that VITS configs and Piper's Lightning hyperparameters both name as voxtune's ModelConfig does.
ARCHITECTURE_FIELDS = (
    "inter_channels",
    "hidden_channels",
    "filter_channels",
    "n_heads",
    "n_layers",
    "kernel_size",
    "p_dropout",
    "resblock",
    "resblock_kernel_sizes",
    "resblock_dilation_sizes",
    "upsample_rates",
    "upsample_initial_channel",
    "upsample_kernel_sizes",
    "gin_channels",
    "use_sdp",
)


def nested_tuples(value: Any) -> Any:
    """JSON lists (possibly nested) → tuples, as the frozen configs hold them."""
    return tuple(nested_tuples(v) for v in value) if isinstance(value, list | tuple) else value


class PretrainedFormatError(VoxtuneError):
    """A pretrained file whose tensors do not fit the voxtune model (one-line message)."""


def split_weight_norm(state: StateDict, reference: StateDict) -> StateDict:
    """Turn folded ``X.weight`` tensors into ``X.weight_g`` / ``X.weight_v`` where the model is weight-normed."""
    from voxtune.models.vits.layers import _norm_except_dim0

    result: StateDict = {}
    for key, value in state.items():
        stem = key.removesuffix(".weight")
        if key.endswith(".weight") and key not in reference and f"{stem}.weight_v" in reference:
            result[f"{stem}.weight_v"] = value
            result[f"{stem}.weight_g"] = _norm_except_dim0(value)
        else:
            result[key] = value
    return result


def rename_parametrized_weight_norm(state: StateDict) -> StateDict:
    """``X.parametrizations.weight.original0/1`` (torch's newer weight norm) → ``X.weight_g`` / ``X.weight_v``."""
    result: StateDict = {}
    for key, value in state.items():
        key = key.replace(".parametrizations.weight.original0", ".weight_g")
        key = key.replace(".parametrizations.weight.original1", ".weight_v")
        result[key] = value
    return result


def check_against(state: StateDict, reference: StateDict, source: str, allowed_absent: Iterable[str] = ()) -> list[str]:
    """Verify ``state`` against a freshly built model's ``reference`` state dict.

    Unknown keys and shape mismatches raise; missing keys raise unless they fall under ``allowed_absent``
    prefixes. Returns the absent prefixes that really were absent.
    """
    unknown = sorted(set(state) - set(reference))
    if unknown:
        raise PretrainedFormatError(
            f"{source}: {len(unknown)} tensor(s) have no place in the model, e.g. {unknown[0]!r}"
        )
    for key, value in state.items():
        if tuple(value.shape) != tuple(reference[key].shape):
            raise PretrainedFormatError(
                f"{source}: {key} has shape {tuple(value.shape)}, the model expects {tuple(reference[key].shape)}"
            )
    prefixes = tuple(allowed_absent)
    missing = sorted(set(reference) - set(state))
    unexpected_missing = [k for k in missing if not k.startswith(prefixes)]
    if unexpected_missing:
        raise PretrainedFormatError(
            f"{source}: {len(unexpected_missing)} parameter(s) missing, e.g. {unexpected_missing[0]!r}"
        )
    return sorted({p for p in prefixes if any(k.startswith(p) for k in missing)})


def count_indices(state: Mapping[str, object], pattern: str) -> int:
    """How many distinct indices the first group of ``pattern`` takes over the keys of ``state``."""
    regex = re.compile(pattern)
    return len({m.group(1) for key in state if (m := regex.match(key))})


def depth_fields(state: Mapping[str, object]) -> dict[str, Any]:
    """Layer counts that VITS fixes in code rather than in its config, read from the weights themselves."""
    fields = {
        "posterior_n_layers": count_indices(state, r"^enc_q\.enc\.in_layers\.(\d+)\."),
        "n_flows": count_indices(state, r"^flow\.flows\.(\d+)\.pre\."),
        "flow_n_layers": count_indices(state, r"^flow\.flows\.0\.enc\.in_layers\.(\d+)\."),
    }
    return {name: value for name, value in fields.items() if value}
