"""Opening a Piper-layout ONNX voice for speed: the same computation, laid out so onnxruntime's fastest CPU
convolutions apply.

onnxruntime runs 2-D convolutions in its blocked "NCHWc" layout with kernels written for AVX2/AVX-512, but
leaves 1-D convolutions — every convolution of a VITS voice — to a generic im2col + GEMM path. A 1-D
convolution over ``(B, C, T)`` is exactly a 2-D convolution over ``(B, C, 1, T)`` with a ``(1, K)`` kernel,
so :func:`conv1d_as_conv2d` rewrites each one that way (an ``Unsqueeze`` before, a ``Squeeze`` after, the
kernel reshaped in place without copying its data). The audio is the original's to float rounding (SNR ≈ 95 dB,
same length; tests/synth/test_onnx_graph.py) and inference is faster (BENCHMARKS.md, batch section). The file
on disk is never changed: Piper's runtime keeps reading the original layout.

Transposed convolutions stay 1-D: rewritten the same way they measured slower.
"""

from __future__ import annotations

import hashlib
import os
import platform
import threading
from pathlib import Path
from typing import Any

# Bump when conv1d_as_conv2d changes what it writes: cached graphs of older rewrites are then not reused.
_LAYOUT_VERSION = 1


def conv1d_as_conv2d(model: Any) -> int:
    """Rewrite, in place, every 1-D ``Conv`` whose kernel is an initializer as a 2-D one; returns how many."""
    from onnx import helper

    graph = model.graph
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
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

    axes_name = "voxtune_conv2d_axis"
    if opset >= 13:  # axes became an input in opset 13
        graph.initializer.append(helper.make_tensor(axes_name, 7, [1], [2]))  # 7: int64
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
        nodes.append(_axis_node("Unsqueeze", node.input[0], wide_in, axes_name, opset, f"{node.name}/unsqueeze2d"))
        wide = helper.make_node(
            "Conv", [wide_in, *node.input[1:]], [wide_out], name=node.name, **_conv2d_attributes(node)
        )
        nodes.append(wide)
        nodes.append(_axis_node("Squeeze", wide_out, node.output[0], axes_name, opset, f"{node.name}/squeeze2d"))
        count += 1
    del graph.node[:]
    graph.node.extend(nodes)
    return count


def _axis_node(op: str, source: str, target: str, axes_name: str, opset: int, name: str) -> Any:
    from onnx import helper

    if opset >= 13:
        return helper.make_node(op, [source, axes_name], [target], name=name)
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


def open_session(
    onnx_path: str | Path, num_threads: int | None = None, fast_layout: bool = True, cache: bool = True
) -> Any:
    """An onnxruntime CPU session on the voice; ``fast_layout`` applies :func:`conv1d_as_conv2d` in memory.

    ``num_threads`` bounds onnxruntime's intra-op threads (one per process or thread when several run side by
    side: they then share the cores without oversubscribing them); ``None`` keeps onnxruntime's default.

    With ``cache`` the fast graph, once optimized by onnxruntime, is saved under :func:`cache_dir` and later
    sessions load it with the optimizer off (measured: 0.3 s instead of 1.6 s per session). The saved graph
    holds kernels chosen for this CPU, so its name hashes the file's bytes, the onnxruntime version and the
    CPU's feature flags.
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    if num_threads:
        options.intra_op_num_threads = num_threads
        options.inter_op_num_threads = 1
    providers = ["CPUExecutionProvider"]
    if not fast_layout:
        return onnxruntime.InferenceSession(str(onnx_path), sess_options=options, providers=providers)
    saved = cache_dir() / f"{_cache_key(Path(onnx_path))}.onnx" if cache else None
    if saved is not None and saved.is_file():
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
        return onnxruntime.InferenceSession(str(saved), sess_options=options, providers=providers)
    import onnx

    model = onnx.load(str(onnx_path))
    conv1d_as_conv2d(model)
    if saved is not None:
        try:
            saved.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            saved = None  # a read-only home: the cache is only an optimization
    if saved is None:
        return onnxruntime.InferenceSession(model.SerializeToString(), sess_options=options, providers=providers)
    partial = saved.with_name(f"{saved.stem}.{os.getpid()}.{threading.get_ident()}.partial.onnx")
    options.optimized_model_filepath = str(partial)
    options.log_severity_level = 3  # onnxruntime warns that the saved graph is for this CPU: the key says so
    session = onnxruntime.InferenceSession(model.SerializeToString(), sess_options=options, providers=providers)
    partial.replace(saved)  # atomic: a concurrent reader sees the whole file or none
    return session


def cache_dir() -> Path:
    """``onnx/`` under voxtune's cache root (:func:`voxtune.cache.cache_root`)."""
    from voxtune.cache import cache_root

    return cache_root() / "onnx"


def _cache_key(onnx_path: Path) -> str:
    import onnxruntime

    digest = hashlib.sha256()
    with onnx_path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    digest.update(f"|{_LAYOUT_VERSION}|{onnxruntime.__version__}|{_cpu_flags()}".encode())
    return f"{onnx_path.stem}-{digest.hexdigest()[:24]}"


def _cpu_flags() -> str:
    """The CPU's feature flags (Linux), else the platform's name: what decides the kernels onnxruntime picks."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith(("flags", "Features")):
                return line
    except OSError:
        pass
    return f"{platform.machine()} {platform.processor()}"
