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
        checkpoint = recover_for_dataset(checkpoint, Path(data), recovery, progress)
    resolved = config or train_config(output_dir)
    _print_sizing(checkpoint, Path(data), resolved)
    return train(checkpoint, data, resolved, resume=resume, progress=progress)


def _print_sizing(base: VoiceCheckpoint, data: Path, config: TrainConfig) -> None:
    """Say how big a run the data calls for, next to what this run will do."""
    from voxtune.data.loader import read_manifest, total_minutes
    from voxtune.train.sizing import suggest

    minutes = total_minutes(read_manifest(data, "train", base.config.audio), base.config.audio)
    if minutes > 0:
        print(
            f"voxtune: {suggest(minutes).describe()}; this run: max_steps={config.max_steps} "
            f"learning_rate={config.learning_rate:g} eval_steps={config.eval_steps}"
        )


def builtin_id_lists(base: VoiceCheckpoint) -> list[list[int]]:
    """The built-in test set's prompts as the base voice's phoneme ids (recovery texts besides the corpus's)."""
    from voxtune.evaluate.testset import load_testset
    from voxtune.text.phonemize import EspeakPhonemizer
    from voxtune.text.symbols import phonemes_to_ids

    phonemizer = EspeakPhonemizer(base.config.text.espeak_voice, base.config.text.language)
    id_lists = []
    for prompt in load_testset("en"):  # the one built-in set so far
        phonemes = [p for sentence in phonemizer.phonemize(prompt.text) for p in sentence]
        id_lists.append(phonemes_to_ids(phonemes, base.phoneme_id_map)[0])
    return id_lists


def recovery_id_lists(corpus: list[list[int]], builtin: list[list[int]]) -> list[list[int]]:
    """Corpus and built-in texts interleaved, so a small ``max_utterances`` still covers both."""
    mixed = [ids for pair in zip(corpus, builtin, strict=False) for ids in pair]
    return mixed + corpus[len(builtin) :] + builtin[len(corpus) :]


def recover_for_dataset(
    base: VoiceCheckpoint,
    data: Path,
    config: RecoveryConfig | None,
    progress: bool,
    builtin: list[list[int]] | None = None,
) -> VoiceCheckpoint:
    """Recover ``base``'s posterior encoder on the dataset's train texts plus ``builtin`` ids (default: the
    built-in test set, phonemized here); says so on stdout and in the log."""
    import logging

    from voxtune.audio.io import load_audio
    from voxtune.data.loader import read_manifest

    log = logging.getLogger("voxtune")
    items = read_manifest(data, "train", base.config.audio)
    builtin = builtin_id_lists(base) if builtin is None else builtin
    id_lists = recovery_id_lists([list(item.ids) for item in items], builtin)
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
