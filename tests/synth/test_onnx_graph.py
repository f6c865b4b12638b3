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
from voxtune.synth.onnx_graph import open_session
from voxtune.synth.onnx_layout import conv1d_as_conv2d, fast_layout


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


@pytest.mark.parametrize("opset", [11, 15])
def test_a_residual_block_stays_2d_and_keeps_its_result(opset: int) -> None:
    """conv → + residual → LeakyReLU → conv, a mask (B, 1, T), a conditioning (B, C, 1), a transposed conv."""
    rng = np.random.default_rng(1)
    channels = 16

    def weight(*shape: int) -> np.ndarray:
        return rng.normal(scale=0.3, size=shape).astype(np.float32)

    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["h1"], name="c1", pads=[1, 1]),
        helper.make_node("Add", ["h1", "g"], ["h2"], name="cond"),  # (B, C, T) + (B, C, 1)
        helper.make_node("LeakyRelu", ["h2"], ["a1"], name="act1", alpha=0.1),
        helper.make_node("Conv", ["a1", "w2", "b2"], ["h3"], name="c2", pads=[2, 2], dilations=[2]),
        helper.make_node("Add", ["h3", "h2"], ["r1"], name="residual"),
        helper.make_node("Mul", ["r1", "mask"], ["m1"], name="masked"),  # (B, C, T) * (B, 1, T)
        helper.make_node("Div", ["m1", "three"], ["d1"], name="mean"),
        helper.make_node("LeakyRelu", ["d1"], ["a2"], name="act2", alpha=0.1),
        helper.make_node("ConvTranspose", ["a2", "wt", "bt"], ["u1"], name="up", strides=[2], pads=[1, 1]),
        helper.make_node("LeakyRelu", ["u1"], ["a3"], name="act3", alpha=0.1),
        helper.make_node("Conv", ["a3", "w3", "b3"], ["h4"], name="c3", pads=[1, 1]),
        helper.make_node("Add", ["h4", "u1"], ["y"], name="residual2"),
    ]
    initializers = {
        "w1": weight(channels, 4, 3),
        "b1": weight(channels),
        "w2": weight(channels, channels, 3),
        "b2": weight(channels),
        "three": np.array(3.0, np.float32),
        "wt": weight(channels, channels, 4),
        "bt": weight(channels),
        "w3": weight(channels, channels, 3),
        "b3": weight(channels),
    }
    float_input = onnx.TensorProto.FLOAT
    graph = helper.make_graph(
        nodes,
        "block",
        [
            helper.make_tensor_value_info("x", float_input, [1, 4, "T"]),
            helper.make_tensor_value_info("g", float_input, [1, channels, 1]),
            helper.make_tensor_value_info("mask", float_input, [1, 1, "T"]),
        ],
        [helper.make_tensor_value_info("y", float_input, [1, channels, "T2"])],
        [numpy_helper.from_array(value, name) for name, value in initializers.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    inputs = {
        "x": rng.normal(size=(1, 4, 40)).astype(np.float32),
        "g": rng.normal(size=(1, channels, 1)).astype(np.float32),
        "mask": (rng.random(size=(1, 1, 40)) > 0.2).astype(np.float32),
    }
    expected = run_with(model, inputs)

    fast_layout(model)
    onnx.checker.check_model(model)
    got = run_with(model, inputs)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    # Between convolutions nothing is squeezed back to 3-D: element-wise work happens on the 4-D tensors, and
    # each LeakyReLU (none is absorbable by a convolution here) reads an identity convolution.
    producers = {output: node for node in model.graph.node for output in node.output}
    for node in model.graph.node:
        if node.op_type in ("LeakyRelu", "Add", "Mul", "Div") and node.output[0] != "y":
            assert all(producers.get(name, node).op_type != "Squeeze" for name in node.input), node.name
        if node.op_type == "LeakyRelu":
            assert producers[node.input[0]].op_type == "Conv" and producers[node.input[0]].name.endswith("/before")
    assert sum(node.op_type == "Squeeze" for node in model.graph.node) <= 2  # before the transposed conv, at y


def run_with(model: onnx.ModelProto, inputs: dict[str, np.ndarray]) -> np.ndarray:
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return np.asarray(session.run(None, inputs)[0])
