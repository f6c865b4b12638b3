import dataclasses
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import helper, numpy_helper

from voxtune.export import export_onnx
from voxtune.export.verify import probe_ids, snr_db
from voxtune.pretrained.checkpoint import VoiceCheckpoint
from voxtune.synth.onnx_graph import conv1d_as_conv2d, open_session


def feeds(ids: list[int]) -> dict[str, np.ndarray]:
    return {
        "input": np.array([ids], dtype=np.int64),
        "input_lengths": np.array([len(ids)], dtype=np.int64),
        "scales": np.array([0.0, 1.0, 0.0], dtype=np.float32),
    }


def test_the_2d_layout_speaks_as_the_1d_graph(tmp_path: Path, tiny_checkpoint: VoiceCheckpoint) -> None:
    export_onnx(tiny_checkpoint, tmp_path / "tiny.onnx")
    model = onnx.load(str(tmp_path / "tiny.onnx"))
    kernels = {t.name: t for t in model.graph.initializer}
    convs = [node for node in model.graph.node if node.op_type == "Conv"]
    # The exporter turns a few kernels into Constant nodes or shares them through Identity nodes; those
    # convolutions stay 1-D. The rest, nearly all, become 2-D.
    assert conv1d_as_conv2d(model) >= 0.9 * len(convs) > 10
    wide = [node for node in model.graph.node if node.op_type == "Conv" and node.input[1] in kernels]
    assert sum(len(kernels[node.input[1]].dims) == 4 for node in wide) >= 0.9 * len(convs)
    onnx.checker.check_model(model)
    plain = open_session(tmp_path / "tiny.onnx", 1, fast_layout=False)
    fast = open_session(tmp_path / "tiny.onnx", 1)
    for ids in probe_ids(tiny_checkpoint, (6, 40)):
        expected, got = (s.run(None, feeds(ids))[0] for s in (plain, fast))
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, atol=1e-5)


@pytest.mark.parametrize("opset", [11, 15])  # Squeeze/Unsqueeze take their axes as an attribute before opset 13
def test_a_strided_dilated_padded_conv_keeps_its_result(opset: int) -> None:
    rng = np.random.default_rng(0)
    weight, bias = rng.normal(size=(6, 4, 5)).astype(np.float32), rng.normal(size=6).astype(np.float32)
    conv = helper.make_node("Conv", ["x", "w", "b"], ["y"], name="c", strides=[2], dilations=[3], pads=[4, 2])
    graph = helper.make_graph(
        [conv],
        "g",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 4, "T"])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)],
        [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    x = rng.normal(size=(1, 4, 50)).astype(np.float32)
    expected = run(model, x)
    assert conv1d_as_conv2d(model) == 1
    got = run(model, x)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return np.asarray(session.run(None, {"x": x})[0])


def test_joe_in_the_2d_layout_equals_the_original(joe_onnx: Path) -> None:
    ids = [1, 0] + [i for symbol in range(20, 80) for i in (symbol, 0)] + [2]
    plain = open_session(joe_onnx, 1, fast_layout=False).run(None, feeds(ids))[0].reshape(-1)
    fast = open_session(joe_onnx, 1).run(None, feeds(ids))[0].reshape(-1)
    assert len(fast) == len(plain)
    assert snr_db(plain.astype(np.float64), fast.astype(np.float64)) > 60


def test_the_optimized_graph_is_cached_and_reused(
    tmp_path: Path, tiny_checkpoint: VoiceCheckpoint, voxtune_cache: Path
) -> None:
    export_onnx(tiny_checkpoint, tmp_path / "tiny.onnx")
    uncached = open_session(tmp_path / "tiny.onnx", 1, cache=False)
    graph_cache = voxtune_cache / "onnx"
    assert not graph_cache.exists()
    first = open_session(tmp_path / "tiny.onnx", 1)
    saved = list(graph_cache.iterdir())
    assert len(saved) == 1 and saved[0].name.startswith("tiny-")  # no partial file left behind
    again = open_session(tmp_path / "tiny.onnx", 1)  # loads the saved graph, optimizer off
    ids = probe_ids(tiny_checkpoint, (20,))[0]
    expected = uncached.run(None, feeds(ids))[0]
    for session in (first, again):
        np.testing.assert_allclose(session.run(None, feeds(ids))[0], expected, atol=1e-5)
    # Another file (other weights, same name) gets its own entry instead of the stale one.
    weights = {k: v + 0.01 if v.is_floating_point() else v for k, v in tiny_checkpoint.model.items()}
    export_onnx(dataclasses.replace(tiny_checkpoint, model=weights), tmp_path / "tiny.onnx")
    changed = open_session(tmp_path / "tiny.onnx", 1)
    assert len(list(graph_cache.iterdir())) == 2
    assert not np.allclose(changed.run(None, feeds(ids))[0], expected, atol=1e-5)
