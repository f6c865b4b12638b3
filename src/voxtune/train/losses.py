"""VITS training losses: mel reconstruction (L1), KL between posterior and flow-mapped prior, least-squares GAN
and feature matching. Pure functions of tensors; the weights (``c_mel``, ``c_kl``) are applied by the loop."""

from __future__ import annotations

from collections.abc import Sequence

import torch


def discriminator_loss(real_scores: Sequence[torch.Tensor], fake_scores: Sequence[torch.Tensor]) -> torch.Tensor:
    """LSGAN: push real scores to 1 and generated ones to 0, summed over discriminators."""
    total = torch.zeros((), device=real_scores[0].device)
    for real, fake in zip(real_scores, fake_scores, strict=True):
        total = total + torch.mean((1 - real.float()) ** 2) + torch.mean(fake.float() ** 2)
    return total


def generator_adversarial_loss(fake_scores: Sequence[torch.Tensor]) -> torch.Tensor:
    """LSGAN: push the discriminators' scores of generated audio to 1."""
    return sum(
        (torch.mean((1 - fake.float()) ** 2) for fake in fake_scores), fake_scores[0].new_zeros((), dtype=torch.float32)
    )


def feature_matching_loss(
    real_maps: Sequence[Sequence[torch.Tensor]], fake_maps: Sequence[Sequence[torch.Tensor]]
) -> torch.Tensor:
    """L1 between discriminator feature maps of real and generated audio (x2, as in VITS)."""
    total = fake_maps[0][0].new_zeros((), dtype=torch.float32)
    for real_layers, fake_layers in zip(real_maps, fake_maps, strict=True):
        for real, fake in zip(real_layers, fake_layers, strict=True):
            total = total + torch.mean(torch.abs(real.float().detach() - fake.float()))
    return total * 2


def kl_loss(
    z_p: torch.Tensor, logs_q: torch.Tensor, m_p: torch.Tensor, logs_p: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """KL(q(z|x) || p(z|c)) estimated at the posterior sample mapped through the flow; all ``(B, C, T)``,
    mask ``(B, 1, T)``; mean over valid frames and channels' sum."""
    z_p, logs_q, m_p, logs_p = (t.float() for t in (z_p, logs_q, m_p, logs_p))
    kl = logs_p - logs_q - 0.5 + 0.5 * ((z_p - m_p) ** 2) * torch.exp(-2.0 * logs_p)
    return torch.sum(kl * mask) / torch.sum(mask)


def mel_loss(real_mel: torch.Tensor, fake_mel: torch.Tensor) -> torch.Tensor:
    """L1 between log-mel spectrograms ``(B, n_mels, T)``."""
    return torch.nn.functional.l1_loss(fake_mel.float(), real_mel.float())
