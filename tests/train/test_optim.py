import pytest
import torch
from torch import nn

from voxtune.config import TrainConfig
from voxtune.train.optim import build_optimizer, lr_factor


def test_warmup_then_schedules() -> None:
    config = TrainConfig(warmup_steps=4, lr_scheduler_type="cosine")
    assert lr_factor(0, config, 104, 10) == pytest.approx(0.25)
    assert lr_factor(4, config, 104, 10) == pytest.approx(1.0)
    assert lr_factor(54, config, 104, 10) == pytest.approx(0.5)
    assert lr_factor(104, config, 104, 10) == pytest.approx(0.0)
    exponential = TrainConfig(lr_decay=0.5)
    assert lr_factor(20, exponential, 100, 10) == pytest.approx(0.25)  # two epochs
    assert lr_factor(7, TrainConfig(lr_scheduler_type="constant"), 100, 10) == 1.0


def test_optimizer_skips_frozen_parameters_and_applies_multipliers() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    model[0].weight.requires_grad_(False)
    config = TrainConfig(lr_multipliers=(("1.", 0.1),))
    optimizer = build_optimizer(model, config, 1e-3)
    by_lr = sorted((group["lr"], len(group["params"])) for group in optimizer.param_groups)
    assert by_lr == [(pytest.approx(1e-4), 2), (1e-3, 1)]
    trainable = {id(p) for g in optimizer.param_groups for p in g["params"]}
    assert id(model[0].weight) not in trainable


def test_everything_frozen_still_builds() -> None:
    model = nn.Linear(2, 2).requires_grad_(False)
    optimizer = build_optimizer(model, TrainConfig(), 1e-3)
    optimizer.step()
    assert torch.equal(model.weight, model.weight)
