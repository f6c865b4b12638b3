from pathlib import Path

import pytest

from voxtune.cli import main
from voxtune.pretrained.checkpoint import VoiceCheckpoint, save_checkpoint


def test_finetune_command_runs_and_resumes(
    tmp_path: Path, dataset: Path, base_voice: VoiceCheckpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    base = save_checkpoint(base_voice, tmp_path / "base.pt")
    run = tmp_path / "run"
    common = ["finetune", "--base", str(base), "--data", str(dataset), "-o", str(run)]
    settings = ["per_device_train_batch_size=2", "save_steps=2", "eval_steps=2", "seed=3"]
    assert main([*common, "max_steps=2", *settings]) == 0
    assert "finished at step 2" in capsys.readouterr().out
    assert main([*common, "max_steps=4", *settings]) == 2  # the run exists: resume must be asked for
    assert "--resume" in capsys.readouterr().err
    assert main([*common, "--resume", "max_steps=4", *settings]) == 0
    assert "finished at step 4" in capsys.readouterr().out
    assert (run / "best.pt").is_file() and (run / "run.yaml").is_file()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["max_stepz=3"], "unknown config key"),
        (["strategy=everything", "max_steps=1"], "unknown strategy"),
        (["mixed_precision=int4"], "mixed_precision"),
    ],
)
def test_finetune_bad_settings(
    tmp_path: Path,
    dataset: Path,
    base_voice: VoiceCheckpoint,
    extra: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = save_checkpoint(base_voice, tmp_path / "base.pt")
    code = main(["finetune", "--base", str(base), "--data", str(dataset), "-o", str(tmp_path / "run"), *extra])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1


def test_finetune_missing_dataset(
    tmp_path: Path, base_voice: VoiceCheckpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    base = save_checkpoint(base_voice, tmp_path / "base.pt")
    code = main(["finetune", "--base", str(base), "--data", str(tmp_path / "none"), "-o", str(tmp_path / "run")])
    assert code == 2 and "voxtune prepare" in capsys.readouterr().err
