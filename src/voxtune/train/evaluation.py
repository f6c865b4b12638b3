"""Evaluation during training on the dev split.

* ``mel_distance`` (always): the dev text is synthesized with the durations the model itself aligns to the
  real recording (monotonic alignment of its posterior to its prior), decoded from the prior mean without noise,
  and compared to the recording as mean L1 between log-mel spectrograms. It moves with pronunciation and
  timbre alike and needs no ASR.
* ``wer`` (when an ASR is configured): free synthesis of the dev texts (default scales, fixed seed),
  transcribed and scored against the texts.
* ``speaker_similarity`` (when asked for): cosine between the mean resemblyzer embedding of that free synthesis
  and the mean embedding of the dev recordings (the speaker-level figure of ``voxtune evaluate``).

The composite score used for best-checkpoint choice and early stopping (lower is better) is
``mel_distance * (1 + 2 * wer) * (2 - speaker_similarity)``, each factor present only when its figure is: an
unintelligible or wrong-sounding voice loses to a slightly less exact one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from voxtune.audio.features import mel_spectrogram, spec_to_mel
from voxtune.audio.io import save_audio
from voxtune.config import AudioConfig
from voxtune.models.vits.model import VITS, align


@dataclass
class EvalScores:
    mel_distance: float
    wer: float | None = None
    speaker_similarity: float | None = None

    @property
    def score(self) -> float:
        """Composite, lower is better (see module docstring)."""
        score = self.mel_distance
        if self.wer is not None:
            score *= 1 + 2 * self.wer
        if self.speaker_similarity is not None:
            score *= 2 - self.speaker_similarity
        return score


class DevJudge:
    """Scores free synthesis of the dev texts: WER through an ASR and speaker similarity to the dev recordings.

    The ASR, the speaker encoder and the recordings' embeddings are loaded once, on first use.
    """

    def __init__(self, dev_items: list[Any], sample_rate: int, asr: str, speaker: bool, seed: int) -> None:
        self.dev_items = dev_items
        self.sample_rate = sample_rate
        self.asr_spec = asr
        self.speaker = speaker
        self.seed = seed
        self._asr: Any = None
        self._encoder: Any = None
        self._reference: list[np.ndarray | None] | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.dev_items) and (bool(self.asr_spec) or self.speaker)

    def judge(self, model: VITS) -> tuple[float | None, float | None]:
        """(WER, speaker similarity) of the model's free synthesis; ``None`` for what is not configured."""
        waves = synthesize_texts(model, [list(i.ids) for i in self.dev_items], seed=self.seed)
        return self._wer(waves), self._similarity(waves)

    def wer_with(self, model: VITS, noise_scale: float, noise_w: float, seed: int) -> float:
        """WER of the model's free synthesis of the dev texts at these noise scales and this seed."""
        ids = [list(i.ids) for i in self.dev_items]
        wer = self._wer(synthesize_texts(model, ids, seed=seed, noise_scale=noise_scale, noise_w=noise_w))
        if wer is None:
            raise ValueError("no ASR configured (eval_asr): WER cannot be measured")
        return wer

    def _wer(self, waves: list[np.ndarray]) -> float | None:
        if not self.asr_spec:
            return None
        from voxtune.asr.load import load_asr
        from voxtune.evaluate.wer import corpus_errors, utterance_errors

        self._asr = self._asr or load_asr(self.asr_spec)
        transcripts = self._asr.transcribe(waves, self.sample_rate)
        errors = [utterance_errors(i.text, t.text) for i, t in zip(self.dev_items, transcripts, strict=True)]
        return corpus_errors(errors).wer

    def _similarity(self, waves: list[np.ndarray]) -> float | None:
        if not self.speaker:
            return None
        from voxtune.audio.io import load_audio
        from voxtune.evaluate.speaker import ResemblyzerEncoder, speaker_similarity

        self._encoder = self._encoder or ResemblyzerEncoder()
        if self._reference is None:
            recordings = [load_audio(i.audio_path, sample_rate=self.sample_rate)[0] for i in self.dev_items]
            self._reference = [self._encoder.embed(w, self.sample_rate) for w in recordings]
        embeddings = [self._encoder.embed(w, self.sample_rate) for w in waves]
        return speaker_similarity(embeddings, self._reference).speaker


@torch.no_grad()
def aligned_synthesis(model: VITS, batch: dict[str, Any]) -> torch.Tensor:
    """Audio ``(B, 1, T_frames * hop)`` for the batch's texts with durations aligned to its recordings."""
    sid = batch["speaker_ids"] if model.config.n_speakers > 1 else None
    _, m_p, logs_p, x_mask = model.enc_p(batch["ids"], batch["ids_lengths"])
    g = model.speaker_embedding(sid)
    z, _, _, y_mask = model.enc_q(batch["spec"], batch["spec_lengths"], g=g)
    z_p = model.flow(z, y_mask, g=g)
    attn = align(z_p, m_p, logs_p, x_mask, y_mask).squeeze(1)
    m_frames = torch.matmul(attn, m_p.transpose(1, 2)).transpose(1, 2)
    z_hat = model.flow(m_frames, y_mask, g=g, reverse=True)
    return model.dec(z_hat * y_mask, g=g)


@torch.no_grad()
def mel_distance(model: VITS, batches: list[dict[str, Any]], audio: AudioConfig) -> float:
    """Mean log-mel L1 over the valid frames of the dev batches (see module docstring)."""
    total, count = 0.0, 0
    device = next(model.parameters()).device
    for batch in batches:
        batch = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
        fake = aligned_synthesis(model, batch)
        fake_mel = mel_spectrogram(fake.squeeze(1).float(), audio)
        real_mel = spec_to_mel(batch["spec"].float(), audio)
        frames = min(fake_mel.size(2), real_mel.size(2))
        for i, length in enumerate(batch["spec_lengths"].tolist()):
            n = min(length, frames)
            total += float(torch.abs(fake_mel[i, :, :n] - real_mel[i, :, :n]).sum())
            count += n * real_mel.size(1)
    return total / max(count, 1)


@torch.no_grad()
def synthesize_texts(
    model: VITS, id_lists: list[list[int]], seed: int = 0, noise_scale: float = 0.667, noise_w: float = 0.8
) -> list[np.ndarray]:
    """Free synthesis of each id list (Piper's default noise unless given), with a fixed seed so evaluations are
    comparable."""
    state = torch.get_rng_state()
    torch.manual_seed(seed)
    try:
        waves = []
        device = next(model.parameters()).device
        for ids in id_lists:
            out = model.infer(
                torch.tensor([ids], device=device),
                torch.tensor([len(ids)], device=device),
                sid=torch.tensor([0], device=device) if model.config.n_speakers > 1 else None,
                noise_scale=noise_scale,
                noise_scale_w=noise_w,
            )
            waves.append(out.audio[0, 0].float().cpu().numpy())
        return waves
    finally:
        torch.set_rng_state(state)  # evaluation must not change the training RNG stream


def save_samples(directory: Path, names: list[str], waves: list[np.ndarray], sample_rate: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, wave in zip(names, waves, strict=True):
        save_audio(directory / f"{name}.wav", wave, sample_rate)
