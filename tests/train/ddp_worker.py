"""One rank of the two-process training check in test_ddp.py (run by ``torchrun``, not by pytest)."""

import sys
from pathlib import Path

import torch

# This script's folder is on sys.path (python runs it as a file): the fixtures' module is importable.
from conftest import make_base_voice
from voxtune.config import TrainConfig
from voxtune.train.loop import train


def main(data: Path, run_dir: Path, strategy: str) -> None:
    base = make_base_voice()
    settings = TrainConfig(
        output_dir=str(run_dir),
        max_steps=4,
        per_device_train_batch_size=2,
        save_steps=2,
        eval_steps=2,
        logging_steps=1,
        learning_rate=2e-3,
        discriminator_warmup_steps=1,
        strategy=strategy,
        seed=7,
    )
    steps: list[int] = []
    result = train(base, data, settings, progress=False, on_step=lambda step, losses: steps.append(step))
    rank = torch.distributed.get_rank() if torch.distributed.is_initialized() else 0
    world = torch.distributed.get_world_size() if torch.distributed.is_initialized() else 1
    (run_dir / f"rank-{rank}.txt").write_text(f"{world} {result.step} {len(steps)}\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])
