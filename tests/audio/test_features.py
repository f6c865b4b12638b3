from __future__ import annotations

import math

import pytest
import torch

from voxtune.audio.features import linear_spectrogram, mel_filterbank, mel_spectrogram, spec_to_mel
from voxtune.config import AudioConfig

# Small but VITS-shaped: n_fft 4x the hop, as Piper's 1024/256.
CFG = AudioConfig(sample_rate=8000, filter_length=256, hop_length=64, win_length=256, n_mels=20)


def _sine(freq: float, n_samples: int, sample_rate: int = CFG.sample_rate) -> torch.Tensor:
    t = torch.arange(n_samples, dtype=torch.float32) / sample_rate
    return torch.sin(2 * math.pi * freq * t)


def test_linear_spectrogram_shape() -> None:
    wave = torch.randn(3, 64 * 20)
    spec = linear_spectrogram(wave, CFG)
    assert spec.shape == (3, CFG.filter_length // 2 + 1, 20)
    assert spec.dtype == torch.float32
    # The epsilon under the square root keeps every magnitude at least 1e-3.
    assert float(spec.min()) >= 1e-3 - 1e-7


def test_linear_spectrogram_rejects_unbatched() -> None:
    with pytest.raises(ValueError, match=r"\(B, T\)"):
        linear_spectrogram(torch.zeros(640), CFG)


def test_sine_energy_in_its_bin() -> None:
    bin_index = 20
    freq = bin_index * CFG.sample_rate / CFG.filter_length  # 625 Hz, exactly on a bin centre
    spec = linear_spectrogram(_sine(freq, 64 * 32).unsqueeze(0), CFG)
    # Edge frames see reflect padding, which breaks the sine's phase; the interior is a clean tone.
    frame_peaks = spec[0, :, 2:-2].argmax(dim=0)
    assert torch.all(frame_peaks == bin_index)
    # A Hann-windowed unit sine peaks at win_length / 4 in its bin.
    assert float(spec[0, bin_index, 10]) == pytest.approx(CFG.win_length / 4, rel=0.02)


def test_matches_torch_stft_on_vits_padding() -> None:
    wave = torch.randn(2, 64 * 10)
    pad = (CFG.filter_length - CFG.hop_length) // 2
    padded = torch.nn.functional.pad(wave.unsqueeze(1), (pad, pad), mode="reflect").squeeze(1)
    stft = torch.stft(
        padded,
        CFG.filter_length,
        CFG.hop_length,
        CFG.win_length,
        torch.hann_window(CFG.win_length),
        center=False,
        return_complex=True,
    )
    expected = torch.sqrt(stft.abs() ** 2 + 1e-6)
    torch.testing.assert_close(linear_spectrogram(wave, CFG), expected)


def test_mel_filterbank_is_cached_and_shaped() -> None:
    basis = mel_filterbank(CFG)
    assert basis.shape == (CFG.n_mels, CFG.filter_length // 2 + 1)
    assert mel_filterbank(CFG) is basis
    assert mel_filterbank(CFG, dtype=torch.float64).dtype == torch.float64
    other = AudioConfig(sample_rate=8000, filter_length=256, hop_length=64, win_length=256, n_mels=10)
    assert mel_filterbank(other).shape[0] == 10


def test_mel_of_linear_equals_mel_spectrogram() -> None:
    wave = torch.randn(2, 64 * 16) * 0.1
    mel = mel_spectrogram(wave, CFG)
    assert mel.shape == (2, CFG.n_mels, 16)
    torch.testing.assert_close(spec_to_mel(linear_spectrogram(wave, CFG), CFG), mel)


def test_mel_log_floor_on_silence() -> None:
    mel = mel_spectrogram(torch.zeros(1, 64 * 4), CFG)
    assert torch.isfinite(mel).all()
    assert float(mel.min()) >= math.log(1e-5) - 1e-6


def test_cached_tensors_usable_for_backward_after_inference_mode() -> None:
    cfg = AudioConfig(sample_rate=8000, filter_length=128, hop_length=32, win_length=128, n_mels=8)
    with torch.inference_mode():
        mel_spectrogram(torch.randn(1, 32 * 4), cfg)
    wave = torch.randn(1, 32 * 4, requires_grad=True)
    mel_spectrogram(wave, cfg).sum().backward()
    assert wave.grad is not None and torch.isfinite(wave.grad).all()


def test_window_shorter_than_fft() -> None:
    cfg = AudioConfig(sample_rate=8000, filter_length=256, hop_length=64, win_length=128, n_mels=20)
    spec = linear_spectrogram(torch.randn(1, 64 * 8), cfg)
    assert spec.shape == (1, 129, 8)
