from pathlib import Path

import pytest

from voxtune.config import ConfigError, TrainConfig
from voxtune.pretrained.checkpoint import load_checkpoint
from voxtune.train.evaluation import DevJudge
from voxtune.train.loop import train
from voxtune.train.scales import choose_scales


def test_the_lowest_mean_wer_over_the_seeds_wins() -> None:
    table = {(0.667, 0.8): [0.3, 0.3], (0.5, 0.5): [0.1, 0.5], (0.333, 0.333): [0.2, 0.25]}
    choice = choose_scales(lambda ns, nw, seed: table[(ns, nw)][seed], (0.667, 0.8))
    assert (choice.noise_scale, choice.noise_w) == (0.333, 0.333)  # 0.225 beats 0.3 and the 0.1/0.5 coin flip
    assert choice.wer == {(0.667, 0.8): 0.3, (0.5, 0.5): 0.3, (0.333, 0.333): 0.225}
    assert next(iter(choice.wer)) == (0.667, 0.8)  # the configured pair first


def test_a_tie_keeps_the_configured_scales_and_they_are_tried_once() -> None:
    calls: list[tuple[float, float, int]] = []

    def wer_of(ns: float, nw: float, seed: int) -> float:
        calls.append((ns, nw, seed))
        return 0.2

    choice = choose_scales(wer_of, (0.5, 0.5))
    assert (choice.noise_scale, choice.noise_w) == (0.5, 0.5)
    assert sorted(set(calls)) == [(0.333, 0.333, 0), (0.333, 0.333, 1), (0.5, 0.5, 0), (0.5, 0.5, 1)]


def test_tune_scales_needs_an_asr() -> None:
    with pytest.raises(ConfigError, match=r"tune_scales needs train\.eval_asr"):
        TrainConfig(max_steps=2, tune_scales=True)


def run_config(tmp_path: Path) -> TrainConfig:
    return TrainConfig(
        output_dir=str(tmp_path / "run"),
        max_steps=2,
        per_device_train_batch_size=2,
        save_steps=2,
        eval_steps=2,
        logging_steps=1,
        seed=7,
        eval_asr="fake",
        tune_scales=True,
    )


def test_a_run_ends_by_writing_the_clearest_scales_into_best(
    tmp_path: Path, dataset: Path, base_voice, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import json

    heard: list[tuple[float, float, int]] = []

    def wer_with(self: DevJudge, model: object, noise_scale: float, noise_w: float, seed: int) -> float:
        heard.append((noise_scale, noise_w, seed))
        return 0.1 if noise_scale == 0.333 else 0.4  # the least noise reads clearest here

    monkeypatch.setattr(DevJudge, "wer_with", wer_with)
    result = train(base_voice, dataset, run_config(tmp_path), progress=False)
    run = tmp_path / "run"
    assert result.scales == (0.333, 0.333) and len(heard) == 6
    best = load_checkpoint(run / "best.pt")
    assert (best.config.inference.noise_scale, best.config.inference.noise_w) == (0.333, 0.333)
    assert best.provenance["scales_dev_wer"] == {"0.667/0.8": 0.4, "0.5/0.5": 0.4, "0.333/0.333": 0.1}
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert next(r for r in records if r.get("scales"))["wer_0.333_0.333"] == 0.1


def test_with_the_real_judge_an_asr_that_hears_nothing_keeps_the_configured_scales(
    tmp_path: Path, dataset: Path, base_voice
) -> None:  # type: ignore[no-untyped-def]
    result = train(base_voice, dataset, run_config(tmp_path), progress=False)
    best = load_checkpoint(tmp_path / "run" / "best.pt")
    configured = (base_voice.config.inference.noise_scale, base_voice.config.inference.noise_w)
    assert result.scales == configured
    assert (best.config.inference.noise_scale, best.config.inference.noise_w) == configured
    assert set(best.provenance["scales_dev_wer"].values()) == {1.0}  # the fake ASR hears nothing: WER 1 each
