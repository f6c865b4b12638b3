"""Monotonic alignment search (MAS): the best hard alignment of text positions to spectrogram frames.

VITS learns durations without an external aligner: every training step it finds, per utterance, the monotonic
path through the score matrix (log-likelihood of each frame under each text position's prior) with the
highest total score, and trains the duration predictor on the result. The dynamic programme is sequential
along frames, so it runs on the CPU in numba-compiled code, one utterance per parallel task.

Layout here is ``(B, T_text, T_frames)``; VITS's ``monotonic_align.maximum_path`` takes the transpose.
"""

from __future__ import annotations

import numba
import numpy as np
import torch

# Stands for "unreachable" in the score table; finite so that adding scores to it cannot produce NaN.
_UNREACHABLE = -1e9


@numba.njit(cache=True, nogil=True)
def _maximum_path_one(path: np.ndarray, value: np.ndarray, n_text: int, n_frames: int) -> None:
    """Fill ``path[:n_text, :n_frames]`` with the best monotonic path through ``value`` ``(n_frames, T_text)``.

    ``value`` is frame-major so the inner loop over text positions walks contiguous memory; it is overwritten
    with cumulative best scores. Only the band of cells a complete path can visit is computed: text ``x`` at
    frame ``y`` needs ``x <= y`` (one frame per earlier position) and ``n_text - x <= n_frames - y``.
    """
    for y in range(n_frames):
        for x in range(max(0, n_text + y - n_frames), min(n_text, y + 1)):
            if y == 0:
                best_prev = 0.0  # the path starts at (0, 0), which is the only cell of frame 0 in the band
            else:
                stay = value[y - 1, x] if x < y else _UNREACHABLE
                advance = value[y - 1, x - 1] if x > 0 else _UNREACHABLE
                best_prev = max(stay, advance)
            value[y, x] += best_prev
    index = n_text - 1
    for y in range(n_frames - 1, -1, -1):
        path[index, y] = 1.0
        # Step back to the previous text position when forced to (index == y) or when that came from a better
        # cell; on a tie stay, as VITS does.
        if index != 0 and (index == y or value[y - 1, index] < value[y - 1, index - 1]):
            index -= 1


@numba.njit(cache=True, nogil=True, parallel=True)
def _maximum_path_batch(
    paths: np.ndarray, values: np.ndarray, text_lengths: np.ndarray, frame_lengths: np.ndarray
) -> None:
    for b in numba.prange(values.shape[0]):
        if text_lengths[b] > 0 and frame_lengths[b] > 0:
            _maximum_path_one(paths[b], values[b], text_lengths[b], frame_lengths[b])


def maximum_path(neg_cent: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Hard monotonic alignment maximizing the summed score, as VITS's ``maximum_path``.

    ``neg_cent`` ``(B, T_text, T_frames)`` holds the score of assigning each frame to each text position;
    ``mask`` ``(B, T_text, T_frames)`` is nonzero inside each item's ``(len_text, len_frames)`` corner. Returns
    a 0/1 tensor ``(B, T_text, T_frames)`` (dtype and device of ``neg_cent``): inside the mask every frame has
    exactly one text position, the path starts at ``(0, 0)``, ends at ``(len_text - 1, len_frames - 1)`` and
    each next frame stays on the same position or moves to the next one; zero outside the mask.
    """
    if neg_cent.shape != mask.shape or neg_cent.dim() != 3:
        raise ValueError(
            f"maximum_path expects neg_cent and mask of one shape (B, T_text, T_frames), "
            f"got {tuple(neg_cent.shape)} and {tuple(mask.shape)}"
        )
    mask_np = mask.detach().to("cpu") != 0
    text_lengths = mask_np[:, :, 0].sum(dim=1).to(torch.int64).numpy()
    frame_lengths = mask_np[:, 0, :].sum(dim=1).to(torch.int64).numpy()
    if np.any(text_lengths > frame_lengths):
        bad = int(np.argmax(text_lengths > frame_lengths))
        raise ValueError(
            f"maximum_path: item {bad} has {text_lengths[bad]} text positions but only {frame_lengths[bad]} "
            "frames; every position needs at least one frame"
        )
    # Frame-major float64 copy: contiguous inner loop, and sums of hundreds of scores stay exact enough that
    # the chosen path does not depend on rounding.
    values = np.ascontiguousarray(neg_cent.detach().to("cpu", torch.float64).transpose(1, 2).numpy())
    paths = np.zeros(neg_cent.shape, dtype=np.float32)
    _maximum_path_batch(paths, values, text_lengths, frame_lengths)
    return torch.from_numpy(paths).to(device=neg_cent.device, dtype=neg_cent.dtype)
