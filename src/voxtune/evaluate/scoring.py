"""Score one row of an evaluation: a set of clips reading the prompts, through every metric.

Synthesized voices and real recordings go through exactly this code, so the ground-truth row is measured the
same way as the voices it is a ceiling for.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import numpy as np
from tqdm.auto import tqdm

from voxtune.asr.protocol import ASR, Transcript
from voxtune.asr.resample import ASR_SAMPLE_RATE, to_16k
from voxtune.evaluate.align import align
from voxtune.evaluate.cache import DiskCache, dnsmos_cached, embed_cached, f0_contour_cached, transcribe_cached
from voxtune.evaluate.checks import NOT_FINITE, SILENT, TOO_SHORT, audio_flags
from voxtune.evaluate.f0 import f0_aligned
from voxtune.evaluate.mcd import mcd_aligned
from voxtune.evaluate.rate import speaking_rate
from voxtune.evaluate.result import UtteranceResult, VoiceResult, mean_of
from voxtune.evaluate.speaker import SpeakerEncoder, SpeakerScores, self_similarity, speaker_similarity
from voxtune.evaluate.testset import Prompt
from voxtune.evaluate.wer import corpus_errors, utterance_errors

ALL_METRICS = frozenset({"wer", "speaker", "dnsmos", "parallel", "rate"})
NO_AUDIO = "no_audio"
# Clips with these flags are not sent to ASR: recognizers invent words in silence and blips.
_NOT_TRANSCRIBED = {SILENT, TOO_SHORT, NO_AUDIO}
_ASR_BATCH = 8

T = TypeVar("T")


@dataclass
class Clip:
    """One clip to score: audio ``(T,)`` (empty when there is none), how long synthesis took, and any problem."""

    wave: np.ndarray
    sample_rate: int
    synthesis_seconds: float | None = None
    flags: list[str] = field(default_factory=list)


@dataclass
class ScoringContext:
    """Everything a row is scored against; shared by all rows of one evaluation."""

    asr: ASR | None
    encoder: SpeakerEncoder | None
    cache: DiskCache | None
    metrics: Collection[str]
    language: str
    reference_clips: dict[str, Clip]  # prompt id → parallel reference recording
    speaker_embeddings: list[np.ndarray | None]  # the target speaker's clips, embedded
    progress: bool = True


@dataclass
class _Row:
    """The scores of one row while its stages fill them in; index ``i`` is prompt ``i``."""

    waves: list[np.ndarray]  # 16 kHz
    flags: list[list[str]]
    metrics: list[dict[str, float | None]]
    texts: list[tuple[str | None, str | None, str | None]]  # transcript, normalized reference, normalized transcript
    summary: dict[str, float | None] = field(default_factory=dict)
    row_flags: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def score_row(
    name: str,
    kind: Literal["voice", "reference"],
    prompts: Sequence[Prompt],
    clips: Sequence[Clip],
    context: ScoringContext,
) -> VoiceResult:
    """All metrics of ``clips[i]`` reading ``prompts[i]``, per utterance and summarized."""
    waves = [to_16k(clip.wave, clip.sample_rate) for clip in clips]
    row = _Row(
        waves=waves,
        flags=[
            [*clip.flags, *audio_flags(wave, ASR_SAMPLE_RATE)] if clip.wave.size else [*clip.flags, NO_AUDIO]
            for clip, wave in zip(clips, waves, strict=True)
        ],
        metrics=[{} for _ in clips],
        texts=[(None, None, None)] * len(clips),
    )

    def bar(items: Iterable[T], stage: str, total: int) -> Iterable[T]:
        return tqdm(items, desc=f"{name}: {stage}", total=total, leave=False, disable=not context.progress)

    stages: list[tuple[str, Callable[[], None]]] = [
        ("asr", lambda: _score_words(row, kind, prompts, context, bar)),
        ("speaker", lambda: _score_speaker(row, kind, context)),
        ("dnsmos", lambda: _score_mos(row, context, bar)),
        ("parallel_and_rate", lambda: _score_timing_and_pitch(row, kind, prompts, clips, context, bar)),
    ]
    for stage, run in stages:
        start = time.perf_counter()
        run()
        row.seconds[stage] = time.perf_counter() - start
    row.summary.update(_means(row.metrics, exclude=set(row.summary) | {"rtf"}))
    if "rate" in context.metrics:
        row.summary["rtf"] = _rtf(clips)
    utterances = [
        UtteranceResult(
            id=prompt.id,
            text=prompt.text,
            category=prompt.category,
            transcript=row.texts[i][0],
            reference_normalized=row.texts[i][1],
            transcript_normalized=row.texts[i][2],
            seconds=clips[i].wave.size / clips[i].sample_rate,
            sample_rate=clips[i].sample_rate,
            metrics=row.metrics[i],
            flags=list(dict.fromkeys(row.flags[i])),
        )
        for i, prompt in enumerate(prompts)
    ]
    sample_rate = clips[0].sample_rate if clips else ASR_SAMPLE_RATE
    return VoiceResult(name, kind, sample_rate, utterances, row.summary, sorted(set(row.row_flags)), row.seconds)


_Bar = Callable[[Iterable[Any], str, int], Iterable[Any]]


def _score_words(row: _Row, kind: str, prompts: Sequence[Prompt], context: ScoringContext, bar: _Bar) -> None:
    if "wer" not in context.metrics or context.asr is None:
        return
    transcripts = _transcribe(context.asr, row.waves, row.flags, context.cache, bar)
    errors = []
    for i, (prompt, transcript) in enumerate(zip(prompts, transcripts, strict=True)):
        # A recording that is not there is a gap in the ground truth, not a reading error: not scored.
        if kind == "reference" and NO_AUDIO in row.flags[i]:
            continue
        error = utterance_errors(prompt.text, transcript.text, context.language)
        errors.append(error)
        row.metrics[i].update(wer=error.wer, cer=error.cer)
        row.flags[i].extend(error.flags)
        row.texts[i] = (transcript.text, error.reference, error.hypothesis)
    pooled = corpus_errors(errors)
    row.summary.update(wer=pooled.wer, cer=pooled.cer)


def _score_speaker(row: _Row, kind: str, context: ScoringContext) -> None:
    if "speaker" not in context.metrics or context.encoder is None:
        return
    embeddings = embed_cached(context.encoder, row.waves, ASR_SAMPLE_RATE, context.cache)
    if kind == "reference":
        scores = _distinct_self_similarity(embeddings, row.waves)
    else:
        scores = speaker_similarity(embeddings, context.speaker_embeddings)
    for i, value in enumerate(scores.utterance):
        row.metrics[i]["speaker_similarity"] = value
    row.summary.update(speaker_similarity=scores.speaker, speaker_similarity_utt=mean_of(scores.utterance))
    row.row_flags.extend(scores.flags)


def _distinct_self_similarity(embeddings: Sequence[np.ndarray | None], waves: Sequence[np.ndarray]) -> SpeakerScores:
    """:func:`self_similarity` over distinct recordings, each utterance given its recording's score: with several
    takes a recording is scored once per take, and comparing it with its own copies would inflate the ceiling."""
    first: dict[bytes, int] = {}
    recording = [first.setdefault(hashlib.sha256(wave.tobytes()).digest(), len(first)) for wave in waves]
    distinct: list[np.ndarray | None] = [None] * len(first)
    for index in reversed(range(len(waves))):
        distinct[recording[index]] = embeddings[index]
    scores = self_similarity(distinct)
    return SpeakerScores(tuple(scores.utterance[k] for k in recording), scores.speaker, scores.flags)


def _score_mos(row: _Row, context: ScoringContext, bar: _Bar) -> None:
    if "dnsmos" not in context.metrics:
        return
    for i, wave in bar(enumerate(row.waves), "dnsmos", len(row.waves)):
        (mos,) = dnsmos_cached([wave], ASR_SAMPLE_RATE, context.cache)
        row.metrics[i].update(dnsmos_sig=mos.sig, dnsmos_bak=mos.bak, dnsmos_ovrl=mos.ovrl, dnsmos_p808=mos.p808)


def _score_timing_and_pitch(
    row: _Row, kind: str, prompts: Sequence[Prompt], clips: Sequence[Clip], context: ScoringContext, bar: _Bar
) -> None:
    items = enumerate(zip(prompts, row.waves, strict=True))
    for i, (prompt, wave) in bar(items, "timing and pitch", len(row.waves)):
        # A recording compared with itself would score a perfect 0: the reference row has no parallel metrics.
        reference = context.reference_clips.get(prompt.id) if kind == "voice" else None
        row.metrics[i].update(_parallel(wave, reference, context, row.flags[i]))
        if "rate" in context.metrics:
            row.metrics[i].update(_timing(prompt, clips[i], wave, reference, context.language))


def _rtf(clips: Sequence[Clip]) -> float | None:
    """Total synthesis time over total synthesized audio (a duration-weighted mean, like the anchors)."""
    timed = [clip for clip in clips if clip.synthesis_seconds is not None]
    audio_seconds = sum(clip.wave.size / clip.sample_rate for clip in timed)
    return sum(clip.synthesis_seconds or 0.0 for clip in timed) / audio_seconds if audio_seconds > 0 else None


def _transcribe(
    asr: ASR, waves: Sequence[np.ndarray], flags: Sequence[list[str]], cache: DiskCache | None, bar: _Bar
) -> list[Transcript]:
    transcripts = [Transcript("") for _ in waves]
    todo = [i for i, clip_flags in enumerate(flags) if not _NOT_TRANSCRIBED & set(clip_flags)]
    for start in bar(range(0, len(todo), _ASR_BATCH), "transcribe", -(-len(todo) // _ASR_BATCH)):
        batch = todo[start : start + _ASR_BATCH]
        results = transcribe_cached(asr, [waves[i] for i in batch], ASR_SAMPLE_RATE, cache)
        for i, transcript in zip(batch, results, strict=True):
            transcripts[i] = transcript
    return transcripts


def _parallel(
    wave: np.ndarray, reference: Clip | None, context: ScoringContext, flags: list[str]
) -> dict[str, float | None]:
    if "parallel" not in context.metrics or reference is None or NOT_FINITE in flags:
        return {}
    alignment, problems = align(wave, ASR_SAMPLE_RATE, reference.wave, reference.sample_rate)
    flags.extend(problems)
    if alignment is None:
        return {"mcd": None, "f0_rmse_hz": None, "f0_rmse_cents": None, "f0_correlation": None, "voicing_error": None}
    mcd = mcd_aligned(alignment)
    f0 = f0_aligned(alignment, contour=lambda wave: f0_contour_cached(wave, context.cache))
    flags.extend(f0.flags)
    return {
        "mcd": mcd.mcd,
        "f0_rmse_hz": f0.rmse_hz,
        "f0_rmse_cents": f0.rmse_cents,
        "f0_correlation": f0.correlation,
        "voicing_error": f0.voicing_error,
    }


def _timing(
    prompt: Prompt, clip: Clip, wave: np.ndarray, reference: Clip | None, language: str
) -> dict[str, float | None]:
    rate = speaking_rate(
        wave,
        ASR_SAMPLE_RATE,
        prompt.text,
        synthesis_seconds=clip.synthesis_seconds,
        reference=reference.wave if reference is not None else None,
        reference_rate=reference.sample_rate if reference is not None else None,
        language=language,
    )
    return {"words_per_second": rate.words_per_second, "duration_ratio": rate.duration_ratio, "rtf": rate.rtf}


def _means(metrics: Sequence[dict[str, float | None]], exclude: set[str]) -> dict[str, float | None]:
    keys = dict.fromkeys(key for row in metrics for key in row if key not in exclude)
    return {key: mean_of([row.get(key) for row in metrics]) for key in keys}
