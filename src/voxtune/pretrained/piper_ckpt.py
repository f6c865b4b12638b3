"""Import a Piper Lightning training checkpoint (``.ckpt``): ``state_dict`` with ``model_g.*`` (generator) and
``model_d.*`` (discriminator) plus ``hyper_parameters``. The phoneme map lives in the voice's JSON config
(``config.json`` beside the checkpoint or given explicitly); without one, Piper's default map is used."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from voxtune.config import AudioConfig, InferenceConfig, ModelConfig, TextConfig, VoiceConfig
from voxtune.models.vits.model import VITS
from voxtune.pretrained.checkpoint import VoiceCheckpoint
from voxtune.pretrained.discriminator import discriminator_from_state
from voxtune.pretrained.keymap import (
    ARCHITECTURE_FIELDS,
    PretrainedFormatError,
    check_against,
    depth_fields,
    nested_tuples,
    rename_parametrized_weight_norm,
)
from voxtune.pretrained.torch_files import load_torch_file


def _voice_config(
    hparams: Mapping[str, Any], generator: Mapping[str, torch.Tensor], piper_json: Mapping[str, Any]
) -> VoiceConfig:
    audio = AudioConfig(
        sample_rate=int(hparams.get("sample_rate", piper_json.get("audio", {}).get("sample_rate", 22050))),
        filter_length=int(hparams.get("filter_length", 1024)),
        hop_length=int(hparams.get("hop_length", 256)),
        win_length=int(hparams.get("win_length", 1024)),
        n_mels=int(hparams.get("mel_channels", 80)),
        mel_fmin=float(hparams.get("mel_fmin", 0.0)),
        mel_fmax=hparams.get("mel_fmax"),
    )
    names = (*ARCHITECTURE_FIELDS, "segment_size")
    fields = {name: nested_tuples(hparams[name]) for name in names if name in hparams}
    model = ModelConfig(
        num_symbols=int(generator["enc_p.emb.weight"].shape[0]),
        n_speakers=int(hparams.get("num_speakers", 1)),
        spec_channels=audio.spec_channels,
        **depth_fields(generator),
        **fields,
    )
    espeak = piper_json.get("espeak", {})
    inference = piper_json.get("inference", {})
    return VoiceConfig(
        audio=audio,
        model=model,
        text=TextConfig(
            espeak_voice=str(espeak.get("voice", "en-us")),
            language=str(piper_json.get("language", {}).get("code", "en_US")),
        ),
        inference=InferenceConfig(
            noise_scale=float(inference.get("noise_scale", 0.667)),
            length_scale=float(inference.get("length_scale", 1.0)),
            noise_w=float(inference.get("noise_w", 0.8)),
        ),
    )


def _find_json(ckpt_path: Path, config_path: str | Path | None) -> dict[str, Any]:
    candidates = (
        [Path(config_path)]
        if config_path
        else [
            ckpt_path.with_suffix(".onnx.json"),
            ckpt_path.parent / "config.json",
            ckpt_path.parent.parent / "config.json",
        ]
    )
    for candidate in candidates:
        if candidate.is_file():
            try:
                return dict(json.loads(candidate.read_text(encoding="utf-8")))
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                raise PretrainedFormatError(f"cannot parse {candidate}: {error}") from None
    if config_path:
        raise PretrainedFormatError(f"config file not found: {config_path}")
    return {}


def import_piper_ckpt(path: str | Path, config_path: str | Path | None = None) -> VoiceCheckpoint:
    """Generator and discriminator from a Piper ``.ckpt`` into a :class:`VoiceCheckpoint`."""
    path = Path(path)
    data = load_torch_file(path)
    state = data.get("state_dict")
    if not isinstance(state, dict) or not any(k.startswith("model_g.") for k in state):
        raise PretrainedFormatError(f"{path.name} is not a Piper checkpoint (no model_g.* weights)")
    state = rename_parametrized_weight_norm(state)
    generator = {k.removeprefix("model_g."): v for k, v in state.items() if k.startswith("model_g.")}
    discriminator = {k.removeprefix("model_d."): v for k, v in state.items() if k.startswith("model_d.")}
    others = [k for k in state if not k.startswith(("model_g.", "model_d."))]
    if others:
        raise PretrainedFormatError(f"{path.name}: unexpected weights outside model_g/model_d, e.g. {others[0]!r}")
    piper_json = _find_json(path, config_path)
    config = _voice_config(dict(data.get("hyper_parameters") or {}), generator, piper_json)
    check_against(generator, VITS(config.model).state_dict(), path.name)
    if discriminator:
        discriminator_from_state(discriminator, f"{path.name} (discriminator)")
    if "phoneme_id_map" in piper_json:
        id_map = {str(k): [int(i) for i in v] for k, v in piper_json["phoneme_id_map"].items()}
    else:
        from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

        id_map = {k: list(v) for k, v in DEFAULT_PHONEME_ID_MAP.items()}
    return VoiceCheckpoint(
        config=config,
        phoneme_id_map=id_map,
        speaker_id_map={str(k): int(v) for k, v in (piper_json.get("speaker_id_map") or {}).items()},
        model=generator,
        discriminator=discriminator or None,
        absent=[] if discriminator else ["discriminator"],
        provenance={
            "source": path.name,
            "source_format": "piper-ckpt",
            "global_step": data.get("global_step"),
            "phoneme_map": "config" if "phoneme_id_map" in piper_json else "piper-default",
        },
    )
