import dataclasses
import json
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
import torch

from voxtune.cli import main
from voxtune.errors import VoxtuneError
from voxtune.export import export, export_onnx, quantize_int8, verify_in_piper
from voxtune.export.verify import probe_ids
from voxtune.models.vits.model import VITS
from voxtune.pretrained.checkpoint import VoiceCheckpoint, model_from_checkpoint, save_checkpoint

PIPER_KEYS = {"audio", "espeak", "inference", "phoneme_type", "phoneme_map", "phoneme_id_map", "num_symbols"}
PIPER_KEYS |= {"num_speakers", "speaker_id_map", "language", "dataset"}


def run(session: onnxruntime.InferenceSession, ids: list[int], **extra: np.ndarray) -> np.ndarray:
    feeds = {
        "input": np.array([ids], dtype=np.int64),
        "input_lengths": np.array([len(ids)], dtype=np.int64),
        "scales": np.array([0.0, 1.0, 0.0], dtype=np.float32),
        **extra,
    }
    return session.run(None, feeds)[0]


def test_export_has_pipers_interface_and_speaks_like_torch(tmp_path: Path, tiny_checkpoint: VoiceCheckpoint) -> None:
    config_path = export_onnx(tiny_checkpoint, tmp_path / "tiny.onnx")
    session = onnxruntime.InferenceSession(str(tmp_path / "tiny.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input", "input_lengths", "scales"]
    assert [o.name for o in session.get_outputs()] == ["output"]
    model = VITS(tiny_checkpoint.config.model).eval()
    model.load_state_dict(tiny_checkpoint.model)
    for ids in probe_ids(tiny_checkpoint, (5, 30)):  # two lengths: the axes are dynamic
        audio = run(session, ids)
        assert audio.shape[:3] == (1, 1, 1)
        with torch.no_grad():
            expected = model.infer(torch.tensor([ids]), torch.tensor([len(ids)]), noise_scale=0.0, noise_scale_w=0.0)
        reference = expected.audio.reshape(-1).numpy()
        assert audio.size == reference.size
        np.testing.assert_allclose(audio.reshape(-1), reference, atol=1e-4)
    config = json.loads(config_path.read_text())
    assert set(config) >= PIPER_KEYS
    assert config["phoneme_id_map"] == tiny_checkpoint.phoneme_id_map
    assert config["voxtune"]["source"] == "tests"


def test_piper_tts_loads_the_export_and_matches(tmp_path: Path, tiny_checkpoint: VoiceCheckpoint) -> None:
    export_onnx(tiny_checkpoint, tmp_path / "tiny.onnx")
    check = verify_in_piper(tmp_path / "tiny.onnx", tiny_checkpoint)
    assert check.passed and check.equal_length and check.min_snr_db > 60


def test_multi_speaker_export_takes_sid(tmp_path: Path, tiny_multi_speaker_checkpoint: VoiceCheckpoint) -> None:
    voice = tiny_multi_speaker_checkpoint
    export_onnx(voice, tmp_path / "multi.onnx")
    session = onnxruntime.InferenceSession(str(tmp_path / "multi.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input", "input_lengths", "scales", "sid"]
    ids = probe_ids(voice, (12,))[0]
    first = run(session, ids, sid=np.array([0], dtype=np.int64))
    second = run(session, ids, sid=np.array([2], dtype=np.int64))
    assert not np.allclose(first, second)  # the speaker matters
    assert verify_in_piper(tmp_path / "multi.onnx", voice).passed


def test_int8_holds_integer_weights_and_runs(tmp_path: Path, tiny_checkpoint: VoiceCheckpoint) -> None:
    import onnx

    export_onnx(tiny_checkpoint, tmp_path / "tiny.onnx")
    int8 = quantize_int8(tmp_path / "tiny.onnx", tmp_path / "tiny.int8.onnx")
    # (A tiny model's weights are too small for the file to shrink; joe's goes 63.3 → 18.8 MB, BENCHMARKS.md.)
    graph = onnx.load(str(int8)).graph
    assert any(t.data_type == onnx.TensorProto.INT8 for t in graph.initializer)
    assert any(node.op_type == "ConvInteger" for node in graph.node)
    assert (tmp_path / "tiny.int8.onnx.json").is_file()
    session = onnxruntime.InferenceSession(str(int8), providers=["CPUExecutionProvider"])
    audio = run(session, probe_ids(tiny_checkpoint, (10,))[0])
    assert audio.size > 0 and np.isfinite(audio).all()


def test_export_api_and_cli(tmp_path: Path, tiny_voice_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = export(tiny_voice_path, tmp_path / "api.onnx", quantize="int8")
    assert result.verification is not None and result.verification.passed
    assert result.int8 is not None and result.int8.is_file()
    assert main(["export", str(tiny_voice_path), "-o", str(tmp_path / "cli.onnx")]) == 0
    out = capsys.readouterr().out
    assert "verified in piper-tts" in out and (tmp_path / "cli.onnx.json").is_file()


def test_bad_requests_are_one_line_errors(tmp_path: Path, tiny_voice_path: Path) -> None:
    with pytest.raises(VoxtuneError, match=r"must end in \.onnx"):
        export(tiny_voice_path, tmp_path / "voice.bin")
    with pytest.raises(VoxtuneError, match="unknown quantization"):
        export(tiny_voice_path, tmp_path / "voice.onnx", quantize="int4")
    assert main(["export", str(tmp_path / "missing.pt"), "-o", str(tmp_path / "x.onnx")]) == 2
    assert not (tmp_path / "x.onnx").exists()


def test_export_of_a_fine_tuned_run_dir(tmp_path: Path, tiny_checkpoint: VoiceCheckpoint) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    save_checkpoint(tiny_checkpoint, run_dir / "best.pt")
    result = export(run_dir, tmp_path / "voice.onnx")
    assert result.verification is not None and result.verification.passed


def test_voxtune_reads_its_own_export_back(tmp_path: Path, tiny_checkpoint: VoiceCheckpoint) -> None:
    from voxtune.pretrained.piper_onnx import import_piper_onnx

    # Like a trained voice: no two tensors equal (fresh zero-initialised ones would be stored once, and a folded
    # zero log-scale leaves nothing to read back).
    torch.manual_seed(5)
    weights = {
        k: v + 0.01 * torch.randn_like(v) if v.is_floating_point() else v for k, v in tiny_checkpoint.model.items()
    }
    voice = dataclasses.replace(tiny_checkpoint, model=weights)
    export_onnx(voice, tmp_path / "tiny.onnx")
    back = import_piper_onnx(tmp_path / "tiny.onnx")
    assert back.phoneme_id_map == voice.phoneme_id_map
    # It speaks as the original does (the training-only settings, such as the spectrogram size, are not in an
    # ONNX file and come back as defaults).
    ids = probe_ids(voice, (15,))[0]
    with torch.no_grad():
        said = [
            model_from_checkpoint(v)
            .eval()
            .infer(torch.tensor([ids]), torch.tensor([len(ids)]), noise_scale=0.0, noise_scale_w=0.0)
            .audio
            for v in (voice, back)
        ]
    torch.testing.assert_close(said[1], said[0], rtol=1e-4, atol=1e-5)
    for key, value in back.model.items():
        # Weight-normed kernels come back folded (weight_v = kernel, weight_g = its norm): compare effective kernels.
        if key.endswith("weight_v"):
            stem = key[: -len("_v")]
            kernel = (
                voice.model[stem + "_g"]
                * voice.model[key]
                / voice.model[key].flatten(1).norm(dim=1).view(-1, *[1] * (value.dim() - 1))
            )
            torch.testing.assert_close(value, kernel, rtol=1e-4, atol=1e-5, msg=key)
        elif not key.endswith("weight_g"):
            torch.testing.assert_close(value, voice.model[key], rtol=1e-4, atol=1e-5, msg=key)


def test_the_configuration_alone_is_read_as_the_full_import_reads_it(
    tmp_path: Path, tiny_multi_speaker_checkpoint: VoiceCheckpoint, joe_checkpoint: VoiceCheckpoint, joe_onnx: Path
) -> None:
    """ONNX inference reads only the configuration (no torch, no weights copied): it must be the importer's."""
    from voxtune.pretrained.piper_onnx import import_piper_onnx, read_onnx_voice_header

    export_onnx(tiny_multi_speaker_checkpoint, tmp_path / "multi.onnx")
    multi = import_piper_onnx(tmp_path / "multi.onnx")
    for path, full in ((tmp_path / "multi.onnx", multi), (joe_onnx, joe_checkpoint)):
        header = read_onnx_voice_header(path)
        assert header.config == full.config
        assert header.phoneme_id_map == full.phoneme_id_map and header.speaker_id_map == full.speaker_id_map
    assert read_onnx_voice_header(tmp_path / "multi.onnx").config.model.n_speakers == 3
