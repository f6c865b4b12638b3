"""Giving memory the process has freed back to the operating system."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
from collections.abc import Callable

log = logging.getLogger("voxtune.serve")


def return_freed_memory() -> bool:
    """Ask glibc to return free heap pages (``malloc_trim(0)``); False where there is no glibc.

    glibc keeps freed memory for reuse and gives back only what lies at the very top of the heap, so a large
    temporary that was freed (loading an ONNX voice parses every weight into a tensor and drops them: about
    190 MB for joe) can stay in the resident set for the life of the process, or not, by chance.
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # musl, macOS, Windows: no malloc_trim
        log.debug("no malloc_trim in this C library; freed memory stays with the allocator")
        return None
