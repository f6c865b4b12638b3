"""Where voxtune keeps what it can recompute: recovered base voices, optimized ONNX graphs, evaluation results.

One root for all of them: ``$VOXTUNE_CACHE_DIR``, else ``$XDG_CACHE_HOME/voxtune``, else ``~/.cache/voxtune``;
each kind in a folder of its own under it. Deleting the root only costs time.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "VOXTUNE_CACHE_DIR"


def cache_root() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "voxtune"
