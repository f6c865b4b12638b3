import math

import pytest
import torch

from voxtune.config import ConfigError, ModelConfig, VoiceConfig
from voxtune.models.vits.duration import DurationPredictor, StochasticDurationPredictor
from voxtune.models.vits.model import VITS, generate_path, random_slice_segments
from voxtune.models.vits.presets import PRESET_NAMES, preset, tiny
from voxtune.models.vits.spline import rational_quadratic_spline

IDS = [1, 0, 20, 0, 59, 0, 24, 0, 2]


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.tensor([IDS, IDS[:5] + [0] * 4])
    return x, torch.tensor([9, 5])


def test_infer_is_deterministic_at_zero_noise(tiny_model: VITS) -> None:
    x, lengths = _batch()
    a = tiny_model.infer(x, lengths, noise_scale=0.0, noise_scale_w=0.0)
    b = tiny_model.infer(x, lengths, noise_scale=0.0, noise_scale_w=0.0)
    hop = tiny_model.config.hop_length
    assert a.audio.shape == (2, 1, int(a.lengths.max()) * hop)
    assert torch.equal(a.audio, b.audio)
    assert a.durations.shape == (2, 9)
    assert int(a.durations[1, 5:].sum()) == 0  # padding gets no frames
    assert torch.equal(a.durations.sum(1).clamp_min(1), a.lengths)


def test_length_scale_stretches_audio(tiny_model: VITS) -> None:
    x, lengths = _batch()
    base = tiny_model.infer(x[:1], lengths[:1], noise_scale=0.0, noise_scale_w=0.0)
    slow = tiny_model.infer(x[:1], lengths[:1], noise_scale=0.0, noise_scale_w=0.0, length_scale=2.0)
    assert slow.audio.shape[-1] > base.audio.shape[-1]


def test_forward_reaches_every_part(tiny_config: VoiceConfig) -> None:
    torch.manual_seed(0)
    model = VITS(tiny_config.model).train()
    x, lengths = _batch()
    spec = torch.randn(2, tiny_config.model.spec_channels, 20).abs()
    spec_lengths = torch.tensor([20, 14])
    out = model(x, lengths, spec, spec_lengths)
    assert out.audio.shape == (2, 1, tiny_config.model.segment_size)
    assert out.attn.shape == (2, 1, 20, 9)
    # Every valid frame is aligned to exactly one phoneme, none to padding.
    assert torch.equal(out.attn.sum(-1).squeeze(1), out.y_mask.squeeze(1))
    loss = out.audio.abs().mean() + out.duration_loss.sum() + out.z_p.pow(2).mean()
    loss.backward()
    for name in (
        "enc_q.pre.weight",
        "flow.flows.0.post.weight",
        "dec.conv_pre.weight",
        "dp.flows.0.m",
        "dp.flows.1.proj.weight",
    ):
        grad = dict(model.named_parameters())[name].grad
        assert grad is not None and grad.abs().sum() > 0, name


def test_parameter_names_follow_vits(tiny_model: VITS) -> None:
    names = set(tiny_model.state_dict())
    for expected in (
        "enc_p.emb.weight",
        "enc_p.encoder.attn_layers.0.emb_rel_k",
        "enc_p.encoder.norm_layers_1.0.gamma",
        "enc_q.enc.in_layers.0.weight_g",
        "flow.flows.0.enc.res_skip_layers.0.weight_v",
        "flow.flows.2.post.bias",
        "dp.flows.0.logs",
        "dp.flows.1.proj.weight",
        "dp.post_flows.0.m",
        "dec.ups.0.weight_g",
        "dec.resblocks.0.convs.0.weight_v",
        "dec.conv_post.weight",
    ):
        assert expected in names, expected
    assert "dec.conv_post.bias" not in names


def test_medium_preset_matches_piper_medium_size() -> None:
    model = VITS(preset("medium").model)
    counted = sum(
        p.numel() for name, p in model.named_parameters() if not name.startswith(("enc_q.", "dp.post_", "dp.flows.1."))
    )
    # The joe voice's ONNX holds 15.65 M generator parameters (weight-norm g folded in, so compare loosely).
    assert abs(counted - 15.65e6) < 0.05e6


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_presets_are_valid(name: str) -> None:
    config = preset(name)
    assert config.model.hop_length == config.audio.hop_length
    assert config.model.spec_channels == config.audio.spec_channels


