"""One rank of the two-process training check in test_ddp.py (run by ``accelerate launch``, not by pytest)."""

import sys
from pathlib import Path

import torch

from voxtune.config import TrainConfig
from voxtune.models.vits.discriminators import MultiPeriodDiscriminator
from voxtune.models.vits.model import VITS
from voxtune.models.vits.presets import tiny
from voxtune.pretrained.checkpoint import VoiceCheckpoint
from voxtune.train.loop import train

TINY_DISCRIMINATOR = {"scale_channels": (4, 8, 8, 8, 8, 8), "period_channels": (4, 8, 8, 8, 8)}


def main(data: Path, run_dir: Path, strategy: str) -> None:
    torch.manual_seed(0)
    config = tiny()
    base = VoiceCheckpoint(
        config=config,
        phoneme_id_map={"_": [0], "^": [1], "$": [2]} | {chr(97 + i): [3 + i] for i in range(9)},
        model=VITS(config.model).state_dict(),
        discriminator=MultiPeriodDiscriminator(**TINY_DISCRIMINATOR).state_dict(),  # type: ignore[arg-type]
        provenance={"source": "tests"},
    )
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
