"""int8 dynamic quantization of an exported voice (onnxruntime): weights stored as int8, activations quantized
on the fly. The file shrinks about fourfold; the cost in quality is measured, not assumed (BENCHMARKS.md)."""

from __future__ import annotations

import shutil
from pathlib import Path


def quantize_int8(fp32_path: Path, int8_path: Path) -> Path:
    """Write the int8 model and a copy of the fp32 model's ``.json`` beside it; returns ``int8_path``."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = int8_path.with_name(int8_path.name + ".partial")
    prepared = int8_path.with_name(int8_path.name + ".prepared")
    _constants_to_initializers(fp32_path, prepared)
    try:
        quantize_dynamic(str(prepared), str(partial), weight_type=QuantType.QInt8)
    finally:
        prepared.unlink(missing_ok=True)
    partial.replace(int8_path)
    shutil.copyfile(fp32_path.with_name(fp32_path.name + ".json"), int8_path.with_name(int8_path.name + ".json"))
    return int8_path


def _constants_to_initializers(source: Path, target: Path) -> None:
    """Make every weight an initializer of its own: the quantizer reads convolution weights only from
    initializers, and the exporter emits some folded kernels as ``Constant`` nodes."""
    import onnx

    model = onnx.load(str(source))
    graph = model.graph
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    kept = []
    for node in graph.node:
        value = next((a for a in node.attribute if a.name == "value"), None)
        if node.op_type == "Constant" and value is not None and len(node.attribute) == 1:
            source_tensor = value.t
        elif node.op_type == "Identity" and node.input[0] in initializers:
            source_tensor = initializers[node.input[0]]  # the exporter's stand-in for a duplicate weight
        else:
            kept.append(node)
            continue
        tensor = onnx.TensorProto()
        tensor.CopyFrom(source_tensor)
        tensor.name = node.output[0]
        graph.initializer.append(tensor)
        initializers[tensor.name] = tensor
    del graph.node[:]
    graph.node.extend(kept)
    # The exporter stores identical weights once (e.g. zero-initialised projections); the quantizer replaces a
    # weight for the first node that uses it, so every further user gets its own copy.
    seen: set[str] = set()
    for node in graph.node:
        for index, name in enumerate(node.input):
            if name not in initializers:
                continue
            if name in seen:
                copy = onnx.TensorProto()
                copy.CopyFrom(initializers[name])
                copy.name = f"{name}__{node.name or index}_{len(graph.initializer)}"
                graph.initializer.append(copy)
                node.input[index] = copy.name
            seen.add(name)
    onnx.save(model, str(target))