def test_unknown_preset_and_bad_model_config() -> None:
    with pytest.raises(ValueError, match="unknown preset"):
        preset("ultra")
    with pytest.raises(ConfigError):
        ModelConfig(resblock="3")
    with pytest.raises(ConfigError):
        ModelConfig(n_speakers=4, gin_channels=0)


def test_multispeaker_needs_and_uses_speaker_ids() -> None:
    config = tiny(num_symbols=64, n_speakers=3, gin_channels=4)
    torch.manual_seed(0)
    model = VITS(config.model).eval()
    x, lengths = torch.tensor([IDS]), torch.tensor([9])
    with pytest.raises(ValueError, match="speaker id"):
        model.infer(x, lengths)
    a = model.infer(x, lengths, sid=torch.tensor([0]), noise_scale=0.0, noise_scale_w=0.0).audio
    b = model.infer(x, lengths, sid=torch.tensor([2]), noise_scale=0.0, noise_scale_w=0.0).audio
    assert a.shape != b.shape or not torch.allclose(a, b)


def test_spline_inverse_undoes_forward() -> None:
    torch.manual_seed(0)
    x = torch.linspace(-7, 7, 50).view(5, 10)
    widths, heights, derivs = torch.randn(5, 10, 10), torch.randn(5, 10, 10), torch.randn(5, 10, 9)
    y, logdet = rational_quadratic_spline(x, widths, heights, derivs)
    back, inv_logdet = rational_quadratic_spline(y, widths, heights, derivs, inverse=True)
    assert torch.allclose(back, x, atol=1e-4)
    assert torch.allclose(logdet, -inv_logdet, atol=1e-4)
    outside = x.abs() > 5
    assert torch.equal(y[outside], x[outside]) and torch.all(logdet[outside] == 0)
    # log-det is the log of the numerical derivative
    eps = 1e-5
    x64, w64, h64, d64 = (t.double() for t in (x, widths, heights, derivs))
    y_plus, _ = rational_quadratic_spline(x64 + eps, w64, h64, d64)
    y_minus, _ = rational_quadratic_spline(x64 - eps, w64, h64, d64)
    numeric = torch.log((y_plus - y_minus) / (2 * eps)).float()
    inside = x.abs() < 4.9
    assert torch.allclose(numeric[inside], logdet[inside], atol=1e-3)


def test_duration_predictors_train_and_infer() -> None:
    torch.manual_seed(0)
    x, mask = torch.randn(2, 8, 6), torch.ones(2, 1, 6)
    w = torch.randint(1, 5, (2, 1, 6)).float()
    sdp = StochasticDurationPredictor(8)
    nll = sdp(x, mask, w)
    assert nll.shape == (2,) and torch.isfinite(nll).all()
    nll.sum().backward()
    assert sdp.infer(x, mask, noise_scale=0.0).shape == (2, 1, 6)
    dp = DurationPredictor(8, 16, 3, 0.1)
    assert dp(x, mask).shape == (2, 1, 6)


def test_generate_path_and_slices() -> None:
    durations = torch.tensor([[2.0, 0.0, 3.0]])
    mask = torch.ones(1, 1, 5, 3)
    path = generate_path(durations, mask)[0, 0]
    assert path.tolist() == [[1, 0, 0], [1, 0, 0], [0, 0, 1], [0, 0, 1], [0, 0, 1]]
    x = torch.arange(20.0).view(1, 1, 20).repeat(3, 2, 1)
    torch.manual_seed(1)
    slices, starts = random_slice_segments(x, torch.tensor([20, 10, 4]), 4)
    assert slices.shape == (3, 2, 4)
    for b in range(3):
        assert slices[b, 0].tolist() == [float(starts[b] + i) for i in range(4)]
    assert int(starts[1]) <= 6 and int(starts[2]) == 0


def test_prior_log_likelihood_matches_direct_formula() -> None:
    from voxtune.models.vits.model import _prior_log_likelihood

    torch.manual_seed(0)
    z_p, m_p, logs_p = torch.randn(1, 3, 4), torch.randn(1, 3, 2), torch.randn(1, 3, 2) * 0.1
    result = _prior_log_likelihood(z_p, m_p, logs_p)
    f, t = 2, 1
    direct = sum(
        -0.5 * math.log(2 * math.pi)
        - logs_p[0, c, t]
        - 0.5 * ((z_p[0, c, f] - m_p[0, c, t]) / logs_p[0, c, t].exp()) ** 2
        for c in range(3)
    )
    assert torch.allclose(result[0, f, t], torch.as_tensor(direct), atol=1e-5)
