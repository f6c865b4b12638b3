"""Run Piper's own trainer (piper-tts 1.8.0) as the speed anchor, in its own virtual environment.

Two fixes 1.8.0 needs offline (see the project's piper-anchor notes): its monotonic-alignment extension is missing
from the wheel, so the same numba alignment search voxtune uses is registered in its place (both trainers then
pay the same alignment cost); and the ``val_mos`` checkpoint callback, which cannot work offline, is dropped.

Usage: ANCHOR_PYTHON bench/piper_anchor_launcher.py VOXTUNE_SRC fit --data... (the arguments of piper.train)
"""

from __future__ import annotations

import sys
import types

import numpy as np
import torch


def _install_alignment_shim(voxtune_src: str) -> None:
    sys.path.insert(0, voxtune_src)
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "_voxtune_alignment", f"{voxtune_src}/voxtune/models/vits/alignment.py"
    )
    assert spec is not None and spec.loader is not None
    alignment = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(alignment)

    def maximum_path_c(path: np.ndarray, neg_cent: np.ndarray, t_t_max: np.ndarray, t_s_max: np.ndarray) -> None:
        """Piper's layout: path/neg_cent (B, frames, text), filled in place."""
        batch, frames, text = neg_cent.shape
        mask = np.zeros((batch, text, frames), dtype=np.float32)
        for b in range(batch):
            mask[b, : t_s_max[b], : t_t_max[b]] = 1
        result = alignment.maximum_path(torch.from_numpy(neg_cent).transpose(1, 2), torch.from_numpy(mask))
        path[...] = result.transpose(1, 2).numpy().astype(np.int32)

    package = "piper.train.vits.monotonic_align.monotonic_align"
    sys.modules[package] = types.ModuleType(package)
    core = types.ModuleType(f"{package}.core")
    core.maximum_path_c = maximum_path_c  # type: ignore[attr-defined]
    sys.modules[f"{package}.core"] = core


def main() -> None:
    _install_alignment_shim(sys.argv.pop(1))
    import piper.train.__main__ as piper_train_main

    piper_train_main._DEFAULT_CALLBACKS[:] = [
        cb for cb in piper_train_main._DEFAULT_CALLBACKS if getattr(cb, "monitor", None) != "val_mos"
    ]
    sys.argv[0] = "piper.train"
    piper_train_main.main()


if __name__ == "__main__":
    main()
