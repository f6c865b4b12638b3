from pathlib import Path

import pytest

from voxtune.config import AudioConfig
from voxtune.data.loader import BucketBatchSampler, SpeechDataset, collate, read_manifest
from voxtune.errors import VoxtuneError

AUDIO = AudioConfig(sample_rate=8000, filter_length=64, hop_length=16, win_length=64, n_mels=8)


def test_manifest_split_and_collate(dataset: Path) -> None:
    train = read_manifest(dataset, "train", AUDIO)
    dev = read_manifest(dataset, "dev", AUDIO)
    assert (len(train), len(dev)) == (6, 2)
    items = SpeechDataset(train, AUDIO)
    batch = collate([items[0], None, items[1]])
    assert batch is not None and batch["ids"].shape[0] == 2
    assert batch["wave"].shape[2] == batch["spec"].shape[2] * AUDIO.hop_length
    assert batch["spec"].shape[1] == AUDIO.spec_channels
    assert collate([None]) is None


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(VoxtuneError, match="voxtune prepare"):
        read_manifest(tmp_path, "train", AUDIO)


def test_bucket_sampler_budget_determinism_and_resume() -> None:
    frames = [10, 200, 30, 25, 190, 12, 11, 180, 40, 35]
    sampler = BucketBatchSampler(frames, batch_size=3, max_frames=400, seed=1)
    batches = sampler.batches(0)
    assert sorted(i for b in batches for i in b) == list(range(10))
    assert all(len(b) <= 3 and max(frames[i] for i in b) * len(b) <= 400 for b in batches)
    assert batches == BucketBatchSampler(frames, 3, 400, seed=1).batches(0)
    assert batches != sampler.batches(1) or len(batches) == 1
    iterator = iter(sampler)
    first = [next(iterator), next(iterator)]
    state = sampler.state_dict()
    rest_original = list(iterator)
    resumed = BucketBatchSampler(frames, 3, 400, seed=1)
    resumed.load_state_dict(state)
    assert list(resumed) == rest_original
    assert first + rest_original == batches


def test_sampler_shards_batches_across_processes() -> None:
    frames = list(range(10, 30))
    shards = [BucketBatchSampler(frames, 2, seed=0, num_replicas=2, rank=r).batches(0) for r in (0, 1)]
    assert len(shards[0]) == len(shards[1])
    assert not {i for b in shards[0] for i in b} & {i for b in shards[1] for i in b}
    with pytest.raises(VoxtuneError, match="empty"):
        BucketBatchSampler([], 2)
