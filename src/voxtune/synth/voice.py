"""A loaded voice: text in, audio out. Normalizes, phonemizes, maps to ids and runs a backend per sentence."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from voxtune.config import VoiceConfig
from voxtune.errors import VoxtuneError
from voxtune.pretrained.voices import load_voice_checkpoint, resolve_voice_path
from voxtune.synth.backends import Backend, OnnxBackend, Scales, TorchBackend
from voxtune.synth.sentences import split_long_sentence
from voxtune.text.phonemize import EspeakPhonemizer
from voxtune.text.symbols import phonemes_to_ids, vits_phonemes_to_ids

if TYPE_CHECKING:
    from voxtune.pretrained.checkpoint import VoiceCheckpoint

log = logging.getLogger(__name__)

BACKENDS = ("auto", "torch", "onnx")


class EmptyTextError(VoxtuneError):
    """Text with nothing the voice can say."""


@dataclass
class SentenceSpeech:
    """One synthesized sentence: what was said, the ids fed to the model, audio ``(T,)`` and frames per id."""

    text: str
    phonemes: list[str]
    ids: list[int]
    audio: np.ndarray
    durations: np.ndarray | None = None
    warnings: list[str] = field(default_factory=list)


class Voice:
    """A voice ready to speak. Build it with :func:`load_voice`."""

    def __init__(
        self,
        name: str,
        config: VoiceConfig,
        phoneme_id_map: dict[str, list[int]],
        speaker_id_map: dict[str, int],
        backend: Backend,
    ) -> None:
        self.name = name
        self.config = config
        self.phoneme_id_map = phoneme_id_map
        self.speaker_id_map = speaker_id_map
        self.backend = backend
        self.phonemizer = EspeakPhonemizer(config.text.espeak_voice, config.text.language)

    @property
    def sample_rate(self) -> int:
        return self.config.audio.sample_rate

    def default_scales(self) -> Scales:
        inference = self.config.inference
        return Scales(inference.noise_scale, inference.length_scale, inference.noise_w)

    def speaker_id(self, speaker: str | int | None) -> int | None:
        """A speaker name or number → id; ``None`` for the default. Unknown speakers raise ``ValueError``."""
        if self.config.model.n_speakers <= 1:
            if speaker not in (None, 0, "0"):
                raise ValueError(f"voice {self.name!r} has a single speaker; --speaker is not available")
            return None
        if speaker is None:
            return 0
        if isinstance(speaker, str) and speaker in self.speaker_id_map:
            return self.speaker_id_map[speaker]
        try:
            number = int(speaker)
        except ValueError:
            names = ", ".join(sorted(self.speaker_id_map)) or f"0..{self.config.model.n_speakers - 1}"
            raise ValueError(f"unknown speaker {speaker!r} for voice {self.name!r}; available: {names}") from None
        if not 0 <= number < self.config.model.n_speakers:
            raise ValueError(f"speaker id {number} out of range 0..{self.config.model.n_speakers - 1}")
        return number

    def phonemes_to_ids(self, phonemes: list[str]) -> tuple[list[int], list[str]]:
        """Ids in the voice's layout, and the phonemes its map lacks."""
        text = self.config.text
        if text.id_layout == "vits":
            return vits_phonemes_to_ids(phonemes, self.phoneme_id_map, text.add_blank)
        return phonemes_to_ids(phonemes, self.phoneme_id_map)

    def sentences(
        self, text: str, *, normalize: bool = True, scales: Scales | None = None, speaker: str | int | None = None
    ) -> Iterator[SentenceSpeech]:
        """Synthesize sentence by sentence (memory stays bounded for any text length)."""
        scales = scales or self.default_scales()
        speaker_id = self.speaker_id(speaker)
        if normalize:
            from voxtune.text.normalize import normalize_text

            text = normalize_text(text, self.config.text.language)
        phonemized = self.phonemizer.phonemize_text(text)
        warnings = (
            [f"skipped characters the voice cannot say: {''.join(phonemized.dropped)}"] if phonemized.dropped else []
        )
        for warning in warnings:
            log.warning(warning)
        spoken = False
        for sentence in phonemized.sentences:
            for piece in split_long_sentence(sentence):
                ids, missing = self.phonemes_to_ids(piece)
                piece_warnings = list(warnings)
                if missing:
                    message = f"phonemes unknown to voice {self.name!r} skipped: {' '.join(sorted(set(missing)))}"
                    log.warning(message)
                    piece_warnings.append(message)
                if not any(p.strip() for p in piece):
                    continue
                speech = self.backend.speak(ids, scales, speaker_id)
                spoken = True
                yield SentenceSpeech("".join(piece), piece, ids, speech.audio, speech.durations, piece_warnings)
        if not spoken:
            raise EmptyTextError("the text has nothing to say (empty, or only characters the voice cannot say)")

    def synthesize(
        self,
        text: str,
        *,
        normalize: bool = True,
        scales: Scales | None = None,
        speaker: str | int | None = None,
        sentence_silence: float = 0.0,
    ) -> np.ndarray:
        """Text → float32 audio ``(T,)`` at :attr:`sample_rate`; sentences joined with optional silence (s)."""
        if not text or not text.strip():
            raise EmptyTextError("empty text: nothing to synthesize")
        gap = np.zeros(round(sentence_silence * self.sample_rate), dtype=np.float32)
        parts: list[np.ndarray] = []
        for index, sentence in enumerate(self.sentences(text, normalize=normalize, scales=scales, speaker=speaker)):
            if index and gap.size:
                parts.append(gap)
            parts.append(sentence.audio)
        return np.concatenate(parts).astype(np.float32)


