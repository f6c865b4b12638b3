"""Rebuilding the training-only parts an exported voice lacks, so any voice can be fine-tuned.

A Piper ``.onnx`` has no posterior encoder (``enc_q``) and no discriminator (rhasspy/piper#48). The posterior
encoder is recovered by **self-distillation**: the base voice speaks sentences (the target corpus's texts plus
the built-in test set), and for each the latent ``z`` its decoder turned into audio is known; ``enc_q`` learns
to recover that ``z`` from the audio's spectrogram (mean squared error, each channel in units of its spread).
Its log-std is then a constant per channel: the log RMS error of that mean on held-out clips. The rest of the
generator is untouched. The discriminator is not distilled: fine-tuning starts a fresh one and warms it up
(``discriminator_warmup_steps``) while, of the generator, only the posterior encoder learns, from the
reconstruction and KL terms on the target recordings (``voxtune.train.loop``). The duration predictor's
posterior flows (``dp.post_*``, ``dp.flows.1``) start fresh; their output projections are zero-initialised,
so they begin as identities.

Recovery quality is reported as the log-mel L1 between ``dec(mean of enc_q(spec))`` and the audio, on held-out
self-generated clips (and on real recordings when given). The result is cached per base voice.
"""

from __future__ import annotations

import hashlib
import logging
import random
from dataclasses import dataclass
from pathlib import Path

import torch

from voxtune.audio.features import linear_spectrogram, mel_spectrogram, spec_to_mel
from voxtune.cache import cache_root
from voxtune.config import AudioConfig
from voxtune.models.vits.model import VITS
from voxtune.models.vits.posterior_encoder import PosteriorEncoder
from voxtune.pretrained.checkpoint import VoiceCheckpoint, load_checkpoint, model_from_checkpoint, save_checkpoint

log = logging.getLogger(__name__)

RECOVERABLE = ("enc_q.",)
# Bumped whenever the recovery recipe changes, so cached results of an older recipe are not reused.
RECIPE_VERSION = 3


@dataclass(frozen=True)
class RecoveryConfig:
    """Sizes of the self-distillation; the defaults take a few minutes on two CPU cores."""

    max_utterances: int = 100
    steps: int = 300
    batch_size: int = 8
    segment_frames: int = 64
    learning_rate: float = 2e-3
    noise_scale: float = 0.667
    noise_w: float = 0.8
    seed: int = 1234


@dataclass
class Recovered:
    """The recovered voice and how well its posterior encoder fits: reconstruction log-mel L1 on held-out
    generated clips and on real recordings, and the training loss over the first and last tenth of the steps."""

    checkpoint: VoiceCheckpoint
    mel_distance_generated: float
    mel_distance_real: float | None
    from_cache: bool
    loss_start: float | None = None
    loss_end: float | None = None


def cache_dir() -> Path:
    return cache_root() / "recovered"


def _cache_key(base: VoiceCheckpoint, config: RecoveryConfig) -> str:
    """Identifies the base voice's weights and the recovery settings; the texts spoken do not enter it, so a
    voice is recovered once and reused for every corpus it is fine-tuned on."""
    digest = hashlib.sha256()
    for name in sorted(base.model):
        digest.update(name.encode())
        digest.update(base.model[name].detach().cpu().numpy().tobytes())
    digest.update(f"{RECIPE_VERSION}:{config!r}".encode())
    return digest.hexdigest()[:20]


def needs_recovery(base: VoiceCheckpoint) -> bool:
    return any(part.startswith(RECOVERABLE) for part in base.absent)


@dataclass(frozen=True)
class _Clip:
    """One sentence the base voice spoke: spectrogram ``(F, T)``, the latent it decoded ``(C, T)``, the wave
    ``(T * hop,)`` and its speaker conditioning ``(gin, 1)`` (``None`` for a single-speaker voice)."""

    spec: torch.Tensor
    latent: torch.Tensor
    wave: torch.Tensor
    g: torch.Tensor | None


