"""Rewriting a Piper-layout ONNX voice so onnxruntime runs it faster on a CPU: the same computation, laid out
for onnxruntime's blocked "NCHWc" convolutions.

onnxruntime runs 2-D convolutions in a blocked layout with kernels written for AVX2/AVX-512, but leaves 1-D
convolutions — every convolution of a VITS voice — to a generic im2col + GEMM path. Three rewrites, applied in
memory by :func:`fast_layout` (the file on disk is never changed: Piper's runtime keeps reading the original):

1. :func:`conv1d_as_conv2d`: a 1-D convolution over ``(B, C, T)`` is exactly a 2-D convolution over
   ``(B, C, 1, T)`` with a ``(1, K)`` kernel (an ``Unsqueeze`` before, a ``Squeeze`` after, the kernel reshaped
   in place without copying its data).
2. :func:`keep_2d_between_convs`: element-wise operations between two convolutions (the decoder's residual
   additions and LeakyReLUs) run on the 4-D tensors, so the ``Squeeze``/``Unsqueeze`` pairs between
   convolutions cancel. Without this every convolution converts its input into the blocked layout and its
   output back, which cost as much as the LeakyReLUs themselves.
3. A LeakyReLU that no convolution can absorb (its input also feeds a residual addition) becomes an identity
   depthwise 1x1 convolution with the LeakyReLU fused in: onnxruntime's blocked layout has no stand-alone
   LeakyReLU, so it would convert out of the layout and back around each one. Transposed convolutions (no
   blocked kernel; kept 1-D, as 2-D they measured slower) get an identity convolution after them for the same
   reason: their output then enters the blocked layout once instead of at each of its users.

The audio is the original's to float rounding (tests/synth/test_onnx_graph.py) and inference is faster
(BENCHMARKS.md, batch section).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

# Bump when a rewrite here changes what it writes: cached graphs of older rewrites are then not reused.
LAYOUT_VERSION = 2

# The axis every rewrite here inserts (the image height of 1), as the initializer opset >= 13 passes it.
AXIS = "voxtune_conv2d_axis"

# Operations that act on each element alone (with numpy broadcasting), so they give the same values on
# ``(B, C, 1, T)`` as on ``(B, C, T)``.
_ELEMENTWISE = frozenset({"Add", "Sub", "Mul", "Div", "LeakyRelu", "Relu", "Tanh", "Sigmoid"})


def fast_layout(model: Any) -> None:
    """Apply, in place, the three rewrites of this module to an ONNX ``ModelProto``."""
    conv1d_as_conv2d(model)
    identity_after_transposed_convs(model)
    keep_2d_between_convs(model)
    identity_before_leaky_relus(model)


def conv1d_as_conv2d(model: Any) -> int:
    """Rewrite, in place, every 1-D ``Conv`` whose kernel is an initializer as a 2-D one; returns how many."""
    from onnx import helper

    graph = model.graph
    opset = _opset(model)
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    users: dict[str, list[Any]] = {}
    for node in graph.node:
        for name in node.input:
            users.setdefault(name, []).append(node)

    def rewritable(node: Any) -> bool:
        if node.op_type != "Conv" or node.domain not in ("", "ai.onnx") or len(node.input) < 2:
            return False
        kernel = initializers.get(node.input[1])
        # The kernel is reshaped in place, so every user of it must be a convolution rewritten here too.
        return kernel is not None and len(kernel.dims) == 3 and all(u.op_type == "Conv" for u in users[kernel.name])

    _ensure_axis(model)
    reshaped: set[str] = set()
    nodes: list[Any] = []
    count = 0
    for node in graph.node:
        if not rewritable(node):
            nodes.append(node)
            continue
        kernel = initializers[node.input[1]]
        if kernel.name not in reshaped:
            kernel.dims.insert(2, 1)  # (O, I, K) → (O, I, 1, K): the same bytes in the same order
            reshaped.add(kernel.name)
        wide_in, wide_out = f"{node.output[0]}__in2d", f"{node.output[0]}__out2d"
        nodes.append(_axis_node("Unsqueeze", node.input[0], wide_in, opset, f"{node.name}/unsqueeze2d"))
        wide = helper.make_node(
            "Conv", [wide_in, *node.input[1:]], [wide_out], name=node.name, **_conv2d_attributes(node)
        )
        nodes.append(wide)
        nodes.append(_axis_node("Squeeze", wide_out, node.output[0], opset, f"{node.name}/squeeze2d"))
        count += 1
    del graph.node[:]
    graph.node.extend(nodes)
    return count


def _axis_node(op: str, source: str, target: str, opset: int, name: str) -> Any:
    """``Squeeze``/``Unsqueeze`` of axis 2: the axes are an input from opset 13, an attribute before."""
    from onnx import helper

    if opset >= 13:
        return helper.make_node(op, [source, AXIS], [target], name=name)
    return helper.make_node(op, [source], [target], name=name, axes=[2])


def _conv2d_attributes(node: Any) -> dict[str, Any]:
    """A 1-D ``Conv``'s attributes for the same convolution along the last axis of a height-1 image."""
    from onnx import helper

    attributes: dict[str, Any] = {}
    for attribute in node.attribute:
        value = helper.get_attribute_value(attribute)
        if attribute.name in ("kernel_shape", "strides", "dilations"):
            value = [1, *value]
        elif attribute.name == "pads":  # [begin, end] → [top, begin, bottom, end]
            value = [0, value[0], 0, value[1]]
        attributes[attribute.name] = value
    return attributes


