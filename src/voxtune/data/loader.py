"""Training batches from a prepared dataset: items, a length-bucketed batch sampler under a frame budget, and
padding collation. The sampler's position is part of the run state, so a resumed run sees the same batches."""

from __future__ import annotations

import logging
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from voxtune.audio.features import linear_spectrogram
from voxtune.audio.io import load_audio
from voxtune.config import AudioConfig
from voxtune.data.manifest import read_manifest as read_prepared_manifest
from voxtune.errors import VoxtuneError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainItem:
    """One utterance: audio file, phoneme ids, speaker id and its length in spectrogram frames; the speaker's
    name, the phonemes per sentence and those the voice's map lacked, for re-mapping (new speakers or symbols)."""

    id: str
    audio_path: Path
    ids: tuple[int, ...]
    frames: int
    speaker_id: int = 0
    text: str = ""
    speaker: str = ""
    phonemes: tuple[str, ...] = ()
    missing_phonemes: tuple[str, ...] = ()


def read_manifest(dataset_dir: str | Path, split: str, audio: AudioConfig) -> list[TrainItem]:
    """The ``split`` clips of a prepared dataset (``voxtune prepare``) as training items; speakers get ids in
    order of first appearance."""
    speakers: dict[str, int] = {}
    items: list[TrainItem] = []
    for entry in read_prepared_manifest(dataset_dir, split):
        if not entry.phoneme_ids:
            continue
        items.append(
            TrainItem(
                id=entry.id,
                audio_path=entry.audio,
                ids=tuple(entry.phoneme_ids),
                frames=max(1, math.ceil(entry.duration * audio.sample_rate / audio.hop_length)),
                speaker_id=speakers.setdefault(entry.speaker, len(speakers)),
                text=entry.text,
                speaker=entry.speaker,
                phonemes=tuple(entry.phonemes),
                missing_phonemes=tuple(entry.missing_phonemes),
            )
        )
    return items


def total_minutes(items: list[TrainItem], audio: AudioConfig) -> float:
    """Minutes of audio in ``items`` (from their frame counts)."""
    return sum(i.frames for i in items) * audio.hop_length / audio.sample_rate / 60


class SpeechDataset(torch.utils.data.Dataset[dict[str, Any] | None]):
    """Loads audio and computes the linear spectrogram of each item; a broken item yields ``None`` (skipped).

    With ``cache`` every item is decoded once and kept in memory (about 0.95 GB per hour of 22.05 kHz audio):
    fine-tuning corpora are minutes long, and decoding plus the STFT would otherwise be redone every epoch.
    """

    def __init__(self, items: list[TrainItem], audio: AudioConfig, cache: bool = False) -> None:
        self.items = items
        self.audio = audio
        self._cache: dict[int, dict[str, Any] | None] | None = {} if cache else None

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict[str, Any] | None:
        if self._cache is None:
            return self._load(index)
        if index not in self._cache:
            self._cache[index] = self._load(index)
        return self._cache[index]

    def _load(self, index: int) -> dict[str, Any] | None:
        item = self.items[index]
        try:
            wave, _ = load_audio(item.audio_path, sample_rate=self.audio.sample_rate)
        except VoxtuneError as error:
            log.warning("skipping %s: %s", item.id, error)
            return None
        except ValueError as error:  # AudioFileError and decoder errors
            log.warning("skipping %s: %s", item.id, error)
            return None
        # Trim to whole hops so audio and frames line up exactly.
        frames = len(wave) // self.audio.hop_length
        if frames < 2 or len(item.ids) < 2:
            log.warning("skipping %s: too short", item.id)
            return None
        if len(item.ids) > frames:
            # The alignment needs at least one frame per phoneme id; such an item is a wrong transcript.
            log.warning("skipping %s: %d phoneme ids but only %d frames", item.id, len(item.ids), frames)
            return None
        wave_tensor = torch.from_numpy(wave[: frames * self.audio.hop_length]).float()
        spec = linear_spectrogram(wave_tensor.unsqueeze(0), self.audio)[0, :, :frames]
        return {
            "id": item.id,
            "ids": torch.tensor(item.ids, dtype=torch.long),
            "spec": spec,
            "wave": wave_tensor,
            "speaker_id": item.speaker_id,
        }


