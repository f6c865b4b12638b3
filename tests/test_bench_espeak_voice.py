"""The espeak-ng anchor voice of ``bench/evaluate.py``; skipped where Debian's ``espeak-ng`` is not installed."""

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from voxtune.evaluate import VoiceLike


def load_bench_module() -> ModuleType:
    # bench/ is a folder of scripts, not a package: load the file by path.
    path = Path(__file__).resolve().parents[1] / "bench" / "espeak_voice.py"
    spec = importlib.util.spec_from_file_location("espeak_voice", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


espeak_voice = load_bench_module()
needs_espeak = pytest.mark.skipif(not espeak_voice.espeak_available(), reason="espeak-ng is not installed")


@needs_espeak
def test_reads_text_as_float_audio() -> None:
    voice = espeak_voice.EspeakVoice()
    assert isinstance(voice, VoiceLike) and voice.name == "espeak-ng"
    assert re.fullmatch(r"espeak-ng \d+\.\d+\S*", voice.version), voice.version
    wave = voice.synthesize("Hello there, this is a test.")
    assert wave.dtype == np.float32 and wave.ndim == 1
    assert 0.8 < len(wave) / voice.sample_rate < 5.0
    assert 0.05 < np.abs(wave).max() <= 1.0


@needs_espeak
def test_text_starting_with_a_dash_is_read_not_parsed() -> None:
    voice = espeak_voice.EspeakVoice()
    assert len(voice.synthesize("-5 degrees outside.")) > len(voice.synthesize("Hi."))


def test_missing_binary_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(espeak_voice.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="apt-get install espeak-ng"):
        espeak_voice.EspeakVoice()
