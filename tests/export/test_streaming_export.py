import json
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
import torch

from voxtune.cli import main
from voxtune.config import ModelConfig
from voxtune.export import decoder_context_frames, export, export_onnx, export_streaming, verify_streaming
from voxtune.export.verify import probe_ids, snr_db
from voxtune.models.vits.decoder import Generator
from voxtune.models.vits.presets import tiny
from voxtune.pretrained.checkpoint import VoiceCheckpoint
from voxtune.synth.backends import Scales
from voxtune.synth.onnx_stream import StreamingOnnxVoice

SILENT = Scales(noise_scale=0.0, length_scale=1.0, noise_w=0.0)


def export_streaming_after_full(checkpoint: VoiceCheckpoint, output: Path) -> tuple[Path, Path, int]:
    export_onnx(checkpoint, output)  # the split notes itself in the .onnx.json the full export writes
    return export_streaming(checkpoint, output)


def split(checkpoint: VoiceCheckpoint, output: Path) -> StreamingOnnxVoice:
    export_streaming_after_full(checkpoint, output)
    return StreamingOnnxVoice(output)


def test_split_graphs_have_their_interface_and_the_sidecar_names_them(
    tmp_path: Path, tiny_checkpoint: VoiceCheckpoint
) -> None:
    encoder, decoder, context = export_streaming_after_full(tiny_checkpoint, tmp_path / "tiny.onnx")
    assert (encoder.name, decoder.name) == ("tiny.encoder.onnx", "tiny.decoder.onnx")
    sessions = [onnxruntime.InferenceSession(str(p), providers=["CPUExecutionProvider"]) for p in (encoder, decoder)]
    assert [i.name for i in sessions[0].get_inputs()] == ["input", "input_lengths", "scales"]
    assert [o.name for o in sessions[0].get_outputs()] == ["z", "y_mask"]
    assert [i.name for i in sessions[1].get_inputs()] == ["z"]
    assert [o.name for o in sessions[1].get_outputs()] == ["audio"]
    note = json.loads((tmp_path / "tiny.onnx.json").read_text())["streaming"]
    assert note == {
        "encoder": encoder.name,
        "decoder": decoder.name,
        "hop_length": 16,
        "decoder_context_frames": context,
    }
    # The full graph's sidecar still loads in Piper's runtime with the extra key.
    from piper import PiperVoice

    PiperVoice.load(tmp_path / "tiny.onnx", config_path=tmp_path / "tiny.onnx.json")


def test_encoder_then_decoder_equals_the_full_graph_whole_and_in_chunks(
    tmp_path: Path, tiny_checkpoint: VoiceCheckpoint
) -> None:
    export_streaming_after_full(tiny_checkpoint, tmp_path / "tiny.onnx")
    check = verify_streaming(tmp_path / "tiny.onnx", tiny_checkpoint, chunk_frames=8)
    assert check.passed and check.equal_length
    assert max(check.chunks) > 3  # the probes cross several chunk boundaries
    assert min(check.whole_snr_db) > 80 and min(check.chunked_snr_db) > 80


def test_chunks_without_the_overlap_do_not_match(tmp_path: Path, tiny_checkpoint: VoiceCheckpoint) -> None:
    voice = split(tiny_checkpoint, tmp_path / "tiny.onnx")
    latent = voice.encode(probe_ids(tiny_checkpoint, (40,))[0], SILENT)
    whole = voice.decode(latent)
    overlapped = np.concatenate(list(voice.decode_chunks(latent, chunk_frames=6)))
    voice.context_frames = 0
    cut = np.concatenate(list(voice.decode_chunks(latent, chunk_frames=6)))
    assert len(whole) == len(overlapped) == len(cut)
    assert snr_db(whole, overlapped) > 80
    assert snr_db(whole, cut) < 35  # the seams are audible: the context is what makes chunks exact


@pytest.mark.parametrize("resblock", ["1", "2"])
def test_context_covers_the_decoders_receptive_field(resblock: str) -> None:
    config = tiny(resblock=resblock, resblock_kernel_sizes=(3, 5), resblock_dilation_sizes=((1, 3), (2, 4))).model
    radius = measured_radius(config)
    assert radius <= decoder_context_frames(config) <= radius + 1  # enough, and not wastefully more


def measured_radius(config: ModelConfig) -> int:
    """Latent frames on each side whose change moves a frame's samples, found by perturbing one frame."""
    torch.manual_seed(0)
    decoder = Generator(
        config.inter_channels,
        config.resblock,
        config.resblock_kernel_sizes,
        config.resblock_dilation_sizes,
        config.upsample_rates,
        config.upsample_initial_channel,
        config.upsample_kernel_sizes,
    ).eval()
    frames, middle, hop = 61, 30, int(np.prod(config.upsample_rates))
    z = torch.randn(1, config.inter_channels, frames)
    moved = z.clone()
    moved[:, :, middle] += 1.0
    with torch.no_grad():
        change = (decoder(moved) - decoder(z)).abs().reshape(frames, hop).amax(dim=1)
    touched = torch.nonzero(change > 0).flatten()
    return int(max(middle - touched.min(), touched.max() - middle))


def test_multi_speaker_split_carries_the_speaker(
    tmp_path: Path, tiny_multi_speaker_checkpoint: VoiceCheckpoint
) -> None:
    voice = tiny_multi_speaker_checkpoint
    streamer = split(voice, tmp_path / "multi.onnx")
    assert [o.name for o in streamer.encoder.get_outputs()] == ["z", "y_mask", "g"]
    assert [i.name for i in streamer.decoder.get_inputs()] == ["z", "g"]
    ids = probe_ids(voice, (12,))[0]
    first, second = (np.concatenate(list(streamer.stream(ids, SILENT, speaker, 4))) for speaker in (0, 2))
    assert not np.allclose(first, second)
    assert verify_streaming(tmp_path / "multi.onnx", voice, chunk_frames=4).passed


def test_export_api_and_cli_write_and_verify_the_split(
    tmp_path: Path, tiny_voice_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = export(tiny_voice_path, tmp_path / "api.onnx", streaming=True)
    assert result.streaming is not None and result.streaming.verification is not None
    assert result.streaming.verification.passed and result.streaming.decoder.is_file()
    assert export(tiny_voice_path, tmp_path / "plain.onnx").streaming is None
    assert not (tmp_path / "plain.encoder.onnx").exists()
    assert main(["export", str(tiny_voice_path), "-o", str(tmp_path / "cli.onnx"), "--streaming"]) == 0
    out = capsys.readouterr().out
    assert "cli.encoder.onnx" in out and "streaming graphs vs the full graph" in out
