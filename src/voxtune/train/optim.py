"""Optimizers and learning-rate schedules for a run (AdamW as in VITS; per-module learning-rate multipliers)."""

from __future__ import annotations

import math

import torch
from torch import nn

from voxtune.config import TrainConfig


def steps_per_epoch(batches_per_epoch: int, accumulation: int) -> int:
    return max(1, math.ceil(batches_per_epoch / accumulation))


def build_optimizer(model: nn.Module, config: TrainConfig, learning_rate: float) -> torch.optim.AdamW:
    """AdamW over the trainable parameters, one group per ``lr_multipliers`` prefix (first match wins)."""
    groups: dict[float, list[nn.Parameter]] = {}
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        multiplier = next((m for prefix, m in config.lr_multipliers if name.startswith(prefix)), 1.0)
        groups.setdefault(multiplier, []).append(parameter)
    param_groups = [{"params": params, "lr": learning_rate * m} for m, params in sorted(groups.items())]
    if not param_groups:
        # Everything frozen (e.g. a discriminator-only phase): keep a valid optimizer with nothing to do.
        param_groups = [{"params": [], "lr": learning_rate}]
    return torch.optim.AdamW(
        param_groups,
        lr=learning_rate,
        betas=(config.adam_beta1, config.adam_beta2),
        eps=config.adam_epsilon,
        weight_decay=config.weight_decay,
    )


def lr_factor(step: int, config: TrainConfig, total_steps: int, per_epoch: int) -> float:
    """Multiplier of the base learning rate after ``step`` updates: linear warmup, then the chosen schedule.

    ``exponential`` decays by ``lr_decay`` per epoch (VITS and Piper), spread smoothly over the epoch's steps.
    """
    if config.warmup_steps and step < config.warmup_steps:
        return (step + 1) / config.warmup_steps
    after = step - config.warmup_steps
    if config.lr_scheduler_type == "exponential":
        return float(config.lr_decay ** (after / per_epoch))
    if config.lr_scheduler_type == "cosine":
        span = max(1, total_steps - config.warmup_steps)
        return 0.5 * (1 + math.cos(math.pi * min(after, span) / span))
    return 1.0


def build_scheduler(
    optimizer: torch.optim.Optimizer, config: TrainConfig, total_steps: int, per_epoch: int
) -> torch.optim.lr_scheduler.LambdaLR:
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: lr_factor(step, config, total_steps, per_epoch))
