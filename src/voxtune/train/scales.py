"""Choosing a fine-tuned voice's sampling noise by how intelligible it reads the dev split.

A VITS voice samples its latents (``noise_scale``) and its durations (``noise_w``). Piper ships every voice at
0.667 / 0.8; a voice fine-tuned on minutes of audio can mumble at that noise and read clearly with less: the
joe → Allison voice of BENCHMARKS.md went from WER 0.279 to 0.202 over three takes of the dev split at 0.333 /
0.333, for 0.01 of speaker similarity and no change in predicted MOS. With ``tune_scales=true`` the training
run ends by reading the dev texts at each candidate (several seeds, since one draw per prompt is noisy), and
``best.pt`` keeps the candidate with the lowest mean WER; a tie keeps the voice's configured scales. Exports
carry the chosen scales into the Piper sidecar, so every runtime uses them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from voxtune.train.evaluation import DevJudge

# (noise_scale, noise_w) to try besides the voice's configured pair: less sampling noise, in steps.
CANDIDATES: tuple[tuple[float, float], ...] = ((0.5, 0.5), (0.333, 0.333))
SEEDS: tuple[int, ...] = (0, 1)


@dataclass(frozen=True)
class ScaleChoice:
    """The chosen ``noise_scale`` / ``noise_w`` and each candidate's mean dev WER (configured pair first)."""

    noise_scale: float
    noise_w: float
    wer: dict[tuple[float, float], float]


def choose_scales(
    wer_of: Callable[[float, float, int], float],
    configured: tuple[float, float],
    candidates: Sequence[tuple[float, float]] = CANDIDATES,
    seeds: Sequence[int] = SEEDS,
) -> ScaleChoice:
    """``wer_of(noise_scale, noise_w, seed)`` → dev WER; the pair with the lowest mean over ``seeds`` wins."""
    pairs = [configured, *(pair for pair in candidates if pair != configured)]
    wer = {pair: sum(wer_of(*pair, seed) for seed in seeds) / len(seeds) for pair in pairs}
    best = min(pairs, key=lambda pair: wer[pair])  # min keeps the first of equals: the configured pair
    return ScaleChoice(best[0], best[1], wer)


def tune_voice_scales(voice_path: Path, judge: DevJudge, device: Any) -> ScaleChoice:
    """Choose the sampling noise of the voice at ``voice_path`` (a voxtune ``.pt``) by ``judge``'s dev WER and
    write it into the file's config (and the WER of each pair into its provenance)."""
    from voxtune.pretrained.checkpoint import load_checkpoint, model_from_checkpoint, save_checkpoint

    voice = load_checkpoint(voice_path)
    model = model_from_checkpoint(voice).to(device).eval()
    inference = voice.config.inference
    choice = choose_scales(
        lambda noise_scale, noise_w, seed: judge.wer_with(model, noise_scale, noise_w, seed),
        (inference.noise_scale, inference.noise_w),
    )
    chosen = replace(inference, noise_scale=choice.noise_scale, noise_w=choice.noise_w)
    voice.config = replace(voice.config, inference=chosen)
    voice.provenance = {**voice.provenance, "scales_dev_wer": {f"{k[0]:g}/{k[1]:g}": v for k, v in choice.wer.items()}}
    save_checkpoint(voice, voice_path)
    return choice
