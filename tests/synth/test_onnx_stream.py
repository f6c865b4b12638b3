from pathlib import Path

import numpy as np
import onnxruntime
import pytest

from voxtune.errors import VoxtuneError
from voxtune.export import export_onnx, export_streaming
from voxtune.export.verify import probe_ids
from voxtune.pretrained.checkpoint import VoiceCheckpoint
from voxtune.synth.backends import Scales
from voxtune.synth.onnx_stream import Span, StreamingOnnxVoice, chunk_spans


def test_spans_tile_the_frames_with_clipped_context() -> None:
    spans = chunk_spans(10, 4, 3)
    assert spans == [Span(0, 0, 4, 7), Span(1, 4, 8, 10), Span(5, 8, 10, 10)]
    assert chunk_spans(3, 8, 2) == [Span(0, 0, 3, 3)]
    assert chunk_spans(0, 8, 2) == []
    with pytest.raises(ValueError, match="at least 1"):
        chunk_spans(10, 0, 2)


def test_stream_yields_the_full_graphs_audio_piece_by_piece(tmp_path: Path, tiny_checkpoint: VoiceCheckpoint) -> None:
    export_onnx(tiny_checkpoint, tmp_path / "tiny.onnx")
    export_streaming(tiny_checkpoint, tmp_path / "tiny.onnx")
    voice = StreamingOnnxVoice(tmp_path / "tiny.onnx", num_threads=1)
    ids = probe_ids(tiny_checkpoint, (30,))[0]
    silent = Scales(noise_scale=0.0, length_scale=1.0, noise_w=0.0)
    pieces = list(voice.stream(ids, silent, chunk_frames=5))
    assert len(pieces) > 2 and all(len(p) == 5 * voice.hop_length for p in pieces[:-1])
    full = onnxruntime.InferenceSession(str(tmp_path / "tiny.onnx"), providers=["CPUExecutionProvider"])
    feeds = {
        "input": np.array([ids], dtype=np.int64),
        "input_lengths": np.array([len(ids)], dtype=np.int64),
        "scales": np.array([0.0, 1.0, 0.0], dtype=np.float32),
    }
    expected = full.run(None, feeds)[0].reshape(-1)
    np.testing.assert_allclose(np.concatenate(pieces), expected, atol=1e-5)
    # Called without scales, stream() samples with the defaults of the voice's .onnx.json.
    assert voice.default_scales.noise_scale == tiny_checkpoint.config.inference.noise_scale


def test_a_voice_without_the_split_is_a_clear_error(tmp_path: Path, tiny_checkpoint: VoiceCheckpoint) -> None:
    export_onnx(tiny_checkpoint, tmp_path / "tiny.onnx")
    with pytest.raises(VoxtuneError, match="--streaming"):
        StreamingOnnxVoice(tmp_path / "tiny.onnx")
    with pytest.raises(VoxtuneError, match="not found"):
        StreamingOnnxVoice(tmp_path / "missing.onnx")
