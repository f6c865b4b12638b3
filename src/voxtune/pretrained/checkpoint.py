"""The self-describing voxtune checkpoint (``.pt``): config, symbol maps and weights in one file.

Layout (see DESIGN.md): ``{"format": "voxtune", "format_version": 1, "config": {...}, "phoneme_id_map": {...},
"speaker_id_map": {...}, "model": state_dict, "discriminator": state_dict (optional), "train_state": ...
(optional), "absent": [...], "provenance": {...}}``. It is read with ``torch.load(weights_only=True)``: plain
containers and tensors only, never arbitrary pickled objects.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path
from typing import Any

import torch

from voxtune.config import ConfigError, VoiceConfig, from_dict, to_dict
from voxtune.errors import VoxtuneError
from voxtune.models.vits.model import VITS

FORMAT = "voxtune"
FORMAT_VERSION = 1

StateDict = dict[str, torch.Tensor]


class CheckpointError(VoxtuneError):
    """A checkpoint that is missing, unreadable or not a voxtune checkpoint (one-line message)."""


@dataclasses.dataclass
class VoiceCheckpoint:
    """A voice in memory: what a ``.pt`` holds.

    ``absent`` lists module prefixes (e.g. ``"enc_q"``) whose weights the source did not have; a model built from
    the config keeps its fresh initialisation there.
    """

    config: VoiceConfig
    phoneme_id_map: dict[str, list[int]]
    model: StateDict
    speaker_id_map: dict[str, int] = dataclasses.field(default_factory=dict)
    discriminator: StateDict | None = None
    train_state: dict[str, Any] | None = None
    absent: list[str] = dataclasses.field(default_factory=list)
    provenance: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "config": to_dict(self.config),
            "phoneme_id_map": self.phoneme_id_map,
            "speaker_id_map": self.speaker_id_map,
            "model": self.model,
            "absent": self.absent,
            "provenance": self.provenance,
        }
        if self.discriminator is not None:
            payload["discriminator"] = self.discriminator
        if self.train_state is not None:
            payload["train_state"] = self.train_state
        return payload


def save_checkpoint(checkpoint: VoiceCheckpoint, path: str | Path) -> Path:
    """Write atomically (temp file + rename), so a crash never leaves a half-written checkpoint."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        torch.save(checkpoint.to_payload(), tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def load_checkpoint(path: str | Path) -> VoiceCheckpoint:
    """Read a voxtune ``.pt``; anything else raises :class:`CheckpointError` with a one-line reason."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for corrupt/foreign files; all mean "unreadable"
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CheckpointError(f"cannot read checkpoint {path}: {first_line}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a voxtune checkpoint (use `voxtune import` to convert it)")
    version = payload.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointError(f"{path} has format_version {version!r}; this voxtune reads up to {FORMAT_VERSION}")
    try:
        config = from_dict(VoiceConfig, payload["config"])
    except (ConfigError, KeyError) as error:
        raise CheckpointError(f"{path}: invalid config: {error}") from None
    return VoiceCheckpoint(
        config=config,
        phoneme_id_map={str(k): [int(i) for i in v] for k, v in payload["phoneme_id_map"].items()},
        speaker_id_map={str(k): int(v) for k, v in payload.get("speaker_id_map", {}).items()},
        model=payload["model"],
        discriminator=payload.get("discriminator"),
        train_state=payload.get("train_state"),
        absent=list(payload.get("absent", [])),
        provenance=dict(payload.get("provenance", {})),
    )


def model_from_checkpoint(checkpoint: VoiceCheckpoint) -> VITS:
    """Build the generator and load its weights; only the parts listed as ``absent`` may be missing."""
    model = VITS(checkpoint.config.model)
    missing, unexpected = model.load_state_dict(checkpoint.model, strict=False)
    absent = tuple(checkpoint.absent)
    not_allowed = [key for key in missing if not key.startswith(absent)]
    if unexpected or not_allowed:
        example = (unexpected or not_allowed)[0]
        raise CheckpointError(f"checkpoint weights do not fit its config (e.g. {example!r})")
    return model
