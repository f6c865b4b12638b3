"""Check an exported voice in Piper's own runtime: ``PiperVoice.load()`` reads it and, with the noise off, it
speaks as the torch model does (signal-to-noise ratio per probe utterance)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from voxtune.errors import VoxtuneError
from voxtune.pretrained.checkpoint import VoiceCheckpoint, model_from_checkpoint
from voxtune.text.symbols import BOS, EOS, PAD

MIN_SNR_DB = 35.0


@dataclass(frozen=True)
class Verification:
    snr_db: tuple[float, ...]
    equal_length: bool

    @property
    def min_snr_db(self) -> float:
        return min(self.snr_db)

    @property
    def passed(self) -> bool:
        return self.equal_length and self.min_snr_db >= MIN_SNR_DB


def probe_ids(checkpoint: VoiceCheckpoint, lengths: tuple[int, ...] = (8, 24, 60)) -> list[list[int]]:
    """Phoneme-id sequences in Piper's layout that walk through the voice's whole symbol table."""
    id_map = checkpoint.phoneme_id_map
    symbols = sorted(ids[0] for symbol, ids in id_map.items() if symbol not in (PAD, BOS, EOS) and ids)
    if not symbols:
        raise VoxtuneError("the voice's phoneme_id_map holds no symbols to speak")
    probes, start = [], 0
    for length in lengths:
        ids = [id_map[BOS][0], id_map[PAD][0]]
        for k in range(length):
            ids += [symbols[(start + k) % len(symbols)], id_map[PAD][0]]
        probes.append([*ids, id_map[EOS][0]])
        start += length
    return probes


def verify_in_piper(onnx_path: Path, checkpoint: VoiceCheckpoint) -> Verification:
    """Load ``onnx_path`` (and its ``.json``) with piper-tts and compare it to ``checkpoint`` at noise 0."""
    from piper import PiperVoice, SynthesisConfig

    voice = PiperVoice.load(onnx_path, config_path=onnx_path.with_name(onnx_path.name + ".json"))
    settings = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0, length_scale=1.0, normalize_audio=False)
    if checkpoint.config.model.n_speakers > 1:
        settings.speaker_id = 0
    model = model_from_checkpoint(checkpoint).eval()
    sid = torch.tensor([0]) if checkpoint.config.model.n_speakers > 1 else None
    snrs, equal = [], True
    for ids in probe_ids(checkpoint):
        piper_audio = np.asarray(voice.phoneme_ids_to_audio(ids, settings), dtype=np.float64).reshape(-1)
        with torch.no_grad():
            reference = model.infer(
                torch.tensor([ids]), torch.tensor([len(ids)]), sid=sid, noise_scale=0.0, noise_scale_w=0.0
            ).audio.reshape(-1)
        expected = reference.double().numpy()
        equal = equal and len(expected) == len(piper_audio)
        snrs.append(snr_db(expected, piper_audio))
    return Verification(tuple(snrs), equal)


def snr_db(reference: np.ndarray, test: np.ndarray) -> float:
    """Signal-to-noise ratio of ``test`` against ``reference`` (both ``(T,)``) over their common length, in dB."""
    n = min(len(reference), len(test))
    error = float(np.sum((reference[:n] - test[:n]) ** 2))
    return float(10 * np.log10(max(float(np.sum(reference[:n] ** 2)), 1e-30) / max(error, 1e-30)))
