"""LoRA adapters: fine-tune a voice through low-rank updates of its attention and WaveNet convolutions.

Each adapted convolution ``W`` (``(out, in, k)``) gains a parallel path ``up ∘ down``: ``down`` has the base
convolution's kernel, dilation and padding and maps ``in → rank`` channels; ``up`` is a zero-initialised 1×1
convolution ``rank → out``, so training starts exactly at the base voice. The output becomes
``W ⊛ x + (alpha / rank) · up ⊛ (down ⊛ x)``, the same as one convolution with kernel
``W + (alpha / rank) · up @ down`` — which is how adapters are merged for a voice file (:func:`merged_state_dict`):
a merged voice has the base architecture and parameter names, loads anywhere and exports to ONNX unchanged.

The duration predictor is not adapted but trained in full (it is small): it reads the text encoder's output,
which the attention adapters change, and a frozen one then mistimes every phoneme (speech ran at 0.4 × the
recordings' length in the joe → Allison run before it learned).

The adapters live in ``model.lora`` (a ``ModuleDict``) and act through forward hooks, so the base modules and
their parameter names stay as they are.
"""

from __future__ import annotations

import math
import re

import torch
import torch.nn.functional as F
from torch import nn

from voxtune.models.vits.layers import WeightNormConv1d

# Attention projections of the text encoder, the WaveNet convolutions of the flow and posterior encoder, and the
# decoder's residual-block convolutions (without them the vocoder cannot move towards the new timbre).
TARGETS = re.compile(
    r"(attn_layers\.\d+\.conv_[qkvo]|in_layers\.\d+|res_skip_layers\.\d+|resblocks\.\d+\.convs\d*\.\d+)$"
)


class LoRAConv1d(nn.Module):
    """The low-rank path of one convolution: ``(B, in, T)`` → ``(B, out, T)``, same length as the base's output."""

    def __init__(self, base: nn.Conv1d | WeightNormConv1d, rank: int, alpha: float) -> None:
        super().__init__()
        out_channels, in_channels, kernel = base.weight.shape
        if base.groups != 1:
            raise ValueError("LoRA needs an ungrouped convolution")
        # Kaiming-uniform-like start for down (as for a fresh conv); up at zero keeps the base's output at step 0.
        bound = 1.0 / math.sqrt(in_channels * kernel)
        self.down = nn.Parameter(torch.empty(rank, in_channels, kernel).uniform_(-bound, bound))
        self.up = nn.Parameter(torch.zeros(out_channels, rank, 1))
        self.scale = alpha / rank
        self.padding = base.padding
        self.dilation = base.dilation
        self.stride = base.stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = F.conv1d(x, self.down, None, self.stride, self.padding, self.dilation)
        return F.conv1d(hidden, self.up) * self.scale

    def delta(self) -> torch.Tensor:
        """The kernel update ``(out, in, k)`` equal to this path."""
        return torch.einsum("or,rik->oik", self.up[:, :, 0], self.down) * self.scale


def _key(module_name: str) -> str:
    return module_name.replace(".", "__")


def target_modules(model: nn.Module) -> dict[str, nn.Conv1d | WeightNormConv1d]:
    """The convolutions LoRA adapts, by module name."""
    return {
        name: module
        for name, module in model.named_modules()
        if TARGETS.search(name) and isinstance(module, (nn.Conv1d, WeightNormConv1d)) and module.groups == 1
    }


def attach_lora(model: nn.Module, rank: int, alpha: float) -> int:
    """Add trainable adapters to ``model`` (its own parameters are left as they are); returns their parameter count."""
    if rank < 1:
        raise ValueError(f"LoRA rank must be at least 1, got {rank}")
    targets = target_modules(model)
    if not targets:
        raise ValueError("the model has no attention or WaveNet convolutions to adapt")
    adapters = nn.ModuleDict()
    for name, module in targets.items():
        adapter = LoRAConv1d(module, rank, alpha).to(module.weight.device)
        adapters[_key(name)] = adapter
        module.register_forward_hook(_hook(adapter))
    model.lora = adapters
    return sum(p.numel() for p in adapters.parameters())


def _hook(adapter: LoRAConv1d):  # type: ignore[no-untyped-def]
    def add_low_rank(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> torch.Tensor:
        return output + adapter(inputs[0])

    return add_low_rank


def has_lora(model: nn.Module) -> bool:
    return isinstance(getattr(model, "lora", None), nn.ModuleDict)


@torch.no_grad()
def merged_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """The model's state with every adapter folded into its convolution and the ``lora.*`` entries dropped.

    The live model is not changed. A weight-normalized convolution gets ``weight_v = W'`` and
    ``weight_g = ||W'||`` for the merged kernel ``W'``, which reproduces ``W'`` exactly.
    """
    state = {k: v.detach().clone() for k, v in model.state_dict().items() if not k.startswith("lora.")}
    if not has_lora(model):
        return state
    adapters: nn.ModuleDict = model.lora  # type: ignore[assignment]
    for name, module in target_modules(model).items():
        adapter: LoRAConv1d = adapters[_key(name)]  # type: ignore[assignment]
        merged = module.weight.detach() + adapter.delta()
        if isinstance(module, WeightNormConv1d):
            state[f"{name}.weight_v"] = merged.clone()
            state[f"{name}.weight_g"] = merged.flatten(1).norm(dim=1).view(-1, 1, 1)
        else:
            state[f"{name}.weight"] = merged.clone()
    return state
