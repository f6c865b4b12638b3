"""Import an original VITS checkpoint: ``G_*.pth`` (generator), optionally ``D_*.pth`` (discriminator), and the
run's ``config.json`` (``data`` and ``model`` sections). Parameter names are identical to voxtune's; symbols are
VITS's 178-symbol inventory unless the config lists its own ``symbols``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from voxtune.config import AudioConfig, ModelConfig, TextConfig, VoiceConfig
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
from voxtune.text.symbols import vits_symbol_map


def _state(path: Path) -> dict[str, torch.Tensor]:
    data = load_torch_file(path)
    state = data.get("model", data)
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise PretrainedFormatError(f"{path.name} is not a VITS checkpoint (no 'model' state dict)")
    # Checkpoints saved from DataParallel/DDP prefix every key with "module.".
    return rename_parametrized_weight_norm({k.removeprefix("module."): v for k, v in state.items()})


def _read_config(g_path: Path, config_path: str | Path | None) -> dict[str, Any]:
    path = Path(config_path) if config_path else g_path.parent / "config.json"
    if not path.is_file():
        raise PretrainedFormatError(f"VITS config not found: {path} (pass --config path/to/config.json)")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PretrainedFormatError(f"cannot parse {path}: {error}") from None
    if "data" not in config or "model" not in config:
        raise PretrainedFormatError(f"{path} is not a VITS config (needs 'data' and 'model' sections)")
    return dict(config)


def import_vits_pth(
    path: str | Path, config_path: str | Path | None = None, discriminator_path: str | Path | None = None
) -> VoiceCheckpoint:
    """``G_*.pth`` (+ ``D_*.pth``) + ``config.json`` → :class:`VoiceCheckpoint`."""
    path = Path(path)
    generator = _state(path)
    raw = _read_config(path, config_path)
    data, model_section = raw["data"], raw["model"]
    if "enc_p.emb.weight" not in generator:
        raise PretrainedFormatError(f"{path.name} has no text embedding enc_p.emb.weight: not a VITS generator")
    audio = AudioConfig(
        sample_rate=int(data.get("sampling_rate", 22050)),
        filter_length=int(data.get("filter_length", 1024)),
        hop_length=int(data.get("hop_length", 256)),
        win_length=int(data.get("win_length", 1024)),
        n_mels=int(data.get("n_mel_channels", 80)),
        mel_fmin=float(data.get("mel_fmin", 0.0)),
        mel_fmax=data.get("mel_fmax"),
    )
    n_speakers = int(data.get("n_speakers", 0)) or 1
    model = ModelConfig(
        num_symbols=int(generator["enc_p.emb.weight"].shape[0]),
        n_speakers=n_speakers,
        spec_channels=audio.spec_channels,
        **depth_fields(generator),
        segment_size=int(raw.get("train", {}).get("segment_size", 8192)),
        **{name: nested_tuples(model_section[name]) for name in ARCHITECTURE_FIELDS if name in model_section},
    )
    symbols = raw.get("symbols")
    id_map = {s: [i] for i, s in enumerate(symbols)} if symbols else vits_symbol_map()
    if max(i for ids in id_map.values() for i in ids) >= model.num_symbols:
        raise PretrainedFormatError(f"{path.name}: the symbol table is larger than the embedding ({model.num_symbols})")
    config = VoiceConfig(
        audio=audio, model=model, text=TextConfig(id_layout="vits", add_blank=bool(data.get("add_blank", True)))
    )
    check_against(generator, VITS(model).state_dict(), path.name)
    discriminator = None
    if discriminator_path:
        discriminator = _state(Path(discriminator_path))
        discriminator_from_state(discriminator, Path(discriminator_path).name)
    return VoiceCheckpoint(
        config=config,
        phoneme_id_map=id_map,
        model=generator,
        discriminator=discriminator,
        absent=[] if discriminator else ["discriminator"],
        provenance={"source": path.name, "source_format": "vits-pth"},
    )
