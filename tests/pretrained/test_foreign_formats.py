"""Tiny synthetic Piper .ckpt and VITS G_*.pth / D_*.pth files import by identity and speak identically."""

import json
from pathlib import Path

import pytest
import torch

from voxtune.config import VoiceConfig, to_dict
from voxtune.models.vits.discriminators import MultiPeriodDiscriminator
from voxtune.models.vits.model import VITS
from voxtune.pretrained.checkpoint import model_from_checkpoint
from voxtune.pretrained.keymap import PretrainedFormatError
from voxtune.pretrained.piper_ckpt import import_piper_ckpt
from voxtune.pretrained.vits_pth import import_vits_pth

IDS = torch.tensor([[1, 0, 20, 0, 59, 0, 24, 0, 2]])
LENGTHS = torch.tensor([9])


def _tiny_discriminator() -> MultiPeriodDiscriminator:
    return MultiPeriodDiscriminator(scale_channels=(4, 8, 8, 8, 8, 8), period_channels=(4, 8, 8, 8, 8))


def _hparams(config: VoiceConfig) -> dict[str, object]:
    model = to_dict(config.model)
    keys = (
        "inter_channels",
        "hidden_channels",
        "filter_channels",
        "n_heads",
        "n_layers",
        "kernel_size",
        "resblock",
        "resblock_kernel_sizes",
        "resblock_dilation_sizes",
        "upsample_rates",
        "upsample_initial_channel",
        "upsample_kernel_sizes",
        "segment_size",
    )
    hp = {k: model[k] for k in keys}
    hp.update(
        sample_rate=config.audio.sample_rate,
        num_symbols=256,
        num_speakers=1,
        filter_length=config.audio.filter_length,
        hop_length=config.audio.hop_length,
        win_length=config.audio.win_length,
        dataset=[Path("/data/x")],
    )
    return hp


def _same_voice(a: VITS, b: VITS) -> bool:
    out_a = a.eval().infer(IDS, LENGTHS, noise_scale=0.0, noise_scale_w=0.0).audio
    out_b = b.eval().infer(IDS, LENGTHS, noise_scale=0.0, noise_scale_w=0.0).audio
    return torch.equal(out_a, out_b)


@pytest.mark.parametrize("parametrized_names", [False, True])
def test_piper_ckpt_imports_generator_and_discriminator(
    tmp_path: Path, tiny_config: VoiceConfig, tiny_model: VITS, parametrized_names: bool
) -> None:
    disc = _tiny_discriminator()
    state = {f"model_g.{k}": v for k, v in tiny_model.state_dict().items()}
    state |= {f"model_d.{k}": v for k, v in disc.state_dict().items()}
    if parametrized_names:  # as saved by torch.nn.utils.parametrizations.weight_norm
        state = {
            k.replace(".weight_g", ".parametrizations.weight.original0").replace(
                ".weight_v", ".parametrizations.weight.original1"
            ): v
            for k, v in state.items()
        }
    torch.save(
        {"state_dict": state, "hyper_parameters": _hparams(tiny_config), "global_step": 7},
        tmp_path / "epoch=1-step=7.ckpt",
    )
    (tmp_path / "config.json").write_text(
        json.dumps({"phoneme_id_map": {"_": [0], "^": [1], "$": [2], "a": [20]}, "espeak": {"voice": "en-gb"}})
    )
    checkpoint = import_piper_ckpt(tmp_path / "epoch=1-step=7.ckpt")
    assert checkpoint.config.text.espeak_voice == "en-gb"
    assert checkpoint.phoneme_id_map["a"] == [20]
    assert checkpoint.discriminator is not None and checkpoint.absent == []
    assert checkpoint.provenance["global_step"] == 7
    assert _same_voice(tiny_model, model_from_checkpoint(checkpoint))


def test_piper_ckpt_with_unknown_tensor_fails(tmp_path: Path, tiny_config: VoiceConfig, tiny_model: VITS) -> None:
    state = {f"model_g.{k}": v for k, v in tiny_model.state_dict().items()}
    state["model_g.enc_p.extra.weight"] = torch.zeros(1)
    torch.save({"state_dict": state, "hyper_parameters": _hparams(tiny_config)}, tmp_path / "x.ckpt")
    with pytest.raises(PretrainedFormatError, match="no place in the model"):
        import_piper_ckpt(tmp_path / "x.ckpt")


def test_piper_ckpt_with_missing_tensor_fails(tmp_path: Path, tiny_config: VoiceConfig, tiny_model: VITS) -> None:
    state = {f"model_g.{k}": v for k, v in tiny_model.state_dict().items() if "dec.conv_post" not in k}
    torch.save({"state_dict": state, "hyper_parameters": _hparams(tiny_config)}, tmp_path / "x.ckpt")
    with pytest.raises(PretrainedFormatError, match="missing"):
        import_piper_ckpt(tmp_path / "x.ckpt")


def _vits_config(config: VoiceConfig) -> dict[str, object]:
    model = to_dict(config.model)
    keys = (
        "inter_channels",
        "hidden_channels",
        "filter_channels",
        "n_heads",
        "n_layers",
        "kernel_size",
        "p_dropout",
        "resblock",
        "resblock_kernel_sizes",
        "resblock_dilation_sizes",
        "upsample_rates",
        "upsample_initial_channel",
        "upsample_kernel_sizes",
    )
    return {
        "train": {"segment_size": config.model.segment_size},
        "data": {
            "sampling_rate": config.audio.sampling_rate
            if hasattr(config.audio, "sampling_rate")
            else config.audio.sample_rate,
            "filter_length": config.audio.filter_length,
            "hop_length": config.audio.hop_length,
            "win_length": config.audio.win_length,
            "n_mel_channels": config.audio.n_mels,
            "add_blank": True,
            "n_speakers": 0,
        },
        "model": {k: model[k] for k in keys},
    }


def test_vits_pth_imports_with_discriminator(tmp_path: Path) -> None:
    from voxtune.models.vits.presets import tiny

    config = tiny(num_symbols=178)
    torch.manual_seed(0)
    generator = VITS(config.model)
    disc = _tiny_discriminator()
    torch.save(
        {"model": {f"module.{k}": v for k, v in generator.state_dict().items()}, "iteration": 3}, tmp_path / "G_3.pth"
    )
    torch.save({"model": disc.state_dict(), "iteration": 3}, tmp_path / "D_3.pth")
    (tmp_path / "config.json").write_text(json.dumps(_vits_config(config)))
    checkpoint = import_vits_pth(tmp_path / "G_3.pth", discriminator_path=tmp_path / "D_3.pth")
    assert checkpoint.config.text.id_layout == "vits"
    assert len(checkpoint.phoneme_id_map) == 177  # 178 symbols, one repeated apostrophe
    assert checkpoint.discriminator is not None
    assert _same_voice(generator, model_from_checkpoint(checkpoint))


def test_vits_pth_needs_its_config(tmp_path: Path, tiny_model: VITS) -> None:
    torch.save({"model": tiny_model.state_dict()}, tmp_path / "G_1.pth")
    with pytest.raises(PretrainedFormatError, match="config not found"):
        import_vits_pth(tmp_path / "G_1.pth")
