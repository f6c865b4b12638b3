"""A tiny prepared dataset (synthetic tones, random phoneme ids) and a tiny base voice with a discriminator."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from voxtune.audio.io import save_audio
from voxtune.models.vits.discriminators import MultiPeriodDiscriminator
from voxtune.models.vits.model import VITS
from voxtune.models.vits.presets import tiny
from voxtune.pretrained.checkpoint import VoiceCheckpoint

TINY_DISCRIMINATOR = {"scale_channels": (4, 8, 8, 8, 8, 8), "period_channels": (4, 8, 8, 8, 8)}


def make_dataset(root: Path, n_train: int = 6, n_dev: int = 2, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    (root / "wavs").mkdir(parents=True)
    with (root / "manifest.jsonl").open("w", encoding="utf-8") as manifest:
        for index in range(n_train + n_dev):
            seconds = float(rng.uniform(0.15, 0.35))
            t = np.arange(int(seconds * 8000)) / 8000
            wave = 0.3 * np.sin(2 * np.pi * rng.uniform(150, 600) * t) * np.hanning(len(t))
            name = f"u{index:03d}"
            save_audio(root / "wavs" / f"{name}.flac", wave.astype(np.float32), 8000)
            ids = [1, 0, *[int(x) for y in rng.integers(3, 12, size=int(rng.integers(4, 9))) for x in (y, 0)], 2]
            record = {
                "id": name,
                "audio": f"wavs/{name}.flac",
                "text": "la la",
                "phoneme_ids": ids,
                "duration": len(wave) / 8000,
                "speaker": "s",
                "split": "train" if index < n_train else "dev",
                # The rest of a prepared manifest entry (see voxtune.data.manifest.ManifestEntry).
                "normalized_text": "la la",
                "phonemes": ["la la"],
                "num_samples": len(wave),
                "sample_rate": 8000,
                "source": f"synthetic:{index}",
                "segment": None,
                "missing_phonemes": [],
                "dropped_characters": [],
                "flags": [],
                "stats": {},
            }
            manifest.write(json.dumps(record) + "\n")
    return root


@pytest.fixture
def dataset_factory() -> Callable[..., Path]:
    return make_dataset


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return make_dataset(tmp_path / "data")


@pytest.fixture
def base_voice() -> VoiceCheckpoint:
    return make_base_voice()


def make_base_voice() -> VoiceCheckpoint:
    """The tiny base voice with a discriminator (also built by ddp_worker.py, which runs outside pytest)."""
    torch.manual_seed(0)
    config = tiny()
    return VoiceCheckpoint(
        config=config,
        phoneme_id_map={"_": [0], "^": [1], "$": [2]} | {chr(97 + i): [3 + i] for i in range(9)},
        model=VITS(config.model).state_dict(),
        discriminator=MultiPeriodDiscriminator(**TINY_DISCRIMINATOR).state_dict(),  # type: ignore[arg-type]
        provenance={"source": "tests"},
    )