@torch.no_grad()
def _generate(
    model: VITS, id_lists: list[list[int]], audio: AudioConfig, config: RecoveryConfig, progress: bool
) -> list[_Clip]:
    """Each text spoken by the base voice; a multi-speaker voice takes its speakers in turn, so the posterior
    encoder learns every speaker's latents with that speaker's conditioning."""
    from tqdm.auto import tqdm

    clips = []
    device = next(model.parameters()).device
    speakers = max(1, model.config.n_speakers)
    for number, ids in enumerate(tqdm(id_lists, desc="recovery: base voice speaks", unit="utt", disable=not progress)):
        sid = torch.tensor([number % speakers], device=device)
        out = model.infer(
            torch.tensor([ids], device=device),
            torch.tensor([len(ids)], device=device),
            sid=sid,
            noise_scale=config.noise_scale,
            noise_scale_w=config.noise_w,
        )
        wave = out.audio[0, 0]
        spec = linear_spectrogram(wave.unsqueeze(0), audio)[0]
        frames = min(spec.size(1), out.latent.size(2))
        g = model.speaker_embedding(sid)
        clips.append(
            _Clip(
                spec[:, :frames],
                out.latent[0, :, :frames],
                wave[: frames * audio.hop_length],
                None if g is None else g[0],
            )
        )
    return clips


