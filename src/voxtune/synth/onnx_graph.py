"""Opening a Piper-layout ONNX voice for speed: an onnxruntime session on the graph as
:mod:`voxtune.synth.onnx_layout` rewrites it, optimized once per file, onnxruntime version and CPU and cached.
"""

from __future__ import annotations

import hashlib
import os
import platform
import threading
from pathlib import Path
from typing import Any


def open_session(
    onnx_path: str | Path, num_threads: int | None = None, fast_layout: bool = True, cache: bool = True
) -> Any:
    """An onnxruntime CPU session on the voice; ``fast_layout`` applies :func:`~voxtune.synth.onnx_layout.fast_layout`
    in memory.

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

    from voxtune.synth.onnx_layout import fast_layout as rewrite

    model = onnx.load(str(onnx_path))
    rewrite(model)
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

    from voxtune.synth.onnx_layout import LAYOUT_VERSION

    digest = hashlib.sha256()
    with onnx_path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    digest.update(f"|{LAYOUT_VERSION}|{onnxruntime.__version__}|{_cpu_flags()}".encode())
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