def _squeezed_axis(node: Any) -> bool:
    """Whether ``node`` is a ``Squeeze``/``Unsqueeze`` of axis 2 alone (either opset's way of saying so)."""
    from onnx import helper

    if len(node.input) == 2:
        return node.input[1] == AXIS
    axes = [helper.get_attribute_value(a) for a in node.attribute if a.name == "axes"]
    return len(node.input) == 1 and len(axes) == 1 and list(axes[0]) == [2]


def _opset(model: Any) -> int:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)


def _ensure_axis(model: Any) -> None:
    from onnx import helper

    if _opset(model) >= 13 and all(t.name != AXIS for t in model.graph.initializer):
        model.graph.initializer.append(helper.make_tensor(AXIS, 7, [1], [2]))  # 7: int64


def _identity_conv(model: Any, source: str, target: str, channels: int, name: str) -> Any:
    """A depthwise 1x1 convolution with weight 1 and no bias over ``(B, channels, H, W)``: ``target`` is
    ``source`` exactly, now in a form onnxruntime's blocked layout runs (and fuses a LeakyReLU after)."""
    import numpy as np
    from onnx import helper, numpy_helper

    weight = f"{name}/identity_weight"
    model.graph.initializer.append(numpy_helper.from_array(np.ones((channels, 1, 1, 1), np.float32), weight))
    return helper.make_node("Conv", [source, weight], [target], name=name, group=channels, kernel_shape=[1, 1])


def identity_after_transposed_convs(model: Any) -> int:
    """After each 1-D ``ConvTranspose``: ``Unsqueeze`` → identity convolution → ``Squeeze``; returns how many."""
    _ensure_axis(model)
    opset = _opset(model)
    graph = model.graph
    kernels = {t.name: t for t in graph.initializer}
    nodes: list[Any] = []
    count = 0
    for node in graph.node:
        nodes.append(node)
        kernel = kernels.get(node.input[1]) if node.op_type == "ConvTranspose" and len(node.input) > 1 else None
        if kernel is None or len(kernel.dims) != 3:
            continue
        group = next((a.i for a in node.attribute if a.name == "group"), 1)
        output = node.output[0]
        node.output[0] = raw = f"{output}__transposed"
        nodes.append(_axis_node("Unsqueeze", raw, f"{raw}__4d", opset, f"{node.name}/unsqueeze2d"))
        nodes.append(_identity_conv(model, f"{raw}__4d", f"{output}__4d", kernel.dims[1] * group, f"{node.name}/after"))
        nodes.append(_axis_node("Squeeze", f"{output}__4d", output, opset, f"{node.name}/squeeze2d"))
        count += 1
    del graph.node[:]
    graph.node.extend(nodes)
    return count


