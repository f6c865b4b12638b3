"""Run checkpoints: self-describing voxtune checkpoints plus the full training state, written atomically.

``RUN_DIR/checkpoints/step-0000500.pt`` hold everything needed to resume exactly (weights, optimizers,
schedulers, RNG states, sampler position, step, best scores); the newest complete one is resumed from. The last
``save_total_limit`` are kept, and those of the best ``save_best_total_limit`` evaluations. ``RUN_DIR/best.pt``
is the best voice (no optimizer state), which is what a run directory resolves to as a voice spec.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

from voxtune.pretrained.checkpoint import VoiceCheckpoint, load_checkpoint, save_checkpoint

_STEP_FILE = re.compile(r"^step-(\d+)\.pt$")


def checkpoint_path(run_dir: Path, step: int) -> Path:
    return run_dir / "checkpoints" / f"step-{step:07d}.pt"


def list_checkpoints(run_dir: Path) -> list[tuple[int, Path]]:
    """(step, path) of every complete step checkpoint, oldest first (temp files of a killed save are ignored)."""
    directory = run_dir / "checkpoints"
    if not directory.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in directory.iterdir() if (m := _STEP_FILE.match(p.name))]
    return sorted(found)


def capture_rng() -> dict[str, Any]:
    """Every RNG a step draws from, as tensors and plain values (loadable with ``weights_only=True``)."""
    _, keys, position, _, _ = np.random.get_state(legacy=True)
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "python": random.getstate(),
        "numpy_keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
        "numpy_pos": int(position),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    version, internal, gauss_next = state["python"]
    random.setstate((version, tuple(internal), gauss_next))
    keys = state["numpy_keys"].numpy().astype(np.uint32)
    np.random.set_state(("MT19937", keys, state["numpy_pos"], 0, 0.0))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_run_checkpoint(run_dir: Path, step: int, voice: VoiceCheckpoint) -> Path:
    return save_checkpoint(voice, checkpoint_path(run_dir, step))


def latest_checkpoint(run_dir: Path) -> VoiceCheckpoint | None:
    checkpoints = list_checkpoints(run_dir)
    return load_checkpoint(checkpoints[-1][1]) if checkpoints else None


def prune(run_dir: Path, keep_last: int, keep_steps: set[int]) -> None:
    """Delete step checkpoints except the newest ``keep_last`` and those in ``keep_steps`` (the best ones)."""
    checkpoints = list_checkpoints(run_dir)
    newest = {step for step, _ in checkpoints[-max(keep_last, 1) :]}
    for step, path in checkpoints:
        if step not in newest and step not in keep_steps:
            path.unlink(missing_ok=True)
