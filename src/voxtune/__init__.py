"""voxtune: adapt a pretrained text-to-speech voice, prove it worked, ship it.

The public API::

    import voxtune
    voice = voxtune.load_voice("joe")                   # installed name, .onnx, .pt, .ckpt, .pth, run dir
    audio = voice.synthesize("Lesson 3 starts at 7:30 am.")   # float32 (T,) at voice.sample_rate
    checkpoint = voxtune.import_voice("en_US-joe-medium.onnx")  # → VoiceCheckpoint; save with save_checkpoint
    result = voxtune.evaluate(["joe"], out_dir="report")  # → EvalResult; report.json/.md + index.html written
    voxtune.prepare("recordings/", "data/me", voice="joe")      # → PrepareResult; manifest.jsonl + report.html
    voxtune.finetune("joe", "data/me", "runs/me")               # → RunResult; run dir with best.pt
    voxtune.export("runs/me", "me.onnx")                        # → ExportResult; Piper ONNX, verified
    voxtune.build_course("course.yaml", "out/course")           # → CourseBuild; lesson audio, timings, player

Everything but inference is imported on first use: ONNX inference (batch synthesis, the server) starts without
torch and never loads the training or evaluation code.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from voxtune.errors import VoxtuneError
from voxtune.pretrained.voices import installed_voices
from voxtune.pretrained.voices import load_voice_checkpoint as import_voice
from voxtune.synth.backends import Scales
from voxtune.synth.voice import Voice, load_voice

if TYPE_CHECKING:
    # What a type checker should see at ``voxtune.evaluate(...)``: the runner, with its exact signature; and the
    # lazily imported entry points with theirs.
    from voxtune.course import build_course
    from voxtune.data.prepare import prepare
    from voxtune.evaluate.runner import evaluate
    from voxtune.export import export
    from voxtune.pretrained.checkpoint import VoiceCheckpoint, load_checkpoint, save_checkpoint
    from voxtune.train.api import finetune, pretrain

__all__ = [
    "Scales",
    "Voice",
    "VoiceCheckpoint",
    "VoxtuneError",
    "build_course",
    "evaluate",
    "export",
    "finetune",
    "import_voice",
    "installed_voices",
    "load_checkpoint",
    "load_voice",
    "prepare",
    "pretrain",
    "save_checkpoint",
    "synthesize",
]

# Imported on first use, so that ONNX inference (batch synthesis, the server) starts without torch.
_LAZY = {
    "VoiceCheckpoint": "voxtune.pretrained.checkpoint",
    "load_checkpoint": "voxtune.pretrained.checkpoint",
    "save_checkpoint": "voxtune.pretrained.checkpoint",
    "build_course": "voxtune.course",
    "prepare": "voxtune.data.prepare",
    "pretrain": "voxtune.train.api",
    "finetune": "voxtune.train.api",
}
# Subpackages that are also callable (they make themselves so when imported).
_CALLABLE_PACKAGES = ("evaluate", "export")


def __getattr__(name: str) -> object:
    if name in _CALLABLE_PACKAGES:
        return importlib.import_module(f"voxtune.{name}")
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'voxtune' has no attribute {name!r}")


__version__ = "0.1.0"


def synthesize(
    text: str,
    voice: str | Path = "joe",
    *,
    normalize: bool = True,
    scales: Scales | None = None,
    speaker: str | int | None = None,
    sentence_silence: float = 0.0,
) -> tuple[np.ndarray, int]:
    """One-shot synthesis: ``(audio float32 (T,), sample_rate)``; see :meth:`Voice.synthesize`."""
    loaded = load_voice(voice)
    audio = loaded.synthesize(
        text, normalize=normalize, scales=scales, speaker=speaker, sentence_silence=sentence_silence
    )
    return audio, loaded.sample_rate