def _voice_from_checkpoint(name: str, checkpoint: VoiceCheckpoint, num_threads: int | None) -> Voice:
    from voxtune.pretrained.checkpoint import model_from_checkpoint

    backend = TorchBackend(model_from_checkpoint(checkpoint), num_threads=num_threads)
    return Voice(name, checkpoint.config, checkpoint.phoneme_id_map, checkpoint.speaker_id_map, backend)


def load_voice(
    spec: str | Path, backend: str = "auto", num_threads: int | None = None, fast_layout: bool = True
) -> Voice:
    """Load any voice spec (installed name, ``.onnx``, ``.pt``, ``.ckpt``, ``.pth``, run dir) with a backend.

    ``auto`` runs ``.onnx`` voices in onnxruntime and everything else in torch. ``fast_layout`` runs an ONNX
    voice's convolutions in onnxruntime's faster blocked layout (same audio to float rounding; the rewritten graph
    is optimized once and cached: :mod:`voxtune.synth.onnx_layout`, :mod:`voxtune.synth.onnx_graph`).
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of: {', '.join(BACKENDS)}")
    path = resolve_voice_path(spec)
    given = Path(str(spec))
    # An installed name stays as given; a run directory is named after itself (not its best.pt), a file by its stem.
    name = str(spec) if not given.exists() else given.name if given.is_dir() else path.stem
    is_onnx = path.suffix.lower() == ".onnx"
    if backend == "onnx" and not is_onnx:
        raise ValueError(f"--backend onnx needs an .onnx voice; export {path.name} first (voxtune export)")
    if is_onnx and backend in ("auto", "onnx"):
        # onnxruntime needs the configuration alone: reading it without the weights keeps torch unloaded.
        from voxtune.pretrained.piper_onnx import read_onnx_voice_header

        header = read_onnx_voice_header(path)
        onnx_backend = OnnxBackend(path, num_threads=num_threads, fast_layout=fast_layout)
        return Voice(name, header.config, header.phoneme_id_map, header.speaker_id_map, onnx_backend)
    return _voice_from_checkpoint(name, load_voice_checkpoint(path), num_threads)
