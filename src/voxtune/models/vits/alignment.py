"""Monotonic alignment search (MAS): the best hard alignment of text positions to spectrogram frames.

VITS learns durations without an external aligner: every training step it finds, per utterance, the monotonic
path through the score matrix (log-likelihood of each frame under each text position's prior) with the
highest total score, and trains the duration predictor on the result. The dynamic programme is sequential,
so it runs on the CPU in numba-compiled code, one utterance per parallel task.

Layout here is ``(B, T_text, T_frames)``; VITS's ``monotonic_align.maximum_path`` takes the transpose.
"""

from __future__ import annotations

import numba
import numpy as np
import torch


@numba.njit(cache=True, nogil=True)
def _maximum_path_one(path: np.ndarray, scores: np.ndarray, n_text: int, n_frames: int) -> None:
    """Fill ``path[:n_text, :n_frames]`` with the best monotonic path through ``scores`` ``(T_text, T_frames)``.

    Rows (text positions) are filled in order, each along frames, so every loop walks contiguous memory; a
    cell needs only its left neighbour and the one diagonally above. Only the band of cells a complete path
    can visit is computed: position ``x`` at frame ``y`` needs ``x <= y`` (one frame for each earlier position)
    and ``n_text - x <= n_frames - y`` (one frame for each later position).
    """
    # Cumulative best scores in float64, so hundreds of summed scores do not round into false ties.
    value = np.empty((n_text, n_frames), dtype=np.float64)
    slack = n_frames - n_text
    for x in range(n_text):
        for y in range(x, x + slack + 1):
            if x == 0:
                best_prev = 0.0 if y == 0 else value[0, y - 1]
            elif y == x:
                best_prev = value[x - 1, y - 1]  # on the diagonal the only way in is to advance
            else:
                best_prev = max(value[x, y - 1], value[x - 1, y - 1])
            value[x, y] = scores[x, y] + best_prev
    index = n_text - 1
    for y in range(n_frames - 1, -1, -1):
        path[index, y] = 1.0
        # Step back to the previous text position when forced to (index == y) or when that came from a better
        # cell; on a tie stay, as VITS does.
        if index != 0 and (index == y or value[index, y - 1] < value[index - 1, y - 1]):
            index -= 1


@numba.njit(cache=True, nogil=True, parallel=True)
def _maximum_path_batch(
    paths: np.ndarray, scores: np.ndarray, text_lengths: np.ndarray, frame_lengths: np.ndarray
) -> None:
    for b in numba.prange(scores.shape[0]):
        if text_lengths[b] > 0 and frame_lengths[b] > 0:
            _maximum_path_one(paths[b], scores[b], text_lengths[b], frame_lengths[b])


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
    # Lengths from the mask's first column and row: cheap slices, moved off the device before the rest.
    text_lengths = (mask[:, :, 0].detach() != 0).sum(dim=1).to("cpu", torch.int64).numpy()
    frame_lengths = (mask[:, 0, :].detach() != 0).sum(dim=1).to("cpu", torch.int64).numpy()
    if np.any(text_lengths > frame_lengths):
        bad = int(np.argmax(text_lengths > frame_lengths))
        raise ValueError(
            f"maximum_path: item {bad} has {text_lengths[bad]} text positions but only {frame_lengths[bad]} "
            "frames; every position needs at least one frame"
        )
    dtype = neg_cent.dtype if neg_cent.dtype in (torch.float32, torch.float64) else torch.float32
    scores = neg_cent.detach().to("cpu", dtype).contiguous().numpy()
    paths = np.zeros(scores.shape, dtype=np.float32)
    _maximum_path_batch(paths, scores, text_lengths, frame_lengths)
    return torch.from_numpy(paths).to(device=neg_cent.device, dtype=neg_cent.dtype)
