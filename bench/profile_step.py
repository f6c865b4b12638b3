"""Where a training step's time goes: medium model, batch 8 of Allison, forward time per generator module (hooks),
and the step's phases (generator forward, discriminator step, generator backward, optimizer updates).

    .venv/bin/python bench/profile_step.py --data data/allison --steps 4
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import torch

from voxtune.config import TrainConfig
from voxtune.data.loader import BucketBatchSampler, SpeechDataset, collate, read_manifest
from voxtune.models.vits.model import VITS
from voxtune.models.vits.presets import preset
from voxtune.train.step import new_discriminator, train_step


class _NoAccelerator:
    """The parts of Accelerate a step uses, on the CPU, without its bookkeeping (for clean timing)."""

    device = torch.device("cpu")

    @staticmethod
    def unwrap_model(model: torch.nn.Module) -> torch.nn.Module:
        return model

    @staticmethod
    def autocast() -> torch.autocast:
        return torch.autocast("cpu", enabled=False)

    @staticmethod
    def backward(loss: torch.Tensor) -> None:
        loss.backward()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="data/allison")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()
    torch.set_num_threads(2)
    voice = preset("medium")
    generator, discriminator = VITS(voice.model).train(), new_discriminator(None).train()
    items = read_manifest(args.data, "train", voice.audio)
    dataset = SpeechDataset(items, voice.audio)
    batches = BucketBatchSampler([i.frames for i in items], args.batch_size, seed=0).batches(0)[: args.steps]
    forward_time: dict[str, float] = defaultdict(float)
    starts: dict[str, float] = {}
    modules = {name: getattr(generator, name) for name in ("enc_p", "enc_q", "flow", "dp", "dec")}
    modules["discriminator (2 calls)"] = discriminator
    for name, module in modules.items():
        module.register_forward_pre_hook(lambda m, i, n=name: starts.__setitem__(n, time.perf_counter()))
        module.register_forward_hook(
            lambda m, i, o, n=name: forward_time.__setitem__(n, forward_time[n] + time.perf_counter() - starts[n])
        )
    optimizer_g = torch.optim.AdamW(generator.parameters(), 2e-4)
    optimizer_d = torch.optim.AdamW(discriminator.parameters(), 2e-4)
    totals: dict[str, float] = defaultdict(float)
    for index, batch_indices in enumerate(batches):
        batch = collate([dataset[i] for i in batch_indices])
        assert batch is not None
        start = time.perf_counter()
        train_step(generator, discriminator, batch, voice.audio, TrainConfig(), _NoAccelerator())
        middle = time.perf_counter()
        optimizer_d.step()
        optimizer_g.step()
        optimizer_g.zero_grad()
        optimizer_d.zero_grad()
        end = time.perf_counter()
        if index == 0:  # warm-up step: allocation and numba compilation
            forward_time.clear()
            continue
        totals["forward + backward (both models)"] += middle - start
        totals["optimizer updates"] += end - middle
    measured = len(batches) - 1
    step = sum(totals.values()) / measured
    print(f"\n## One training step, medium, batch {args.batch_size}, 2 threads, mean of {measured} steps\n")
    print(f"step: {step:.2f} s\n")
    backward = totals["forward + backward (both models)"] - sum(forward_time.values())
    totals["backward of both models, losses, mel"] = backward
    totals.pop("forward + backward (both models)")
    print("| part | s/step | share |\n|---|---:|---:|")
    for name, seconds in {**{f"{k} forward": v for k, v in forward_time.items()}, **totals}.items():
        print(f"| {name} | {seconds / measured:.2f} | {seconds / measured / step:.0%} |")


if __name__ == "__main__":
    main()
