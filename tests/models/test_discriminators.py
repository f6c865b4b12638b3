from __future__ import annotations

import math

import pytest
import torch

from voxtune.models.vits.discriminators import DiscriminatorP, DiscriminatorS, MultiPeriodDiscriminator

TINY_SCALE = (4, 8, 8, 16, 16, 16)
TINY_PERIOD = (4, 8, 8, 16, 16)


def _tiny(use_spectral_norm: bool = False) -> MultiPeriodDiscriminator:
    return MultiPeriodDiscriminator(
        scale_channels=TINY_SCALE, period_channels=TINY_PERIOD, use_spectral_norm=use_spectral_norm
    )


@pytest.mark.parametrize("use_spectral_norm", [False, True])
def test_forward_shapes(use_spectral_norm: bool) -> None:
    torch.manual_seed(0)
    disc = _tiny(use_spectral_norm)
    length = 500  # not a multiple of any period: exercises the reflect padding
    y, y_hat = torch.randn(2, 1, length), torch.randn(2, 1, length)
    y_d_rs, y_d_gs, fmap_rs, fmap_gs = disc(y, y_hat)
    assert len(y_d_rs) == len(y_d_gs) == len(fmap_rs) == len(fmap_gs) == 6
    for real, fake in zip(y_d_rs, y_d_gs, strict=True):
        assert real.shape == fake.shape and real.dim() == 2 and real.shape[0] == 2
    # Scale discriminator: 4 stride-4 layers.
    assert y_d_rs[0].shape == (2, math.ceil(length / 4**4))
    assert [f.shape[1] for f in fmap_rs[0]] == [*TINY_SCALE, 1]
    for i, period in enumerate((2, 3, 5, 7, 11), start=1):
        maps = fmap_rs[i]
        assert [f.shape[1] for f in maps] == [*TINY_PERIOD, 1]
        assert all(f.shape[-1] == period for f in maps)
        assert y_d_rs[i].shape[1] == maps[-1].shape[2] * period
    for real_maps, fake_maps in zip(fmap_rs, fmap_gs, strict=True):
        assert [f.shape for f in real_maps] == [f.shape for f in fake_maps]


def test_gradients_reach_generated_input() -> None:
    disc = _tiny()
    y_hat = torch.randn(1, 1, 300, requires_grad=True)
    _, y_d_gs, _, _ = disc(torch.randn(1, 1, 300), y_hat)
    sum(score.mean() for score in y_d_gs).backward()
    assert y_hat.grad is not None and y_hat.grad.abs().sum() > 0


def test_default_names_and_shapes_match_vits() -> None:
    with torch.device("meta"):
        disc = MultiPeriodDiscriminator()
    shapes = {name: tuple(p.shape) for name, p in disc.named_parameters()}
    expected_scale = {
        "convs.0.weight_v": (16, 1, 15),
        "convs.0.weight_g": (16, 1, 1),
        "convs.1.weight_v": (64, 4, 41),
        "convs.2.weight_v": (256, 4, 41),
        "convs.3.weight_v": (1024, 4, 41),
        "convs.4.weight_v": (1024, 4, 41),
        "convs.5.weight_v": (1024, 1024, 5),
        "conv_post.weight_v": (1, 1024, 3),
        "conv_post.bias": (1,),
    }
    for name, shape in expected_scale.items():
        assert shapes[f"discriminators.0.{name}"] == shape, name
    expected_period = {
        "convs.0.weight_v": (32, 1, 5, 1),
        "convs.0.weight_g": (32, 1, 1, 1),
        "convs.1.weight_v": (128, 32, 5, 1),
        "convs.2.weight_v": (512, 128, 5, 1),
        "convs.3.weight_v": (1024, 512, 5, 1),
        "convs.4.weight_v": (1024, 1024, 5, 1),
        "conv_post.weight_v": (1, 1024, 3, 1),
    }
    for index in range(1, 6):
        for name, shape in expected_period.items():
            assert shapes[f"discriminators.{index}.{name}"] == shape, (index, name)
    assert len(disc.discriminators) == 6
    assert {name.split(".")[1] for name in shapes} == {str(i) for i in range(6)}
    # 7 convs x 3 tensors (g, v, bias) in the scale discriminator, 6 x 3 in each period one.
    assert len(shapes) == 7 * 3 + 5 * 6 * 3


def test_strides_and_groups_match_vits() -> None:
    with torch.device("meta"):
        scale = DiscriminatorS()
        period = DiscriminatorP(3)
    assert [conv.stride for conv in scale.convs] == [(1,), (4,), (4,), (4,), (4,), (1,)]
    assert [conv.groups for conv in scale.convs] == [1, 4, 16, 64, 256, 1]
    assert [conv.stride for conv in period.convs] == [(3, 1)] * 4 + [(1, 1)]
    assert [conv.padding for conv in period.convs] == [(2, 0)] * 5


def test_spectral_norm_parameter_names() -> None:
    disc = DiscriminatorS(TINY_SCALE, use_spectral_norm=True)
    names = set(disc.state_dict())
    assert {"convs.0.weight_orig", "convs.0.weight_u", "convs.0.weight_v", "conv_post.bias"} <= names


def test_bad_widths_raise() -> None:
    with pytest.raises(ValueError, match="6 channel widths"):
        DiscriminatorS((4, 8))
    with pytest.raises(ValueError, match="groups"):
        DiscriminatorS((8, 5, 8, 16, 16, 16))
