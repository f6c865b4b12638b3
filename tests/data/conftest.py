"""Fixtures of the data tests: a tiny 8 kHz voice and tiny corpora in temporary directories."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from corpora import TEXTS, ljspeech

from voxtune.models.vits.model import VITS
from voxtune.models.vits.presets import tiny
from voxtune.pretrained.checkpoint import VoiceCheckpoint, save_checkpoint


@pytest.fixture(scope="session")
def voice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny 8 kHz voice with Piper's default phoneme map: loads in milliseconds."""
    from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

    config = tiny(num_symbols=256)
    checkpoint = VoiceCheckpoint(
        config=config,
        phoneme_id_map={k: list(v) for k, v in DEFAULT_PHONEME_ID_MAP.items()},
        model=VITS(config.model).state_dict(),
        provenance={"source": "tests/data"},
    )
    return save_checkpoint(checkpoint, tmp_path_factory.mktemp("voice") / "tiny.pt")


@pytest.fixture
def make_corpus(tmp_path: Path) -> Callable[[int], Path]:
    """``make_corpus(n)``: an LJSpeech corpus of ``n`` clean items in ``tmp_path/corpus``."""

    def make(n: int) -> Path:
        rows = [(f"utt{i:03d}", TEXTS[i % len(TEXTS)]) for i in range(n)]
        return ljspeech(tmp_path / "corpus", rows)

    return make
