from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voxtune.audio.io import AudioFileError, load_audio, resample, save_audio, to_pcm16


def _sine(freq: float, sample_rate: int, seconds: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(sample_rate * seconds)) / sample_rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.mark.parametrize(("suffix", "tolerance"), [(".wav", 1e-4), (".flac", 1e-4), (".OGG", 0.05)])
def test_round_trip(tmp_path: Path, suffix: str, tolerance: float) -> None:
    wave = _sine(440.0, 16000, 0.25)
    path = tmp_path / f"clip{suffix}"
    save_audio(path, wave, 16000)
    loaded, rate = load_audio(path)
    assert rate == 16000
    assert loaded.dtype == np.float32 and loaded.shape == wave.shape
    assert np.max(np.abs(loaded - wave)) < tolerance


def test_wav_is_pcm16(tmp_path: Path) -> None:
    path = tmp_path / "clip.wav"
    save_audio(path, _sine(440.0, 8000, 0.1), 8000)
    assert sf.info(str(path)).subtype == "PCM_16"


def test_save_clips_out_of_range(tmp_path: Path) -> None:
    path = tmp_path / "loud.wav"
    save_audio(path, np.array([2.0, -3.0, 0.5], dtype=np.float32), 8000)
    loaded, _ = load_audio(path)
    np.testing.assert_allclose(loaded, [1.0, -1.0, 0.5], atol=1e-4)


def test_stereo_48k_is_downmixed_and_resampled(tmp_path: Path) -> None:
    left = _sine(440.0, 48000, 0.5, amplitude=0.6)
    stereo = np.stack([left, np.zeros_like(left)], axis=1)
    path = tmp_path / "stereo.wav"
    sf.write(str(path), stereo, 48000, subtype="PCM_16")

    native, native_rate = load_audio(path)
    assert native_rate == 48000 and native.shape == (24000,)
    np.testing.assert_allclose(native, left / 2, atol=1e-4)

    wave, rate = load_audio(path, sample_rate=22050)
    assert rate == 22050 and wave.ndim == 1 and wave.dtype == np.float32
    assert abs(wave.size - 11025) <= 1
    middle = wave[2000:9000]
    assert np.max(np.abs(middle)) == pytest.approx(0.3, abs=0.01)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.wav"
    with pytest.raises(AudioFileError, match=r"nope\.wav") as info:
        load_audio(path)
    assert "\n" not in str(info.value)


def test_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.wav"
    path.write_bytes(b"RIFF" + bytes(range(256)) * 4)
    with pytest.raises(AudioFileError, match=r"broken\.wav") as info:
        load_audio(path)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_directory_is_not_audio(tmp_path: Path) -> None:
    with pytest.raises(AudioFileError):
        load_audio(tmp_path)


def test_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(AudioFileError, match=r"clip\.xyz"):
        save_audio(tmp_path / "clip.xyz", np.zeros(10, dtype=np.float32), 8000)


def test_unwritable_destination(tmp_path: Path) -> None:
    with pytest.raises(AudioFileError, match="missing_dir"):
        save_audio(tmp_path / "missing_dir" / "clip.wav", np.zeros(10, dtype=np.float32), 8000)


def test_save_rejects_multichannel(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\(T,\)"):
        save_audio(tmp_path / "clip.wav", np.zeros((10, 2), dtype=np.float32), 8000)


def test_resample_length_and_identity() -> None:
    wave = _sine(100.0, 16000, 1.0)
    np.testing.assert_array_equal(resample(wave, 16000, 16000), wave)
    out = resample(wave, 16000, 8000)
    assert out.dtype == np.float32 and out.shape == (8000,)
    with pytest.raises(ValueError):
        resample(wave, 0, 8000)


def test_to_pcm16() -> None:
    data = to_pcm16(np.array([0.0, 1.0, -1.0, 0.5, 2.0], dtype=np.float32))
    assert len(data) == 10
    np.testing.assert_array_equal(np.frombuffer(data, dtype="<i2"), [0, 32767, -32767, 16384, 32767])
