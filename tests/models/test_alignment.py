from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from voxtune.models.vits.alignment import maximum_path


def _brute_force(scores: np.ndarray) -> np.ndarray:
    """Best monotonic path of ``(n_text, n_frames)`` by enumerating every frame at which the position advances."""
    n_text, n_frames = scores.shape
    best_score, best_path = -np.inf, np.zeros_like(scores)
    for steps in itertools.combinations(range(1, n_frames), n_text - 1):
        positions = np.zeros(n_frames, dtype=int)
        for frame in steps:
            positions[frame:] += 1
        total = scores[positions, np.arange(n_frames)].sum()
        if total > best_score:
            best_score = total
            best_path = np.zeros_like(scores)
            best_path[positions, np.arange(n_frames)] = 1.0
    return best_path


def _mask(text_lengths: list[int], frame_lengths: list[int], n_text: int, n_frames: int) -> torch.Tensor:
    text = torch.arange(n_text)[None, :, None] < torch.tensor(text_lengths)[:, None, None]
    frames = torch.arange(n_frames)[None, None, :] < torch.tensor(frame_lengths)[:, None, None]
    return (text & frames).float()


@pytest.mark.parametrize("seed", range(5))
def test_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    text_lengths, frame_lengths = [1, 3, 4, 5], [6, 7, 9, 5]
    n_text, n_frames = max(text_lengths), max(frame_lengths)
    scores = torch.from_numpy(rng.standard_normal((4, n_text, n_frames)))
    mask = _mask(text_lengths, frame_lengths, n_text, n_frames)
    path = maximum_path(scores, mask)
    assert path.shape == scores.shape and path.dtype == scores.dtype
    for b, (n_t, n_f) in enumerate(zip(text_lengths, frame_lengths, strict=True)):
        expected = _brute_force(scores[b, :n_t, :n_f].numpy())
        np.testing.assert_array_equal(path[b, :n_t, :n_f].numpy(), expected)


def test_path_is_monotonic_and_masked() -> None:
    torch.manual_seed(0)
    text_lengths, frame_lengths = [7, 20, 3], [30, 40, 3]
    scores = torch.randn(3, 20, 40)
    mask = _mask(text_lengths, frame_lengths, 20, 40)
    path = maximum_path(scores, mask)
    assert torch.all(path * (1 - mask) == 0)
    for b, (n_t, n_f) in enumerate(zip(text_lengths, frame_lengths, strict=True)):
        inner = path[b, :n_t, :n_f]
        assert torch.all(inner.sum(dim=0) == 1)  # every frame has exactly one text position
        assert torch.all(inner.sum(dim=1) >= 1)  # every text position gets a frame
        positions = inner.argmax(dim=0)
        assert positions[0] == 0 and positions[-1] == n_t - 1
        assert set(torch.diff(positions).tolist()) <= {0, 1}


def test_follows_an_obvious_alignment() -> None:
    durations = [2, 3, 1, 4]
    target = torch.zeros(1, 4, 10)
    frame = 0
    for position, duration in enumerate(durations):
        target[0, position, frame : frame + duration] = 1.0
        frame += duration
    scores = 5.0 * target - 1.0 + 0.1 * torch.randn(1, 4, 10)
    torch.testing.assert_close(maximum_path(scores, torch.ones_like(scores)), target)


def test_garbage_outside_mask_is_ignored() -> None:
    torch.manual_seed(1)
    scores = torch.randn(1, 6, 12)
    mask = _mask([4], [9], 6, 12)
    corrupted = scores.clone()
    corrupted[mask == 0] = 1e6
    torch.testing.assert_close(maximum_path(corrupted, mask), maximum_path(scores, mask))


def test_empty_item_gives_empty_path() -> None:
    scores = torch.randn(2, 3, 5)
    mask = _mask([3, 0], [5, 0], 3, 5)
    path = maximum_path(scores, mask)
    assert path[1].sum() == 0 and path[0].sum() == 5


def test_more_text_than_frames_raises() -> None:
    with pytest.raises(ValueError, match="item 0 has 5 text positions but only 3 frames"):
        maximum_path(torch.zeros(1, 5, 3), torch.ones(1, 5, 3))


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError, match="one shape"):
        maximum_path(torch.zeros(1, 2, 3), torch.ones(1, 3, 2))


def test_ties_stay_on_the_later_position_like_vits() -> None:
    # All paths score equally; backtracking from the end moves back only when forced, so the first positions
    # get one frame each and the last one keeps the rest.
    path = maximum_path(torch.zeros(1, 3, 6), torch.ones(1, 3, 6))
    expected = torch.tensor([[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0], [0, 0, 1, 1, 1, 1]], dtype=torch.float32)
    torch.testing.assert_close(path[0], expected)
