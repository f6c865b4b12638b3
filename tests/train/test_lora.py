from pathlib import Path

import pytest
import torch

from voxtune.config import TrainConfig
from voxtune.models.vits.model import VITS
from voxtune.models.vits.presets import tiny
from voxtune.pretrained.checkpoint import VoiceCheckpoint, load_checkpoint
from voxtune.train.checkpoints import list_checkpoints
from voxtune.train.loop import train
from voxtune.train.lora import attach_lora, merged_state_dict, target_modules


def config(tmp_path: Path, **fields: object) -> TrainConfig:
    defaults: dict[str, object] = {"output_dir": str(tmp_path / "run"), "max_steps": 6, "save_steps": 3}
    defaults |= {"per_device_train_batch_size": 2, "eval_steps": 3, "learning_rate": 2e-3, "seed": 7}
    return TrainConfig(**{**defaults, **fields})  # type: ignore[arg-type]


IDS = torch.tensor([[1, 3, 4, 5, 6, 2], [1, 7, 8, 2, 0, 0]])
LENGTHS = torch.tensor([6, 4])


def synthesize(model: VITS) -> torch.Tensor:
    torch.manual_seed(3)
    with torch.no_grad():
        return model.infer(IDS, LENGTHS, noise_scale=0.5, noise_scale_w=0.5).audio


def test_adapters_start_at_the_base_and_merge_exactly() -> None:
    torch.manual_seed(0)
    model = VITS(tiny().model).eval()
    base = synthesize(model)
    names = set(target_modules(model))
    assert any("attn_layers" in n for n in names) and any(n.startswith("flow.") for n in names)
    assert any(n.startswith("enc_q.") for n in names) and any(n.startswith("dec.resblocks.") for n in names)
    assert not any(n.startswith("dp.") for n in names)
    count = attach_lora(model, rank=2, alpha=4.0)
    assert count > 0
    assert torch.equal(synthesize(model), base)  # up starts at zero
    with torch.no_grad():
        for parameter in model.lora.parameters():
            parameter.add_(0.05 * torch.randn_like(parameter))
    adapted = synthesize(model)
    assert not torch.allclose(adapted, base)
    # The merged weights, loaded into a plain model with the base's parameter names, speak like the adapters.
    plain = VITS(tiny().model).eval()
    plain.load_state_dict(merged_state_dict(model))
    torch.testing.assert_close(synthesize(plain), adapted, rtol=1e-4, atol=1e-4)


def test_lora_run_trains_adapters_and_duration_predictor_and_saves_a_merged_voice(
    tmp_path: Path, dataset: Path, base_voice: VoiceCheckpoint
) -> None:
    result = train(base_voice, dataset, config(tmp_path, strategy="lora", lora_rank=2), progress=False)
    assert result.step == 6
    run = tmp_path / "run"
    best = load_checkpoint(run / "best.pt")
    assert not any(k.startswith("lora.") for k in best.model)
    VITS(base_voice.config.model).load_state_dict(best.model)  # strict: a plain voice
    changed = [k for k, v in best.model.items() if not torch.equal(v, base_voice.model[k])]
    # Outside the duration predictor only adapted kernels change, never a bias.
    assert changed and all(k.startswith("dp.") or k.endswith(("weight", "weight_v", "weight_g")) for k in changed)
    assert any(k.startswith("dec.resblocks.") for k in changed) and any(k.startswith("dp.") for k in changed)
    last = load_checkpoint(list_checkpoints(run)[-1][1])
    assert last.train_state is not None
    raw = last.train_state["generator"]
    # Outside the duration predictor the base weights never moved: only the adapters learned.
    for key, value in base_voice.model.items():
        assert key.startswith("dp.") or torch.equal(raw[key], value), key


def test_lora_resume_is_bit_exact(tmp_path: Path, dataset: Path, base_voice: VoiceCheckpoint) -> None:
    fields = {"strategy": "lora", "lora_rank": 2}
    train(base_voice, dataset, config(tmp_path / "a", **fields), progress=False)
    train(base_voice, dataset, config(tmp_path / "b", max_steps=3, **fields), progress=False)
    train(base_voice, dataset, config(tmp_path / "b", **fields), resume=True, progress=False)
    a = load_checkpoint(list_checkpoints(tmp_path / "a" / "run")[-1][1])
    b = load_checkpoint(list_checkpoints(tmp_path / "b" / "run")[-1][1])
    for key, value in a.model.items():
        assert torch.equal(value, b.model[key]), key


def test_rank_must_be_positive() -> None:
    with pytest.raises(ValueError, match="rank"):
        attach_lora(VITS(tiny().model), rank=0, alpha=1.0)