def collate(batch: list[dict[str, Any] | None]) -> dict[str, Any] | None:
    """Pad a list of items: ids ``(B, T_text)``, spec ``(B, F, T)``, wave ``(B, 1, T * hop)`` and lengths."""
    items = [b for b in batch if b is not None]
    if not items:
        return None
    size = len(items)
    max_text = max(len(b["ids"]) for b in items)
    max_frames = max(b["spec"].shape[1] for b in items)
    max_wave = max(len(b["wave"]) for b in items)
    ids = torch.zeros(size, max_text, dtype=torch.long)
    spec = torch.zeros(size, items[0]["spec"].shape[0], max_frames)
    wave = torch.zeros(size, 1, max_wave)
    for i, b in enumerate(items):
        ids[i, : len(b["ids"])] = b["ids"]
        spec[i, :, : b["spec"].shape[1]] = b["spec"]
        wave[i, 0, : len(b["wave"])] = b["wave"]
    return {
        "ids": ids,
        "ids_lengths": torch.tensor([len(b["ids"]) for b in items]),
        "spec": spec,
        "spec_lengths": torch.tensor([b["spec"].shape[1] for b in items]),
        "wave": wave,
        "speaker_ids": torch.tensor([b["speaker_id"] for b in items]),
        "item_ids": [b["id"] for b in items],
    }


class BucketBatchSampler:
    """Batches of similar length, at most ``batch_size`` items and ``max_frames`` padded frames each.

    Order is a pure function of ``(seed, epoch)``; ``position`` counts batches already served in the epoch, so
    ``state_dict``/``load_state_dict`` resume mid-epoch exactly. With several processes each takes every
    ``num_replicas``-th batch.
    """

    def __init__(
        self,
        frames: list[int],
        batch_size: int,
        max_frames: int = 0,
        seed: int = 0,
        num_replicas: int = 1,
        rank: int = 0,
    ) -> None:
        if not frames:
            raise VoxtuneError("the training split is empty: nothing to train on")
        self.frames = frames
        self.batch_size = batch_size
        self.max_frames = max_frames
        self.seed = seed
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.position = 0

    def batches(self, epoch: int) -> list[list[int]]:
        rng = random.Random(self.seed * 100003 + epoch)
        # Random tie-breaking, then sort by length: buckets differ between epochs but stay length-homogeneous.
        order = sorted(range(len(self.frames)), key=lambda i: (self.frames[i], rng.random()))
        batches: list[list[int]] = []
        current: list[int] = []
        for index in order:
            longest = max([self.frames[index]] + [self.frames[i] for i in current])
            over_budget = self.max_frames and longest * (len(current) + 1) > self.max_frames
            if current and (len(current) >= self.batch_size or over_budget):
                batches.append(current)
                current = []
            current.append(index)
        if current:
            batches.append(current)
        rng.shuffle(batches)
        usable = len(batches) - len(batches) % self.num_replicas if len(batches) >= self.num_replicas else len(batches)
        return batches[:usable][self.rank :: self.num_replicas]

    def __len__(self) -> int:
        return len(self.batches(self.epoch))

    def __iter__(self) -> Any:
        """Yield the remaining batches of the current epoch, then advance to the next epoch."""
        batches = self.batches(self.epoch)
        while self.position < len(batches):
            batch = batches[self.position]
            self.position += 1
            yield batch
        self.epoch += 1
        self.position = 0

    def state_dict(self) -> dict[str, int]:
        return {"epoch": self.epoch, "position": self.position}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.epoch = int(state["epoch"])
        self.position = int(state["position"])
