"""faster-whisper (CTranslate2 Whisper), from a model name or a local model directory.

A local directory is loaded with the Hugging Face hub switched offline, so that a missing file fails at once
with a clear message instead of a network timeout.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from voxtune.asr.protocol import ASRUnavailableError, Transcript, Word
from voxtune.asr.resample import SILENCE_DB, to_16k
from voxtune.audio.clean import is_silent

# The tool in this project's shared folder that assembles Whisper-base without network access.
OFFLINE_HINT = "assemble one offline with ../shared/tools/whisper-base-offline.sh DIR and use --asr whisper:DIR"
# Files a CTranslate2 Whisper directory must hold.
_MODEL_FILES = ("model.bin", "config.json")


def is_whisper_dir(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a directory holding a CTranslate2 Whisper model."""
    directory = Path(path)
    return directory.is_dir() and all((directory / name).is_file() for name in _MODEL_FILES)


class WhisperASR:
    """Transcribe with faster-whisper on CPU (int8 by default: the fastest, and WER within noise of fp32).

    ``model`` is a size or hub id (``"base"``, ``"Systran/faster-whisper-small"``) or a local model directory.
    ``download`` allows fetching a named model that is not in the local hub cache; ``cpu_threads`` defaults to
    the cores this process may use.
    """

    def __init__(
        self,
        model: str = "base",
        *,
        language: str = "en",
        compute_type: str = "int8",
        beam_size: int = 5,
        cpu_threads: int | None = None,
        download: bool = True,
    ) -> None:
        self._language = language
        self._beam_size = beam_size
        self._compute_type = compute_type
        local = is_whisper_dir(model)
        if not local and _looks_like_path(model):
            problem = "has no model.bin/config.json" if Path(model).is_dir() else "does not exist"
            raise ASRUnavailableError(f"Whisper model directory {model} {problem}; {OFFLINE_HINT}")
        self._label = Path(model).resolve().name if local else model
        self._model = _load_model(
            str(Path(model).resolve()) if local else model, local, compute_type, cpu_threads or _cores(), download
        )

    @property
    def name(self) -> str:
        return f"faster-whisper:{self._label}:{self._compute_type}:beam{self._beam_size}"

    def transcribe(
        self, waves: Sequence[np.ndarray], sample_rate: int, *, word_timestamps: bool = False
    ) -> list[Transcript]:
        """One transcript per wave ``(T,)``, decoded one clip at a time (clips are short prompts)."""
        return [self._transcribe_one(to_16k(wave, sample_rate), word_timestamps) for wave in waves]

    def _transcribe_one(self, wave: np.ndarray, word_timestamps: bool) -> Transcript:
        if is_silent(wave, threshold_db=SILENCE_DB):
            return Transcript("")
        segments, _ = self._model.transcribe(
            wave,
            language=self._language,
            beam_size=self._beam_size,
            word_timestamps=word_timestamps,
            # Each clip stands alone: carrying text over between windows only spreads hallucinations.
            condition_on_previous_text=False,
        )
        segments = list(segments)
        text = " ".join(segment.text.strip() for segment in segments).strip()
        if not word_timestamps:
            return Transcript(text)
        words = tuple(
            Word(word.word.strip(), float(word.start), float(word.end))
            for segment in segments
            for word in segment.words or ()
        )
        return Transcript(text, words)


def _cores() -> int:
    """Cores this process may use (CTranslate2's own default is 4 threads, oversubscribing small machines)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _looks_like_path(model: str) -> bool:
    """Hub ids contain "/" too ("Systran/faster-whisper-base"), so only explicit paths count as paths."""
    return os.path.isabs(model) or model.startswith((".", "~")) or os.path.exists(model)


def _load_model(model: str, local: bool, compute_type: str, cpu_threads: int, download: bool) -> Any:
    if local:
        # Set before the import: huggingface_hub reads it once, and without it a tokenizer lookup for a file
        # the directory lacks would wait on the network instead of failing.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        raise ASRUnavailableError(
            "ASR 'whisper' needs the faster-whisper package: pip install 'voxtune[eval]'"
        ) from None
    try:
        return WhisperModel(
            model,
            device="cpu",
            compute_type=compute_type,
            cpu_threads=cpu_threads,
            local_files_only=local or not download,
        )
    except Exception as error:  # the hub and CTranslate2 raise many unrelated types for "not there"
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if local:
            raise ASRUnavailableError(f"cannot load Whisper model from {model}: {reason}") from None
        raise ASRUnavailableError(f"Whisper model {model!r} is not available here ({reason}); {OFFLINE_HINT}") from None