def _batch(
    clips: list[_Clip], size: int, frames: int, rng: random.Random
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Random ``frames``-long pieces: spectrograms ``(B, F, frames)``, latents ``(B, C, frames)``, conditioning."""
    specs, latents, conditions = [], [], []
    for clip in rng.sample(clips, min(size, len(clips))):
        start = rng.randint(0, max(clip.spec.size(1) - frames, 0))
        piece_spec, piece_latent = clip.spec[:, start : start + frames], clip.latent[:, start : start + frames]
        pad = frames - piece_spec.size(1)
        specs.append(torch.nn.functional.pad(piece_spec, [0, pad]))
        latents.append(torch.nn.functional.pad(piece_latent, [0, pad]))
        conditions.append(clip.g)
    g = None if conditions[0] is None else torch.stack([c for c in conditions if c is not None])
    return torch.stack(specs), torch.stack(latents), g


def _latent_scale(clips: list[_Clip]) -> torch.Tensor:
    """Per-channel standard deviation of the base voice's latents, ``(1, C, 1)``."""
    latents = torch.cat([clip.latent for clip in clips], dim=1)
    return latents.std(dim=1).clamp_min(1e-3).view(1, -1, 1)


@torch.no_grad()
def _calibrate_spread(encoder: PosteriorEncoder, clips: list[_Clip]) -> None:
    """Make the posterior's log-std a constant per channel: the log RMS error of its mean on held-out clips.

    The projection's log-std rows are zeroed and their bias set, so the spread no longer depends on the input and
    cannot blow up on recordings unlike the base voice; fine-tuning learns an input-dependent spread again.
    Clamped to [-5, 1]: tighter than e^-5 would make the KL term stiff, wider than e^1 drowns the mean in noise.
    """
    squared = []
    for clip in clips:
        lengths = torch.tensor([clip.spec.size(1)], device=clip.spec.device)
        g = None if clip.g is None else clip.g.unsqueeze(0)
        _, m_q, _, _ = encoder(clip.spec.unsqueeze(0), lengths, g=g)
        squared.append((clip.latent - m_q[0]) ** 2)
    rms = torch.cat(squared, dim=1).mean(dim=1).sqrt()
    proj = encoder.proj
    channels = proj.out_channels // 2
    proj.weight[channels:].zero_()
    assert proj.bias is not None
    proj.bias[channels:] = rms.clamp_min(1e-6).log().clamp(-5.0, 1.0)


@torch.no_grad()
def reconstruction_distance(
    model: VITS, waves: list[torch.Tensor], audio: AudioConfig, conditions: list[torch.Tensor | None] | None = None
) -> float:
    """Mean log-mel L1 between each wave and ``dec(mean of enc_q(spec(wave)))``.

    ``conditions``: each wave's speaker conditioning ``(gin, 1)``; by default a multi-speaker voice's first speaker.
    """
    total, count = 0.0, 0
    device = next(model.parameters()).device
    default = model.speaker_embedding(torch.tensor([0], device=device))
    for number, wave in enumerate(waves):
        given = conditions[number] if conditions is not None else None
        g = given.unsqueeze(0) if given is not None else default
        frames = len(wave) // audio.hop_length
        wave = wave[: frames * audio.hop_length].unsqueeze(0).to(device)
        spec = linear_spectrogram(wave, audio)[:, :, :frames]
        _, m_q, _, mask = model.enc_q(spec, torch.tensor([frames], device=device), g=g)
        fake = model.dec(m_q * mask, g=g)[:, 0]
        real_mel, fake_mel = spec_to_mel(spec, audio), mel_spectrogram(fake, audio)
        n = min(real_mel.size(2), fake_mel.size(2))
        total += float(torch.abs(real_mel[:, :, :n] - fake_mel[:, :, :n]).sum())
        count += n * real_mel.size(1)
    return total / max(count, 1)


def recover(
    base: VoiceCheckpoint,
    id_lists: list[list[int]],
    *,
    real_waves: list[torch.Tensor] | None = None,
    config: RecoveryConfig | None = None,
    progress: bool = True,
    use_cache: bool = True,
) -> Recovered:
    """Return ``base`` with a posterior encoder rebuilt by self-distillation (see module docstring)."""
    config = config or RecoveryConfig()
    audio = base.config.audio
    id_lists = id_lists[: config.max_utterances]
    key = _cache_key(base, config)
    cached = cache_dir() / f"{key}.pt"
    if use_cache and cached.is_file():
        checkpoint = load_checkpoint(cached)
        log.info("using the recovered base cached at %s", cached)
        return Recovered(
            checkpoint,
            float(checkpoint.provenance.get("recovery_mel_distance", float("nan"))),
            checkpoint.provenance.get("recovery_mel_distance_real"),
            from_cache=True,
        )

    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    # On a GPU when there is one: generation and fitting take seconds there, minutes on a CPU.
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = model_from_checkpoint(base).to(device).eval()
    clips = _generate(model, id_lists, audio, config, progress)
    held_out = max(1, len(clips) // 10)
    train_clips, test_clips = clips[held_out:], clips[:held_out]

    encoder = model.enc_q.train()
    optimizer = torch.optim.AdamW(encoder.parameters(), lr=config.learning_rate, betas=(0.8, 0.99))
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, config.steps)
    from tqdm.auto import tqdm

    bar = tqdm(range(config.steps), desc="recovery: posterior encoder", unit="step", disable=not progress)
    scale = _latent_scale(train_clips)
    history: list[float] = []
    for _ in bar:
        spec, latent, g = _batch(train_clips, config.batch_size, config.segment_frames, rng)
        lengths = torch.full((spec.size(0),), spec.size(2), device=spec.device)
        _, m_q, _, _ = encoder(spec, lengths, g=g)
        # Only the mean is fitted, each channel's error measured in that channel's own spread. A learned log-std
        # extrapolates wildly on audio unlike the base voice's (e^14 on a few channels of real recordings), and one
        # such channel makes the first fine-tuning steps diverge; the spread is set afterwards (_calibrate_spread).
        loss = (((latent - m_q) / scale) ** 2).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        history.append(float(loss.detach()))
        bar.set_postfix(mse=f"{history[-1]:.3f}")
    encoder.eval()
    _calibrate_spread(encoder, test_clips)

    generated = reconstruction_distance(model, [c.wave for c in test_clips], audio, [c.g for c in test_clips])
    real = reconstruction_distance(model, real_waves, audio) if real_waves else None
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    recovered = VoiceCheckpoint(
        config=base.config,
        phoneme_id_map=base.phoneme_id_map,
        speaker_id_map=base.speaker_id_map,
        model=state,
        discriminator=base.discriminator,
        absent=[p for p in base.absent if not p.startswith(RECOVERABLE) and not p.startswith("dp.")],
        provenance={
            **base.provenance,
            "recovered": "enc_q by self-distillation",
            "recovery_steps": config.steps,
            "recovery_utterances": len(clips),
            "recovery_mel_distance": generated,
            "recovery_mel_distance_real": real,
        },
    )
    if use_cache:
        save_checkpoint(recovered, cached)
    tenth = max(1, len(history) // 10)
    return Recovered(
        recovered,
        generated,
        real,
        from_cache=False,
        loss_start=sum(history[:tenth]) / tenth,
        loss_end=sum(history[-tenth:]) / tenth,
    )