def keep_2d_between_convs(model: Any) -> int:
    """Run element-wise operations on the 4-D tensors around them; returns how many were moved.

    An element-wise node whose inputs are all squeezed 4-D tensors, 3-D tensors (unsqueezed here: broadcasting
    between 3-D shapes is unchanged by a new axis 2 of size 1 in each) or single values, reads the 4-D
    tensors and its output is squeezed after it. Then ``Unsqueeze(Squeeze(x))`` is ``x``, and squeezes no one
    reads are dropped.
    """
    import onnx

    _ensure_axis(model)
    opset = _opset(model)
    graph = model.graph
    inferred = onnx.shape_inference.infer_shapes(model).graph
    rank = {
        value.name: len(value.type.tensor_type.shape.dim)
        for value in [*inferred.value_info, *inferred.input, *inferred.output]
        if value.type.tensor_type.HasField("shape")
    }
    for tensor in graph.initializer:
        rank[tensor.name] = len(tensor.dims)
    # Constants of one element broadcast the same against any rank.
    single = {t.name for t in graph.initializer if len(t.dims) <= 1 and math.prod(t.dims) == 1}
    squeezed: dict[str, str] = {}  # a squeezed tensor → the 4-D tensor it came from
    for node in graph.node:
        if node.op_type == "Squeeze" and _squeezed_axis(node):
            squeezed[node.output[0]] = node.input[0]

    moved = 0
    nodes: list[Any] = []
    for node in graph.node:
        inputs = list(node.input)
        movable = (
            node.op_type in _ELEMENTWISE
            and node.domain in ("", "ai.onnx")
            and any(name in squeezed for name in inputs)
            and all(name in squeezed or name in single or rank.get(name) in (0, 3) for name in inputs)
        )
        if not movable:
            nodes.append(node)
            continue
        for index, name in enumerate(inputs):
            if name in squeezed:
                node.input[index] = squeezed[name]
            elif rank.get(name) == 3:
                wide = f"{name}__4d_for_{node.name or node.output[0]}"
                nodes.append(_axis_node("Unsqueeze", name, wide, opset, f"{wide}/unsqueeze2d"))
                node.input[index] = wide
        output = node.output[0]
        node.output[0] = wide_output = f"{output}__4d"
        nodes.append(node)
        nodes.append(_axis_node("Squeeze", wide_output, output, opset, f"{node.name}/squeeze2d"))
        squeezed[output] = wide_output
        moved += 1

    replaced = {
        node.output[0]: squeezed[node.input[0]]
        for node in nodes
        if node.op_type == "Unsqueeze" and _squeezed_axis(node) and node.input[0] in squeezed
    }
    kept = [node for node in nodes if node.output[0] not in replaced]
    for node in kept:
        for index, name in enumerate(node.input):
            if name in replaced:
                node.input[index] = replaced[name]
    read = {name for node in kept for name in node.input} | {value.name for value in graph.output}
    kept = [node for node in kept if not (node.op_type == "Squeeze" and node.output[0] not in read)]
    del graph.node[:]
    graph.node.extend(kept)
    return moved


def identity_before_leaky_relus(model: Any) -> int:
    """Before each 4-D ``LeakyRelu`` that its producer cannot absorb, an identity depthwise convolution (which
    onnxruntime fuses with it); returns how many."""
    import onnx

    graph = model.graph
    inferred = onnx.shape_inference.infer_shapes(model).graph
    channels = {
        value.name: value.type.tensor_type.shape.dim[1].dim_value
        for value in inferred.value_info
        if len(value.type.tensor_type.shape.dim) == 4 and value.type.tensor_type.shape.dim[1].dim_value
    }
    producers = {output: node for node in graph.node for output in node.output}
    readers = Counter(name for node in graph.node for name in node.input)
    nodes: list[Any] = []
    count = 0
    for node in graph.node:
        source = node.input[0] if node.op_type == "LeakyRelu" else ""
        producer = producers.get(source)
        absorbed = producer is not None and producer.op_type == "Conv" and readers[source] == 1
        if source in channels and not absorbed:
            nodes.append(_identity_conv(model, source, f"{source}__identity", channels[source], f"{node.name}/before"))
            node.input[0] = f"{source}__identity"
            count += 1
        nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    return count
