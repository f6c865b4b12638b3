from pathlib import Path

import pytest
import torch

from voxtune.pretrained.checkpoint import (
    CheckpointError,
    VoiceCheckpoint,
    load_checkpoint,
    model_from_checkpoint,
    save_checkpoint,
)

IDS = torch.tensor([[1, 0, 20, 0, 59, 0, 24, 0, 2]])
LENGTHS = torch.tensor([9])


def test_save_load_gives_identical_output(tmp_path: Path, tiny_checkpoint: VoiceCheckpoint) -> None:
    path = save_checkpoint(tiny_checkpoint, tmp_path / "voice.pt")
    loaded = load_checkpoint(path)
    assert loaded.config == tiny_checkpoint.config
    assert loaded.phoneme_id_map == tiny_checkpoint.phoneme_id_map
    a = model_from_checkpoint(tiny_checkpoint).eval().infer(IDS, LENGTHS, noise_scale=0.0, noise_scale_w=0.0)
    b = model_from_checkpoint(loaded).eval().infer(IDS, LENGTHS, noise_scale=0.0, noise_scale_w=0.0)
    assert torch.equal(a.audio, b.audio)


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path: Path, tiny_checkpoint: VoiceCheckpoint) -> None:
    save_checkpoint(tiny_checkpoint, tmp_path / "voice.pt")
    save_checkpoint(tiny_checkpoint, tmp_path / "voice.pt")
    assert [p.name for p in tmp_path.iterdir()] == ["voice.pt"]


def test_absent_parts_are_allowed_only_when_declared(tiny_checkpoint: VoiceCheckpoint) -> None:
    without_posterior = {k: v for k, v in tiny_checkpoint.model.items() if not k.startswith("enc_q.")}
    tiny_checkpoint.model = without_posterior
    with pytest.raises(CheckpointError, match="do not fit"):
        model_from_checkpoint(tiny_checkpoint)
    tiny_checkpoint.absent = ["enc_q."]
    model_from_checkpoint(tiny_checkpoint)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "cannot read"),
        (b"not a zip file at all", "cannot read"),
    ],
)
def test_corrupt_files_fail_with_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.pt"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=message) as info:
        load_checkpoint(path)
    assert "\n" not in str(info.value)


def test_foreign_and_future_checkpoints_are_refused(tmp_path: Path, tiny_checkpoint: VoiceCheckpoint) -> None:
    torch.save({"model": {}}, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="not a voxtune checkpoint"):
        load_checkpoint(tmp_path / "foreign.pt")
    payload = tiny_checkpoint.to_payload() | {"format_version": 99}
    torch.save(payload, tmp_path / "future.pt")
    with pytest.raises(CheckpointError, match="format_version 99"):
        load_checkpoint(tmp_path / "future.pt")
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "missing.pt")


def test_pickled_code_is_never_executed(tmp_path: Path) -> None:
    class Evil:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (print, ("owned",))

    torch.save({"format": "voxtune", "x": Evil()}, tmp_path / "evil.pt")
    with pytest.raises(CheckpointError, match="cannot read"):
        load_checkpoint(tmp_path / "evil.pt")
