"""One VITS training step: discriminator update, then generator update, on one batch.

Kept apart from the loop so the arithmetic of a step can be read (and tested) on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from voxtune.audio.features import mel_spectrogram, spec_to_mel
from voxtune.config import AudioConfig, TrainConfig
from voxtune.models.vits.discriminators import MultiPeriodDiscriminator
from voxtune.models.vits.model import VITS, TrainOutput
from voxtune.train import losses


@dataclass
class StepLosses:
    """Scalar losses of one step (python floats, for logging)."""

    discriminator: float
    generator: float
    mel: float
    kl: float
    duration: float
    adversarial: float
    feature_matching: float

    def finite(self) -> bool:
        return all(math.isfinite(v) for v in vars(self).values())


def slice_audio(wave: torch.Tensor, starts: torch.Tensor, hop: int, length: int) -> torch.Tensor:
    """The ``length`` samples of each ``wave`` ``(B, 1, T)`` beginning at frame ``starts`` ``(B,)``."""
    if wave.size(2) < int(starts.max()) * hop + length:
        wave = torch.nn.functional.pad(wave, [0, int(starts.max()) * hop + length - wave.size(2)])
    index = (starts * hop).view(-1, 1, 1) + torch.arange(length, device=wave.device).view(1, 1, -1)
    return torch.gather(wave, 2, index)


def generator_forward(generator: nn.Module, batch: dict[str, Any], n_speakers: int) -> TrainOutput:
    sid = batch["speaker_ids"] if n_speakers > 1 else None
    out: TrainOutput = generator(batch["ids"], batch["ids_lengths"], batch["spec"], batch["spec_lengths"], sid=sid)
    return out


def train_step(
    generator: nn.Module,
    discriminator: nn.Module,
    batch: dict[str, Any],
    audio: AudioConfig,
    config: TrainConfig,
    accelerator: Any,
    scale: float = 1.0,
    train_generator: bool = True,
) -> StepLosses:
    """Accumulate gradients of one (micro-)batch into both models; ``scale`` divides losses for accumulation.

    The discriminator sees the generated audio detached; while the generator loss is backpropagated the
    discriminator's parameters are frozen, so gradient accumulation never mixes the two objectives.
    """
    model: VITS = accelerator.unwrap_model(generator)
    hop = audio.hop_length
    segment = model.config.segment_size
    with accelerator.autocast():
        out = generator_forward(generator, batch, model.config.n_speakers)
    real = slice_audio(batch["wave"], out.ids_slice, hop, segment)
    fake = out.audio

    with accelerator.autocast():
        real_scores, fake_scores, _, _ = discriminator(real, fake.detach())
    loss_d = losses.discriminator_loss(real_scores, fake_scores)
    accelerator.backward(loss_d * scale)

    # Mel of the real slice: from the (already computed) linear spectrogram, in float32 outside autocast.
    frames = segment // hop
    index = out.ids_slice.view(-1, 1, 1) + torch.arange(frames, device=real.device).view(1, 1, -1)
    spec_slice = torch.gather(batch["spec"], 2, index.expand(-1, batch["spec"].size(1), -1))
    real_mel = spec_to_mel(spec_slice.float(), audio)
    fake_mel = mel_spectrogram(fake.squeeze(1).float(), audio)
    loss_mel = losses.mel_loss(real_mel, fake_mel)
    loss_kl = losses.kl_loss(out.z_p, out.logs_q, out.m_p, out.logs_p, out.y_mask)
    loss_dur = torch.sum(out.duration_loss.float())

    requires = [p.requires_grad for p in discriminator.parameters()]
    discriminator.requires_grad_(False)
    try:
        with accelerator.autocast():
            _, fake_scores_g, real_maps, fake_maps = discriminator(real, fake)
        loss_adv = losses.generator_adversarial_loss(fake_scores_g)
        loss_fm = losses.feature_matching_loss(real_maps, fake_maps)
        loss_g = loss_adv + loss_fm + config.c_mel * loss_mel + loss_dur + config.c_kl * loss_kl
        if train_generator:
            accelerator.backward(loss_g * scale)
        else:
            # Warm-up: no adversarial terms while the discriminator is new; the loop keeps only the posterior
            # encoder's gradients, so it adapts to the target recordings (the duration term keeps every
            # parameter in the graph, as DDP requires).
            accelerator.backward((config.c_mel * loss_mel + loss_dur + config.c_kl * loss_kl) * scale)
    finally:
        for parameter, flag in zip(discriminator.parameters(), requires, strict=True):
            parameter.requires_grad_(flag)
    return StepLosses(
        discriminator=float(loss_d.detach()),
        generator=float(loss_g.detach()),
        mel=float(loss_mel.detach()),
        kl=float(loss_kl.detach()),
        duration=float(loss_dur.detach()),
        adversarial=float(loss_adv.detach()),
        feature_matching=float(loss_fm.detach()),
    )


def new_discriminator(state: dict[str, torch.Tensor] | None) -> MultiPeriodDiscriminator:
    """The base voice's discriminator when it has one, else a fresh VITS discriminator."""
    if state is None:
        return MultiPeriodDiscriminator()
    from voxtune.pretrained.discriminator import discriminator_from_state

    return discriminator_from_state(state, "base discriminator")
