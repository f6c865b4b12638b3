"""``voxtune.pretrain`` and ``voxtune.finetune``: one loop, two starting points (nanoGPT's ``init_from``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from voxtune.config import ConfigError, TrainConfig, apply_overrides, from_dict, load_config_file, to_dict
from voxtune.errors import VoxtuneError
from voxtune.models.vits.model import VITS
from voxtune.models.vits.presets import preset
from voxtune.pretrained.checkpoint import VoiceCheckpoint
from voxtune.train.loop import RunResult, train


def train_config(
    output_dir: str | Path,
    config_file: str | Path | None = None,
    overrides: Sequence[str] = (),
    defaults: Mapping[str, Any] | None = None,
) -> TrainConfig:
    """Resolve a :class:`TrainConfig`: defaults < config file's ``train`` section < ``key=value`` overrides.

    Overrides may name ``train.key`` or just ``key``; unknown keys raise :class:`ConfigError`.
    """
    data: dict[str, Any] = {"train": dict(defaults or {})}
    if config_file:
        document = load_config_file(config_file)
        unknown = set(document) - {"train", "voice", "data", "base"}
        if unknown:
            raise ConfigError(f"unknown section {sorted(unknown)[0]!r} in {config_file}; expected 'train'")
        data["train"].update(document.get("train") or {})
    qualified = [o if o.split("=", 1)[0].startswith("train.") else f"train.{o}" for o in overrides]
    data = apply_overrides(data, qualified)
    data["train"]["output_dir"] = str(output_dir)
    return from_dict(TrainConfig, data["train"], "train")


def pretrain(data: str | Path, output_dir: str | Path, *, preset_name: str = "medium",
             config: TrainConfig | None = None, resume: bool = False, progress: bool = True) -> RunResult:
    """Train a voice from scratch (random weights of a preset) on a prepared dataset."""
    from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

    voice_config = preset(preset_name)
    base = VoiceCheckpoint(
        config=voice_config,
        phoneme_id_map={k: list(v) for k, v in DEFAULT_PHONEME_ID_MAP.items()},
        model=VITS(voice_config.model).state_dict(),
        provenance={"source": f"preset:{preset_name}", "source_format": "scratch"},
    )
    return train(base, data, config or train_config(output_dir), resume=resume, progress=progress)


def finetune(base: str | Path | VoiceCheckpoint, data: str | Path, output_dir: str | Path, *,
             config: TrainConfig | None = None, resume: bool = False, progress: bool = True) -> RunResult:
    """Fine-tune a pretrained voice (any voice spec) on a prepared dataset."""
    from voxtune.pretrained.voices import load_voice_checkpoint

    checkpoint = base if isinstance(base, VoiceCheckpoint) else load_voice_checkpoint(base)
    missing = [part for part in checkpoint.absent if part.startswith(("enc_q", "discriminator"))]
    if missing and not resume:
        raise VoxtuneError(
            f"the base voice lacks {', '.join(missing)} (an ONNX-only export); it must be recovered before "
            "fine-tuning"
        )
    resolved = config or train_config(output_dir)
    return train(checkpoint, data, resolved, resume=resume, progress=progress)


def describe(config: TrainConfig) -> dict[str, Any]:
    return to_dict(config)
