"""Reading foreign PyTorch checkpoints safely (``weights_only=True``), with one-line errors."""

from __future__ import annotations

import pathlib
from pathlib import Path
from typing import Any

import torch

from voxtune.pretrained.keymap import PretrainedFormatError

# Lightning stores hyperparameters that may hold paths; allow exactly these classes, nothing else.
_SAFE_GLOBALS: list[Any] = [pathlib.PosixPath, pathlib.WindowsPath, pathlib.PurePosixPath, pathlib.PureWindowsPath]


def load_torch_file(path: str | Path) -> dict[str, Any]:
    """``torch.load`` without executing pickled code; a missing or unreadable file raises one line."""
    path = Path(path)
    if not path.is_file():
        raise PretrainedFormatError(f"file not found: {path}")
    try:
        with torch.serialization.safe_globals(_SAFE_GLOBALS):
            data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # corrupt zip, unpickling refusal, truncated file: all "cannot read"
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise PretrainedFormatError(f"cannot read {path}: {message}") from None
    if not isinstance(data, dict):
        raise PretrainedFormatError(f"{path} does not hold a checkpoint dictionary")
    return data
