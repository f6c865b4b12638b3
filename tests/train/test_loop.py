import json
import os
import signal
from pathlib import Path

import pytest
import torch

from voxtune.config import TrainConfig
from voxtune.errors import VoxtuneError
from voxtune.pretrained.checkpoint import load_checkpoint
from voxtune.train.checkpoints import list_checkpoints
from voxtune.train.loop import TrainingError, train


def config(tmp_path: Path, **fields: object) -> TrainConfig:
    defaults: dict[str, object] = {
        "output_dir": str(tmp_path / "run"),
        "max_steps": 6,
        "per_device_train_batch_size": 2,
        "save_steps": 3,
        "eval_steps": 3,
        "logging_steps": 1,
        "learning_rate": 2e-3,
        "seed": 7,
    }
    return TrainConfig(**{**defaults, **fields})  # type: ignore[arg-type]


def metrics(run_dir: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def test_run_writes_checkpoints_metrics_samples_and_best(tmp_path: Path, dataset: Path, base_voice) -> None:  # type: ignore[no-untyped-def]
    result = train(base_voice, dataset, config(tmp_path), progress=False)
    run = tmp_path / "run"
    assert result.step == 6
    assert [s for s, _ in list_checkpoints(run)] == [3, 6]
    assert (run / "run.yaml").is_file() and (run / "best.pt").is_file()
    assert (run / "samples" / "step-0000003").is_dir()
    records = metrics(run)
    assert any(r.get("eval") for r in records)
    assert {"mel", "kl", "duration", "discriminator", "generator"} <= set(records[0])
    best = load_checkpoint(run / "best.pt")
    assert best.train_state is None and best.discriminator is not None
    full = load_checkpoint(list_checkpoints(run)[-1][1])
    assert full.train_state is not None and full.train_state["step"] == 6


def test_loss_goes_down(tmp_path: Path, dataset: Path, base_voice) -> None:  # type: ignore[no-untyped-def]
    train(
        base_voice,
        dataset,
        config(tmp_path, max_steps=60, save_steps=60, eval_steps=0, logging_steps=1),
        progress=False,
    )
    mel = [float(r["mel"]) for r in metrics(tmp_path / "run") if "mel" in r]  # type: ignore[arg-type]
    assert sum(mel[-10:]) / 10 < 0.8 * sum(mel[:10]) / 10


def test_resume_is_bit_exact(tmp_path: Path, dataset: Path, base_voice) -> None:  # type: ignore[no-untyped-def]
    straight = train(base_voice, dataset, config(tmp_path / "a"), progress=False)
    train(base_voice, dataset, config(tmp_path / "b", max_steps=3), progress=False)
    # Simulate a kill after the step-3 checkpoint: the run continues from it in a fresh call.
    resumed = train(base_voice, dataset, config(tmp_path / "b"), resume=True, progress=False)
    assert straight.step == resumed.step == 6
    a = load_checkpoint(list_checkpoints(tmp_path / "a" / "run")[-1][1])
    b = load_checkpoint(list_checkpoints(tmp_path / "b" / "run")[-1][1])
    for key, value in a.model.items():
        assert torch.equal(value, b.model[key]), key
    assert a.discriminator is not None and b.discriminator is not None
    for key, value in a.discriminator.items():
        assert torch.equal(value, b.discriminator[key]), key


def test_existing_run_needs_resume_and_resume_needs_a_run(tmp_path: Path, dataset: Path, base_voice) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(VoxtuneError, match="nothing to resume"):
        train(base_voice, dataset, config(tmp_path), resume=True, progress=False)
    train(base_voice, dataset, config(tmp_path, max_steps=3), progress=False)
    with pytest.raises(VoxtuneError, match="--resume"):
        train(base_voice, dataset, config(tmp_path), progress=False)


def test_sigterm_saves_and_stops(tmp_path: Path, dataset: Path, base_voice) -> None:  # type: ignore[no-untyped-def]
    def stop_at_two(step: int, _losses: object) -> None:
        if step == 2:
            os.kill(os.getpid(), signal.SIGTERM)

    result = train(
        base_voice, dataset, config(tmp_path, max_steps=50, save_steps=100), progress=False, on_step=stop_at_two
    )
    assert result.interrupted and result.step == 2
    assert [s for s, _ in list_checkpoints(tmp_path / "run")] == [2]


def test_nonfinite_losses_are_skipped_then_stop_the_run(tmp_path: Path, dataset: Path, base_voice) -> None:  # type: ignore[no-untyped-def]
    base_voice.model["dec.conv_post.weight"] = torch.full_like(base_voice.model["dec.conv_post.weight"], float("nan"))
    with pytest.raises(TrainingError, match="non-finite"):
        train(base_voice, dataset, config(tmp_path, max_consecutive_nonfinite=3), progress=False)


def test_bad_item_does_not_kill_the_run(tmp_path: Path, dataset: Path, base_voice) -> None:  # type: ignore[no-untyped-def]
    (dataset / "wavs" / "u000.flac").write_bytes(b"corrupt")
    result = train(base_voice, dataset, config(tmp_path, max_steps=4), progress=False)
    assert result.step == 4


def test_overfitting_one_utterance_reproduces_it(tmp_path: Path, base_voice, dataset_factory) -> None:  # type: ignore[no-untyped-def]
    """Trained on a single clip, the model's aligned synthesis of that clip converges on the recording."""
    from voxtune.data.loader import SpeechDataset, collate, read_manifest
    from voxtune.pretrained.checkpoint import model_from_checkpoint
    from voxtune.train.evaluation import mel_distance

    data = dataset_factory(tmp_path / "one", n_train=1, n_dev=0, seed=3)
    audio = base_voice.config.audio
    batch = collate([SpeechDataset(read_manifest(data, "train", audio), audio)[0]])
    assert batch is not None
    before = mel_distance(model_from_checkpoint(base_voice).eval(), [batch], audio)
    train(
        base_voice,
        data,
        config(
            tmp_path,
            max_steps=150,
            per_device_train_batch_size=1,
            save_steps=150,
            eval_steps=0,
            learning_rate=5e-3,
            discriminator_warmup_steps=0,
        ),
        progress=False,
    )
    trained = load_checkpoint(tmp_path / "run" / "best.pt")
    after = mel_distance(model_from_checkpoint(trained).eval(), [batch], audio)
    assert after < 0.5 * before


def test_evaluation_with_asr_and_speaker_similarity(
    tmp_path: Path, dataset: Path, base_voice, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    class LoudnessEncoder:
        """Stands in for resemblyzer: a 2-d embedding from the clip's level and zero-crossing rate."""

        name = "fake"

        def embed(self, wave: np.ndarray, sample_rate: int) -> np.ndarray:
            crossings = float(np.mean(np.abs(np.diff(np.sign(wave))) > 0))
            vector = np.array([float(np.sqrt(np.mean(wave**2))) + 1e-3, crossings + 1e-3], dtype=np.float32)
            return vector / np.linalg.norm(vector)

    monkeypatch.setattr("voxtune.evaluate.speaker.ResemblyzerEncoder", LoudnessEncoder)
    train(base_voice, dataset, config(tmp_path, eval_asr="fake", eval_speaker=True), progress=False)
    evals = [r for r in metrics(tmp_path / "run") if r.get("eval")]
    assert [r["step"] for r in evals] == [3, 6]
    for record in evals:
        assert record["wer"] == 1.0  # the fake ASR hears nothing
        similarity = record["speaker_similarity"]
        assert isinstance(similarity, float) and -1.0 <= similarity <= 1.0
        expected = record["mel_distance"] * (1 + 2 * 1.0) * (2 - similarity)  # type: ignore[operator]
        assert record["score"] == pytest.approx(expected)
