"""``voxtune.pretrain`` and ``voxtune.finetune``: one loop, two starting points (nanoGPT's ``init_from``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from voxtune.config import ConfigError, TrainConfig, apply_overrides, from_dict, load_config_file
from voxtune.models.vits.model import VITS
from voxtune.models.vits.presets import preset
from voxtune.pretrained.checkpoint import VoiceCheckpoint
from voxtune.train.loop import RunResult, train
from voxtune.train.recovery import RecoveryConfig, needs_recovery, recover
from voxtune.train.strategies import frozen_prefixes


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
    config = from_dict(TrainConfig, data["train"], "train")
    frozen_prefixes(config.strategy, config.freeze)  # an unknown strategy fails now, not after base recovery
    return config


def pretrain(
    data: str | Path,
    output_dir: str | Path,
    *,
    preset_name: str = "medium",
    config: TrainConfig | None = None,
    resume: bool = False,
    progress: bool = True,
) -> RunResult:
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


def finetune(
    base: str | Path | VoiceCheckpoint,
    data: str | Path,
    output_dir: str | Path,
    *,
    config: TrainConfig | None = None,
    resume: bool = False,
    progress: bool = True,
    recovery: RecoveryConfig | None = None,
) -> RunResult:
    """Fine-tune a pretrained voice (any voice spec) on a prepared dataset.

    A base without a posterior encoder (a Piper ``.onnx``) is first recovered by self-distillation on the
    dataset's texts and the built-in test set (cached, so each voice is recovered once).
    """
    from voxtune.pretrained.voices import load_voice_checkpoint

    checkpoint = base if isinstance(base, VoiceCheckpoint) else load_voice_checkpoint(base)
    if needs_recovery(checkpoint):
        checkpoint = _recover_for(checkpoint, Path(data), recovery, progress)
    resolved = config or train_config(output_dir)
    return train(checkpoint, data, resolved, resume=resume, progress=progress)


def _recover_for(base: VoiceCheckpoint, data: Path, config: RecoveryConfig | None, progress: bool) -> VoiceCheckpoint:
    import logging

    from voxtune.audio.io import load_audio
    from voxtune.data.loader import read_manifest
    from voxtune.evaluate.testset import load_testset
    from voxtune.text.phonemize import EspeakPhonemizer
    from voxtune.text.symbols import phonemes_to_ids

    log = logging.getLogger("voxtune")
    items = read_manifest(data, "train", base.config.audio)
    phonemizer = EspeakPhonemizer(base.config.text.espeak_voice, base.config.text.language)
    builtin = []
    for prompt in load_testset("en"):
        phonemes = [p for sentence in phonemizer.phonemize(prompt.text) for p in sentence]
        builtin.append(phonemes_to_ids(phonemes, base.phoneme_id_map)[0])
    # Interleave corpus and built-in texts so a small max_utterances still covers both.
    corpus = [list(item.ids) for item in items]
    id_lists = [ids for pair in zip(corpus, builtin, strict=False) for ids in pair]
    id_lists += corpus[len(builtin) :] + builtin[len(corpus) :]
    real = [torch.from_numpy(load_audio(i.audio_path, base.config.audio.sample_rate)[0]) for i in items[:8]]
    print("voxtune: the base voice has no posterior encoder (ONNX export): recovering it by self-distillation")
    result = recover(base, id_lists, real_waves=real, config=config, progress=progress)
    source = "cache" if result.from_cache else "self-distillation"
    real_text = f", real recordings {result.mel_distance_real:.3f}" if result.mel_distance_real is not None else ""
    message = (
        f"voxtune: posterior encoder recovered ({source}); reconstruction log-mel L1: "
        f"generated {result.mel_distance_generated:.3f}{real_text}"
    )
    print(message)
    log.info(message)
    return result.checkpoint
