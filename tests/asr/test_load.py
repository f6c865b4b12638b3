import warnings
from pathlib import Path

import pytest

from voxtune.asr import ASR, ASRUnavailableError, FakeASR, PocketSphinxASR, load_asr
from voxtune.asr.load import WHISPER_DIR_ENV

WHISPER_DIR = Path(__file__).resolve().parents[2] / ".cache" / "whisper-base"


def test_fake_spec_and_passthrough() -> None:
    asr = load_asr("fake")
    assert isinstance(asr, FakeASR)
    assert isinstance(asr, ASR)
    assert load_asr(asr) is asr


@pytest.mark.parametrize("spec", ["nonsense", "fake:x", "sphinx:big"])
def test_unknown_spec_is_one_clear_line(spec: str) -> None:
    with pytest.raises(ASRUnavailableError) as info:
        load_asr(spec)
    message = str(info.value)
    assert "\n" not in message
    assert spec in message and "pocketsphinx" in message


def test_missing_whisper_dir_names_the_dir_and_the_tool(tmp_path: Path) -> None:
    with pytest.raises(ASRUnavailableError) as info:
        load_asr(f"whisper:{tmp_path / 'nowhere'}")
    assert "does not exist" in str(info.value)
    assert "whisper-base-offline.sh" in str(info.value)


def test_whisper_dir_without_model_files(tmp_path: Path) -> None:
    with pytest.raises(ASRUnavailableError, match=r"has no model\.bin"):
        load_asr(f"whisper:{tmp_path}")


def test_pocketsphinx_spec() -> None:
    asr = load_asr("pocketsphinx")
    assert isinstance(asr, PocketSphinxASR)
    assert asr.name == "pocketsphinx:en-us"


def test_auto_falls_back_to_pocketsphinx_with_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WHISPER_DIR_ENV, str(tmp_path / "missing"))
    # An empty hub cache: "auto" must never download, so "base" cannot be found either.
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asr = load_asr("auto")
    assert isinstance(asr, PocketSphinxASR)
    assert any("pocketsphinx" in str(w.message) for w in caught)


@pytest.mark.slow
@pytest.mark.skipif(not (WHISPER_DIR / "model.bin").is_file(), reason="no offline Whisper-base in .cache/")
def test_auto_finds_whisper_dir_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WHISPER_DIR_ENV, str(WHISPER_DIR))
    asr = load_asr("auto")
    assert asr.name.startswith("faster-whisper:whisper-base")
