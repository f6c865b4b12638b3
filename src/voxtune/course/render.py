"""Item scripts → audio with word timings. Voices run on the torch backend: it reports each phoneme's duration.

An item's audio is its spoken pieces and silences in order, at one sample rate (the first voice's; other voices
are resampled to it). Timings are in seconds from the start of the item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from voxtune.audio.io import resample
from voxtune.course.script import Say, Silence, Step
from voxtune.course.timings import (
    TimedPhoneme,
    WordTiming,
    align_words,
    display_words,
    phoneme_id_spans,
    timed_phonemes,
)
from voxtune.synth.backends import Scales
from voxtune.synth.voice import Voice, load_voice


@dataclass
class SpokenPiece:
    """One :class:`Say` rendered: audio ``(T,)`` at ``sample_rate`` and its words' times within it."""

    say: Say
    audio: np.ndarray
    sample_rate: int
    words: list[WordTiming]


@dataclass
class RenderedItem:
    """An item's audio ``(T,)``, its spoken segments and words (the timings JSON), and each piece for QA."""

    audio: np.ndarray
    sample_rate: int
    segments: list[dict[str, Any]] = field(default_factory=list)
    words: list[dict[str, Any]] = field(default_factory=list)
    pieces: list[SpokenPiece] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate


class Renderer:
    """Speaks scripts; loads each voice once. ``base_dir`` resolves relative voice paths (the course's folder)."""

    def __init__(self, base_dir: Path | None = None) -> None:
        self.base_dir = base_dir
        self._voices: dict[str, Voice] = {}

    def voice(self, spec: str) -> Voice:
        if spec not in self._voices:
            self._voices[spec] = load_voice(resolve_course_voice(spec, self.base_dir), backend="torch")
        return self._voices[spec]

    def render(self, script: list[Step], seed: int, sentence_pause: float = 0.35) -> RenderedItem:
        """The item's audio from its script; ``seed`` fixes the sampling noise (same seed → same audio)."""
        # Voices load before seeding: building a model draws from the random generator.
        voices = [self.voice(step.voice) for step in script if isinstance(step, Say)]
        torch.manual_seed(seed)
        rate = voices[0].sample_rate
        item = RenderedItem(np.zeros(0, dtype=np.float32), rate)
        parts: list[np.ndarray] = []
        cursor, last_spoken = 0.0, 0.0
        for step in script:
            if isinstance(step, Silence):
                seconds = max(step.seconds, step.factor * last_spoken) if step.factor else step.seconds
                parts.append(np.zeros(round(seconds * rate), dtype=np.float32))
                cursor += len(parts[-1]) / rate
                continue
            piece = self.speak(step, sentence_pause)
            audio = piece.audio if piece.sample_rate == rate else resample(piece.audio, piece.sample_rate, rate)
            last_spoken = len(audio) / rate
            item.segments.append(
                {
                    "text": step.text,
                    "start": round(cursor, 3),
                    "end": round(cursor + last_spoken, 3),
                    "role": step.role,
                    "voice": step.voice,
                }
            )
            index = len(item.segments) - 1
            for word in piece.words:
                item.words.append(
                    {
                        "word": word.word,
                        "start": round(cursor + word.start, 3),
                        "end": round(cursor + word.end, 3),
                        "segment": index,
                    }
                )
            item.pieces.append(piece)
            parts.append(audio)
            cursor += last_spoken
        item.audio = np.concatenate(parts).astype(np.float32)
        return item

    def speak(self, say: Say, sentence_pause: float = 0.35) -> SpokenPiece:
        """One piece of text, sentence by sentence with ``sentence_pause`` seconds between, and its word times."""
        voice = self.voice(say.voice)
        defaults = voice.default_scales()
        scales = Scales(defaults.noise_scale, defaults.length_scale / say.speed, defaults.noise_w)
        seconds_per_frame = voice.config.audio.hop_length / voice.sample_rate
        gap = np.zeros(round(sentence_pause * voice.sample_rate), dtype=np.float32)
        parts: list[np.ndarray] = []
        spoken: list[TimedPhoneme] = []
        offset = 0.0
        for sentence in voice.sentences(say.text, scales=scales, speaker=say.speaker):
            if parts:
                parts.append(gap)
                offset += len(gap) / voice.sample_rate
            if sentence.durations is None:
                raise RuntimeError(f"voice {say.voice!r} gives no durations; word timings need the torch backend")
            spans = phoneme_id_spans(
                sentence.phonemes, lambda p: voice.phonemes_to_ids(list(p))[0], voice.phoneme_id_map
            )
            for phoneme in timed_phonemes(sentence.phonemes, spans, sentence.durations, seconds_per_frame):
                spoken.append(TimedPhoneme(phoneme.symbol, phoneme.start + offset, phoneme.end + offset))
            parts.append(sentence.audio)
            offset += len(sentence.audio) / voice.sample_rate
        words = display_words(say.text)
        audio = np.concatenate(parts).astype(np.float32)
        return SpokenPiece(say, audio, voice.sample_rate, align_words(words, self._word_phonemes(voice, words), spoken))

    @staticmethod
    def _word_phonemes(voice: Voice, words: list[str]) -> list[list[str]]:
        from voxtune.text.normalize import normalize_text

        phonemes = []
        for word in words:
            sentences = voice.phonemizer.phonemize(normalize_text(word, voice.config.text.language))
            phonemes.append([p for sentence in sentences for p in sentence])
        return phonemes


def resolve_course_voice(spec: str, base_dir: Path | None) -> str:
    """A voice spec as written in a course file: paths are relative to the course file's folder."""
    if base_dir is not None and not Path(spec).is_absolute() and (base_dir / spec).exists():
        return str(base_dir / spec)
    return spec
