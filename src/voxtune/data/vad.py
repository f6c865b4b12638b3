"""Voice activity detection with Silero VAD (the ONNX weights the ``silero-vad`` package ships), and cutting long
recordings into utterances at their pauses.

The model is run here through onnxruntime instead of through the package's own wrapper: importing ``silero_vad``
pulls in torch and sets torch's global thread count to 1, a side effect a library must not have on its caller.
Facts of the model this relies on: 16 kHz input in windows of 512 samples, each preceded by the last 64 samples of
the window before; a recurrent state of shape ``(2, batch, 128)`` carried from window to window; one speech
probability per window.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voxtune.errors import VoxtuneError

VAD_SAMPLE_RATE = 16000
_WINDOW = 512
_CONTEXT = 64
FRAME_SECONDS = _WINDOW / VAD_SAMPLE_RATE


def silero_model_path() -> Path:
    """The ONNX model inside the installed ``silero-vad`` package, found without importing the package."""
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise VoxtuneError("voice activity detection needs the silero-vad package: pip install silero-vad")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "silero_vad.onnx"
    if not path.is_file():
        raise VoxtuneError(f"the silero-vad package has no bundled ONNX model at {path}")
    return path


class SileroVAD:
    """Speech probability per 32 ms window of a 16 kHz mono wave."""

    def __init__(self, model_path: Path | None = None) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        # One window at a time is a chain of tiny matrix products: threads only add synchronisation cost, and
        # preparation already runs one process per core.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(model_path or silero_model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._rate = np.array(VAD_SAMPLE_RATE, dtype=np.int64)

    def probabilities(self, wave: np.ndarray) -> np.ndarray:
        """``(T,)`` at 16 kHz → ``(ceil(T / 512),)`` speech probabilities in ``[0, 1]``; the tail is zero-padded."""
        wave = np.asarray(wave, dtype=np.float32)
        frames = -(-wave.size // _WINDOW)
        padded = np.zeros(frames * _WINDOW + _CONTEXT, dtype=np.float32)
        padded[_CONTEXT : _CONTEXT + wave.size] = wave
        state = np.zeros((2, 1, 128), dtype=np.float32)
        probs = np.empty(frames, dtype=np.float32)
        for i in range(frames):
            window = padded[None, i * _WINDOW : (i + 1) * _WINDOW + _CONTEXT]
            out, state = self._session.run(None, {"input": window, "state": state, "sr": self._rate})
            probs[i] = out[0, 0]
        return probs


@dataclass(frozen=True)
class SegmentOptions:
    """How a long recording is cut: at pauses of ``min_pause`` s or more, and further at its longest pauses
    while a piece is longer than ``max_duration`` s; ``pad`` s of the pause is kept on each side."""

    threshold: float = 0.5
    min_pause: float = 0.5
    max_duration: float = 15.0
    pad: float = 0.15


def speech_regions(probs: np.ndarray, threshold: float = 0.5) -> list[tuple[float, float]]:
    """``(start, end)`` seconds of speech from window probabilities ``(frames,)``.

    Hysteresis: speech starts at ``threshold`` and only ends below ``threshold - 0.15``, so that a probability
    wavering around the threshold inside a word does not chop it.
    """
    regions = []
    start: int | None = None
    for i, prob in enumerate(np.asarray(probs)):
        if start is None and prob >= threshold:
            start = i
        elif start is not None and prob < threshold - 0.15:
            regions.append((start * FRAME_SECONDS, i * FRAME_SECONDS))
            start = None
    if start is not None:
        regions.append((start * FRAME_SECONDS, len(probs) * FRAME_SECONDS))
    return regions


def utterance_bounds(
    regions: list[tuple[float, float]], duration: float, options: SegmentOptions
) -> list[tuple[float, float]]:
    """Group speech ``regions`` into utterances ``(start, end)`` in seconds, padded and within ``[0, duration]``."""
    groups: list[list[tuple[float, float]]] = []
    for region in regions:
        if groups and region[0] - groups[-1][-1][1] < options.min_pause:
            groups[-1].append(region)
        else:
            groups.append([region])
    pieces = [piece for group in groups for piece in _split_long(group, options.max_duration)]
    bounds = []
    for i, piece in enumerate(pieces):
        start, end = piece[0][0], piece[-1][1]
        # Padding never reaches past the middle of the pause to a neighbour, so utterances never overlap.
        low = 0.0 if i == 0 else (pieces[i - 1][-1][1] + start) / 2
        high = duration if i == len(pieces) - 1 else (end + pieces[i + 1][0][0]) / 2
        bounds.append((max(low, start - options.pad), min(high, end + options.pad)))
    return bounds


def _split_long(group: list[tuple[float, float]], max_duration: float) -> list[list[tuple[float, float]]]:
    """Split at the longest pause until every piece fits ``max_duration`` (or is one unbroken region)."""
    if len(group) < 2 or group[-1][1] - group[0][0] <= max_duration:
        return [group]
    gaps = [group[i + 1][0] - group[i][1] for i in range(len(group) - 1)]
    cut = int(np.argmax(gaps)) + 1
    return _split_long(group[:cut], max_duration) + _split_long(group[cut:], max_duration)
