"""Spectrogram features computed exactly as VITS / Piper compute them, as pure functions of a wave and config.

The posterior encoder of a pretrained voice was trained on these linear spectrograms and its mel loss on
these mels, so any difference in padding, window or compression here would shift a fine-tuned voice's inputs.
"""

from __future__ import annotations

import functools

import librosa
import torch
import torch.nn.functional as F

from voxtune.config import AudioConfig

# Added under the square root so the magnitude's gradient is finite at exactly-zero bins (VITS's constant).
_MAGNITUDE_EPS = 1e-6
# Floor of the log compression: about -115 dB, far below anything audible in 16-bit audio.
_LOG_CLAMP_MIN = 1e-5


def linear_spectrogram(wave: torch.Tensor, cfg: AudioConfig) -> torch.Tensor:
    """Magnitude STFT of a float wave ``(B, T)`` → ``(B, filter_length // 2 + 1, frames)``.

    The wave is reflect-padded by ``(filter_length - hop_length) // 2`` on each side and framed without
    centering, so a wave of ``T`` samples (``T`` a multiple of the hop) gives exactly ``T // hop_length``
    frames: one per decoder output hop.
    """
    if wave.dim() != 2:
        raise ValueError(f"linear_spectrogram expects a wave of shape (B, T), got {tuple(wave.shape)}")
    pad = (cfg.filter_length - cfg.hop_length) // 2
    padded = F.pad(wave.unsqueeze(1), (pad, pad), mode="reflect").squeeze(1)
    stft = torch.stft(
        padded,
        n_fft=cfg.filter_length,
        hop_length=cfg.hop_length,
        win_length=cfg.win_length,
        window=_hann_window(cfg.win_length, wave.device, wave.dtype),
        center=False,
        normalized=False,
        onesided=True,
        return_complex=True,
    )
    return torch.sqrt(stft.real.pow(2) + stft.imag.pow(2) + _MAGNITUDE_EPS)


def mel_filterbank(
    cfg: AudioConfig, device: torch.device | str | None = None, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """Slaney-normalized mel filterbank ``(n_mels, filter_length // 2 + 1)`` from librosa.

    Cached per config, device and dtype: it is needed every training step. Do not modify the returned tensor
    in place, it is shared.
    """
    return _cached_filterbank(cfg, torch.device(device) if device is not None else torch.device("cpu"), dtype)


def spec_to_mel(spec: torch.Tensor, cfg: AudioConfig) -> torch.Tensor:
    """Linear magnitude spectrogram ``(B, filter_length // 2 + 1, frames)`` → log mel ``(B, n_mels, frames)``."""
    basis = mel_filterbank(cfg, spec.device, spec.dtype)
    return torch.log(torch.clamp(torch.matmul(basis, spec), min=_LOG_CLAMP_MIN))


def mel_spectrogram(wave: torch.Tensor, cfg: AudioConfig) -> torch.Tensor:
    """Log mel spectrogram of a wave ``(B, T)`` → ``(B, n_mels, frames)``, frames as in :func:`linear_spectrogram`."""
    return spec_to_mel(linear_spectrogram(wave, cfg), cfg)


@functools.lru_cache(maxsize=16)
def _hann_window(win_length: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """Periodic Hann window ``(win_length,)``, as ``torch.hann_window`` gives VITS."""
    # A tensor first made under inference_mode could never be saved for backward; the cache outlives the mode.
    with torch.inference_mode(False):
        return torch.hann_window(win_length, device=device, dtype=dtype)


@functools.lru_cache(maxsize=16)
def _cached_filterbank(cfg: AudioConfig, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """The filterbank behind :func:`mel_filterbank`, keyed on hashable arguments only."""
    basis = librosa.filters.mel(
        sr=cfg.sample_rate,
        n_fft=cfg.filter_length,
        n_mels=cfg.n_mels,
        fmin=cfg.mel_fmin,
        fmax=cfg.mel_fmax,
        htk=False,
        norm="slaney",
    )
    with torch.inference_mode(False):  # see _hann_window
        return torch.from_numpy(basis).to(device=device, dtype=dtype)
