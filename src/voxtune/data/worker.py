"""Processing of one source item, in a worker process (or inline): audio and text in, results and a FLAC clip out.

Everything a worker needs travels in :class:`WorkerSettings` (picklable, so that a process pool can send it once
to each worker); heavy objects (phonemizer, ASR, VAD) are built lazily, once per process. Each clip is written
to a temporary file and renamed, so a killed run never leaves a half-written clip under its final name.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voxtune.asr.protocol import ASR
from voxtune.audio.io import AudioFileError, load_audio, resample, save_audio, to_pcm16
from voxtune.data.clip import ClipOptions, clean_clip
from voxtune.data.items import ItemRejected, ItemResult, SourceItem, rejection
from voxtune.data.transcript import (
    check_rate,
    count_phones,
    normalize_transcript,
    phonemize_transcript,
)
from voxtune.data.vad import VAD_SAMPLE_RATE, SegmentOptions, SileroVAD, speech_regions, utterance_bounds
from voxtune.text.phonemize import EspeakPhonemizer

_log = logging.getLogger(__name__)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class TextOptions:
    """Transcript checks: bracketed notes allowed or rejected, plausible phones per second, the ASR check.

    The ASR check judges only transcripts of ``asr_min_words`` words or more: on a word said alone, the WER says
    more about the recognizer than the recording (Whisper-base writes "c" as "See?", "for" as "4" and "zed" as "Z":
    on the Allison corpus 44 of the 47 clips beyond 50 % WER were prompts of one or two words like these).
    """

    allow_annotations: bool = False
    min_phone_rate: float = 4.0
    max_phone_rate: float = 25.0
    asr_action: str = "reject"
    max_wer: float = 0.5
    asr_min_words: int = 3


@dataclass(frozen=True)
class WorkerSettings:
    """What every worker needs to process items; ``asr`` is a spec string unless work runs inline, and
    ``asr_name`` names the recognizer it loads (``ASR.name``: backend and model)."""

    clips_dir: Path
    sample_rate: int
    espeak_voice: str
    language: str
    phoneme_id_map: dict[str, list[int]]
    default_speaker: str
    clip: ClipOptions = field(default_factory=ClipOptions)
    text: TextOptions = field(default_factory=TextOptions)
    segment: SegmentOptions = field(default_factory=SegmentOptions)
    asr: str | ASR | None = None
    asr_name: str | None = None


def clip_name(item_id: str) -> str:
    """A file name for an item id: the id itself when safe, else a sanitized id plus a hash that keeps it unique."""
    if not _UNSAFE.search(item_id) and not item_id.startswith("."):
        return item_id
    digest = hashlib.sha1(item_id.encode()).hexdigest()[:8]
    return f"{_UNSAFE.sub('_', item_id).lstrip('.')[:80]}-{digest}"


class Worker:
    """Turns source items into results; one per process."""

    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings
        self._phonemizer: EspeakPhonemizer | None = None
        self._asr: ASR | None = None
        self._vad: SileroVAD | None = None

    def process(self, item: SourceItem) -> list[ItemResult]:
        """One result per item, or one per utterance for an item without transcript (cut by VAD)."""
        speaker = item.speaker or self.settings.default_speaker
        if item.problem is not None:
            return [rejection(item, speaker, *item.problem)]
        if item.audio is None or not item.audio.is_file():
            return [rejection(item, speaker, "missing_audio", f"no file {item.audio}")]
        try:
            wave, rate = load_audio(item.audio)
        except AudioFileError as error:
            return [rejection(item, speaker, "unreadable_audio", str(error))]
        if item.text is None:
            return self._segments(item, wave, rate, speaker)
        return [self._guarded(item, item.id, wave, rate, speaker, None)]

    def _segments(self, item: SourceItem, wave: np.ndarray, rate: int, speaker: str) -> list[ItemResult]:
        options = self.settings.segment
        probs = self._get_vad().probabilities(resample(wave, rate, VAD_SAMPLE_RATE))
        bounds = utterance_bounds(speech_regions(probs, options.threshold), wave.size / rate, options)
        if not bounds:
            return [rejection(item, speaker, "no_speech", f"no speech in {wave.size / rate:.1f} s of audio")]
        results = []
        for number, (start, end) in enumerate(bounds, start=1):
            piece = wave[round(start * rate) : round(end * rate)]
            results.append(self._guarded(item, f"{item.id}-{number:03d}", piece, rate, speaker, (start, end)))
        return results

    def _guarded(
        self,
        item: SourceItem,
        item_id: str,
        wave: np.ndarray,
        rate: int,
        speaker: str,
        segment: tuple[float, float] | None,
    ) -> ItemResult:
        """:meth:`_clip` with its rejections, and any unexpected error, turned into a result: one bad item must
        never stop a run of thousands (the error is logged with its traceback and named in the report)."""
        try:
            return self._clip(item, item_id, wave, rate, speaker, segment)
        except ItemRejected as rejected:
            return rejection(item, speaker, rejected.reason, rejected.detail, item_id)
        except Exception as error:
            _log.exception("processing %s failed", item_id)
            return rejection(item, speaker, "processing_error", f"{type(error).__name__}: {error}", item_id)

    def _clip(
        self,
        item: SourceItem,
        item_id: str,
        wave: np.ndarray,
        rate: int,
        speaker: str,
        segment: tuple[float, float] | None,
    ) -> ItemResult:
        settings = self.settings
        audio_hash = hashlib.sha1(to_pcm16(wave)).hexdigest()
        clean, stats = clean_clip(wave, rate, settings.sample_rate, settings.clip)
        duration = clean.size / settings.sample_rate
        flags: list[str] = ["peak_limited"] if stats.pop("peak_limited", False) else []
        text = item.text
        if text is None:
            text = self._get_asr().transcribe([clean], settings.sample_rate)[0].text.strip()
            flags.append("asr_transcript")
        normalized = normalize_transcript(text, item.normalized, settings.language, settings.text.allow_annotations)
        phonemized = phonemize_transcript(normalized, self._get_phonemizer(), settings.phoneme_id_map)
        phones = count_phones(phonemized.phonemes)
        stats["phones_per_second"] = round(
            check_rate(phones, duration, settings.text.min_phone_rate, settings.text.max_phone_rate), 2
        )
        stats["chars_per_second"] = round(sum(char.isalpha() for char in normalized) / duration, 2)
        if item.text is not None and settings.asr is not None:
            flags += self._asr_check(clean, normalized, stats)
        if phonemized.missing:
            flags.append("missing_phonemes")
        if phonemized.dropped:
            flags.append("dropped_characters")
        name = clip_name(item_id)
        _write_clip(settings.clips_dir / f"{name}.flac", clean, settings.sample_rate)
        entry: dict[str, Any] = {
            "id": item_id,
            "audio": f"{settings.clips_dir.name}/{name}.flac",
            "text": text,
            "normalized_text": normalized,
            "phonemes": phonemized.phonemes,
            "phoneme_ids": phonemized.ids,
            "speaker": speaker,
            "split": None,
            "duration": round(duration, 4),
            "num_samples": int(clean.size),
            "sample_rate": settings.sample_rate,
            "source": item.source,
            "segment": None if segment is None else [round(segment[0], 3), round(segment[1], 3)],
            "missing_phonemes": phonemized.missing,
            "dropped_characters": phonemized.dropped,
            "flags": flags,
            "stats": stats,
        }
        return ItemResult(
            item_id, item.source, speaker, text, item.split, entry=entry, audio_hash=audio_hash, flags=flags
        )

    def _asr_check(self, clean: np.ndarray, normalized: str, stats: dict[str, Any]) -> list[str]:
        """Compare the transcript with what the ASR hears; reject or flag beyond ``max_wer``."""
        from voxtune.evaluate.wer import utterance_errors

        options = self.settings.text
        heard = self._get_asr().transcribe([clean], self.settings.sample_rate)[0].text.strip()
        errors = utterance_errors(normalized, heard)
        stats["asr_text"] = heard
        stats["asr_wer"] = None if errors.wer is None else round(errors.wer, 4)
        if errors.wer is None or errors.wer <= options.max_wer or errors.reference_words < options.asr_min_words:
            return []
        if options.asr_action == "reject":
            detail = f"ASR heard {heard!r}: WER {errors.wer:.0%} > {options.max_wer:.0%}"
            raise ItemRejected("asr_mismatch", detail)
        return ["asr_mismatch"]

    def _get_phonemizer(self) -> EspeakPhonemizer:
        if self._phonemizer is None:
            self._phonemizer = EspeakPhonemizer(self.settings.espeak_voice, self.settings.language)
        return self._phonemizer

    def _get_asr(self) -> ASR:
        if self._asr is None:
            from voxtune.asr.load import load_asr

            if self.settings.asr is None:
                raise ValueError("an ASR is needed to transcribe items without text, but none was configured")
            self._asr = load_asr(self.settings.asr)
        return self._asr

    def _get_vad(self) -> SileroVAD:
        if self._vad is None:
            self._vad = SileroVAD()
        return self._vad


def _write_clip(path: Path, wave: np.ndarray, sample_rate: int) -> None:
    """Write to a temporary name, then rename: a clip under its final name is always complete."""
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")
    save_audio(partial, wave, sample_rate)
    os.replace(partial, path)


# A process pool's workers keep one Worker each, built by the pool initializer.
_WORKER: Worker | None = None


def init_worker(settings: WorkerSettings) -> None:
    global _WORKER
    _WORKER = Worker(settings)


def run_in_worker(index: int, item: SourceItem) -> tuple[int, list[ItemResult]]:
    """Pool entry point: the task's index (results arrive out of order) and its results."""
    assert _WORKER is not None, "init_worker was not called in this process"
    return index, _WORKER.process(item)
