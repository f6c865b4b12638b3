"""Inference backends behind one small interface: phoneme ids → audio (+ durations when available).

``TorchBackend`` runs the voxtune model; ``OnnxBackend`` runs a Piper-layout ONNX graph in onnxruntime (inputs
``input``, ``input_lengths``, ``scales``[, ``sid``]; output ``output``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from voxtune.models.vits.model import VITS


@dataclass(frozen=True)
class Scales:
    """Piper's sampling scales: prior noise, speaking-time stretch, duration noise."""

    noise_scale: float = 0.667
    length_scale: float = 1.0
    noise_w: float = 0.8


@dataclass
class Speech:
    """Audio ``(T,)`` float32 in [-1, 1] and, when the backend knows them, frames per input id ``(N,)``."""

    audio: np.ndarray
    durations: np.ndarray | None = None


class Backend(Protocol):
    name: str

    def speak(self, ids: list[int], scales: Scales, speaker_id: int | None = None) -> Speech: ...


class TorchBackend:
    """Runs a :class:`VITS` generator on the CPU (or the device its parameters live on)."""

    name = "torch"

    def __init__(self, model: VITS, num_threads: int | None = None) -> None:
        import torch

        self.model = model.eval()
        if num_threads:
            torch.set_num_threads(num_threads)

    def speak(self, ids: list[int], scales: Scales, speaker_id: int | None = None) -> Speech:
        import torch

        device = next(self.model.parameters()).device
        x = torch.tensor([ids], dtype=torch.long, device=device)
        lengths = torch.tensor([len(ids)], dtype=torch.long, device=device)
        sid = None if speaker_id is None else torch.tensor([speaker_id], dtype=torch.long, device=device)
        with torch.inference_mode():
            out = self.model.infer(
                x,
                lengths,
                sid=sid,
                noise_scale=scales.noise_scale,
                length_scale=scales.length_scale,
                noise_scale_w=scales.noise_w,
            )
        audio = out.audio[0, 0].float().cpu().numpy()
        return Speech(audio=audio, durations=out.durations[0].cpu().numpy())


def piper_feeds(ids: list[int], scales: Scales, speaker_id: int | None, with_sid: bool) -> dict[str, np.ndarray]:
    """The inputs of a Piper-layout graph for one utterance: ``input`` ``(1, N)``, ``input_lengths`` ``(1,)``,
    ``scales`` ``(3,)`` and, for a multi-speaker graph, ``sid`` ``(1,)`` (speaker 0 unless given)."""
    feeds: dict[str, np.ndarray] = {
        "input": np.array([ids], dtype=np.int64),
        "input_lengths": np.array([len(ids)], dtype=np.int64),
        "scales": np.array([scales.noise_scale, scales.length_scale, scales.noise_w], dtype=np.float32),
    }
    if with_sid:
        feeds["sid"] = np.array([speaker_id or 0], dtype=np.int64)
    return feeds


class OnnxBackend:
    """Runs a Piper-layout ONNX voice with onnxruntime, the graph rewritten in memory for onnxruntime's blocked
    convolutions unless ``fast_layout`` is off (:mod:`voxtune.synth.onnx_layout`, :mod:`voxtune.synth.onnx_graph`)."""

    name = "onnx"

    def __init__(self, onnx_path: str | Path, num_threads: int | None = None, fast_layout: bool = True) -> None:
        from voxtune.synth.onnx_graph import open_session

        self.onnx_path = Path(onnx_path)
        self.num_threads = num_threads
        self.fast_layout = fast_layout
        self.session = open_session(onnx_path, num_threads, fast_layout)
        self._input_names = {i.name for i in self.session.get_inputs()}

    def clone(self) -> OnnxBackend:
        """The same voice in a session of its own, for another thread (each keeps its own random state)."""
        return OnnxBackend(self.onnx_path, self.num_threads, self.fast_layout)

    def speak(self, ids: list[int], scales: Scales, speaker_id: int | None = None) -> Speech:
        outputs = self.session.run(None, piper_feeds(ids, scales, speaker_id, with_sid="sid" in self._input_names))
        durations = outputs[1].reshape(-1).astype(np.int64) if len(outputs) > 1 else None
        return Speech(audio=np.asarray(outputs[0], dtype=np.float32).reshape(-1), durations=durations)
