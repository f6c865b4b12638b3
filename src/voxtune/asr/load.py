"""Resolve an ASR spec string to a recognizer.

Specs: ``pocketsphinx`` (bundled, offline); ``whisper`` / ``whisper:NAME`` (a model size or hub id, e.g.
``whisper:base``); ``whisper:DIR`` or a bare ``DIR`` holding a CTranslate2 Whisper model; ``fake`` (empty
transcripts, for tests and dry runs); ``auto`` (Whisper-base if it loads without network, else PocketSphinx).
"""

from __future__ import annotations

import os
import warnings

from voxtune.asr.fake import FakeASR
from voxtune.asr.protocol import ASR, ASRUnavailableError
from voxtune.asr.sphinx import PocketSphinxASR
from voxtune.asr.whisper import WhisperASR, is_whisper_dir

# Where "auto" looks first for an offline Whisper directory (e.g. one built by whisper-base-offline.sh).
WHISPER_DIR_ENV = "VOXTUNE_WHISPER_DIR"


def load_asr(spec: str | ASR) -> ASR:
    """Return the recognizer ``spec`` names; an ``ASR`` object passes through unchanged.

    Raises :class:`ASRUnavailableError` (one line: what to install or where the model should be) when the
    backend or its model cannot be loaded.
    """
    if not isinstance(spec, str):
        return spec
    kind, _, arg = spec.strip().partition(":")
    kind = kind.lower()
    if kind in ("pocketsphinx", "sphinx") and not arg:
        return PocketSphinxASR()
    if kind == "whisper":
        return WhisperASR(os.path.expanduser(arg) if arg else "base")
    if kind == "fake" and not arg:
        return FakeASR()
    if kind == "auto" and not arg:
        return _auto()
    if is_whisper_dir(os.path.expanduser(spec)):
        return WhisperASR(os.path.expanduser(spec))
    raise ASRUnavailableError(
        f"unknown ASR spec {spec!r}: use pocketsphinx, whisper:NAME, whisper:DIR"
        " (a CTranslate2 model directory), auto or fake"
    )


def _auto() -> ASR:
    """Whisper-base when it is on this machine, PocketSphinx otherwise; never downloads."""
    candidates = [os.environ[WHISPER_DIR_ENV]] if os.environ.get(WHISPER_DIR_ENV) else []
    candidates.append("base")
    for model in candidates:
        try:
            return WhisperASR(model, download=False)
        except ASRUnavailableError:
            continue
    # A warning, not silence: PocketSphinx's WER is several times Whisper's, so numbers are not comparable.
    warnings.warn(
        f"ASR 'auto': no offline Whisper model found (set {WHISPER_DIR_ENV}=DIR); using pocketsphinx",
        stacklevel=3,
    )
    return PocketSphinxASR()
