"""``evaluate()``: several voices read the same prompts and are scored side by side.

With references (real recordings of the same texts) the recordings are scored through the same pipeline as a
"ground truth" row: the ceiling each metric can reach with this ASR, encoder and MOS model.
"""

from __future__ import annotations

import os
import re
import sys
import time
import zlib
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from tqdm.auto import tqdm

from voxtune.asr.load import load_asr
from voxtune.asr.protocol import ASR
from voxtune.asr.resample import ASR_SAMPLE_RATE
from voxtune.audio.io import save_audio
from voxtune.errors import VoxtuneError
from voxtune.evaluate.cache import DiskCache, default_cache_dir, embed_cached
from voxtune.evaluate.inputs import NO_REFERENCE, References, resolve_prompts, resolve_references
from voxtune.evaluate.result import EvalResult, VoiceResult
from voxtune.evaluate.scoring import ALL_METRICS, Clip, ScoringContext, score_row
from voxtune.evaluate.speaker import ResemblyzerEncoder, SpeakerEncoder
from voxtune.evaluate.testset import Prompt

SYNTHESIS_FAILED = "synthesis_failed"


@runtime_checkable
class VoiceLike(Protocol):
    """Anything that reads text aloud: :class:`voxtune.synth.voice.Voice`, or a fake in tests."""

    @property
    def name(self) -> str: ...

    @property
    def sample_rate(self) -> int: ...

    def synthesize(self, text: str) -> np.ndarray:
        """Text → float32 audio ``(T,)`` at :attr:`sample_rate`."""
        ...


def evaluate(
    voices: Sequence[VoiceLike | str],
    texts: Sequence[str] | str | os.PathLike[str] | None = None,
    *,
    data: str | os.PathLike[str] | None = None,
    split: str | None = None,
    refs: str | os.PathLike[str] | None = None,
    asr: str | ASR = "auto",
    speaker_encoder: SpeakerEncoder | None = None,
    metrics: Collection[str] = ALL_METRICS,
    out_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
    language: str = "en",
    limit: int | None = None,
    takes: int = 1,
    progress: bool = True,
) -> EvalResult:
    """Synthesize the prompts with every voice and score them; write a report when ``out_dir`` is given.

    Prompts: ``texts`` (strings, or a text file with one prompt per line), else corpus ``data`` (its ``split``),
    else the built-in test set. ``refs`` is a corpus whose recordings are matched to the prompts by id, then
    by text; with refs, ``voices`` may be empty (to score the recordings alone, e.g. to judge the judge).
    ``metrics`` picks from ``wer``, ``speaker``, ``dnsmos``, ``parallel`` (MCD, F0), ``rate``. Transcripts,
    embeddings and MOS scores are cached under ``cache_dir`` (default: :func:`default_cache_dir`).

    ``takes``: each voice reads every prompt this many times, each take with its own noise (take 1 is the
    single-take reading), and the metrics pool all takes: a VITS voice's sampled durations and latents make one
    reading per prompt a noisy estimate. Take ``k`` > 1 of prompt ``id`` is the utterance ``id~k``; the
    recordings are scored once per take too, so every row has the same utterances.
    """
    unknown = set(metrics) - ALL_METRICS
    if unknown:
        raise VoxtuneError(f"unknown metrics {sorted(unknown)}; choose from {sorted(ALL_METRICS)}")
    prompts, source = resolve_prompts(texts, data, split, language)
    prompts = prompts[:limit] if limit is not None else prompts
    if not prompts:
        raise VoxtuneError(f"no prompts to evaluate in {source}")
    if takes < 1:
        raise VoxtuneError(f"takes must be at least 1, got {takes}")
    references = resolve_references(refs, split, prompts, language)
    prompts, take_of = _with_takes(prompts, takes, references)
    if not voices and references is None:
        raise VoxtuneError("no voices to evaluate (and no references: nothing to score)")
    loaded = _load_voices(voices)
    recognizer = load_asr(asr) if "wer" in metrics else None
    encoder = (speaker_encoder or ResemblyzerEncoder()) if "speaker" in metrics and references else None
    cache = DiskCache(cache_dir or default_cache_dir()) if use_cache else None
    context = ScoringContext(
        asr=recognizer,
        encoder=encoder,
        cache=cache,
        metrics=set(metrics),
        language=language,
        reference_clips=_reference_clips(references),
        speaker_embeddings=_speaker_embeddings(references, encoder, cache),
        progress=progress,
    )
    rows = []
    for voice in loaded:
        start = time.perf_counter()
        clips = _synthesize(voice, prompts, take_of, progress)
        synthesis_seconds = time.perf_counter() - start
        row = score_row(voice.name, "voice", prompts, clips, context)
        row.seconds = {"synthesize": synthesis_seconds, **row.seconds}
        rows.append((row, clips))
    # Without a single recording of these prompts the row would hold only gaps; the references then serve only
    # as the speaker-similarity target.
    if references is not None and references.parallel:
        clips = [_reference_clip(references, prompt) for prompt in prompts]
        rows.append((score_row("ground truth", "reference", prompts, clips, context), clips))
    result = EvalResult(
        voices=[row for row, _ in rows],
        asr=recognizer.name if recognizer is not None else "none",
        speaker_encoder=encoder.name if encoder is not None else None,
        texts=source,
        references=references.source if references is not None else None,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        language=language,
        out_dir=str(out_dir) if out_dir is not None else None,
    )
    if out_dir is not None:
        _save_clips(Path(out_dir), rows)
        # Imported here: report/ reads evaluate's result types, and the import at module level would be circular.
        from voxtune.report.write import write_report

        write_report(result, out_dir)
    return result


def _with_takes(prompts: list[Prompt], takes: int, references: References | None) -> tuple[list[Prompt], list[int]]:
    """Each prompt ``takes`` times in a row (take ``k`` > 1 as ``id~k``, matched to the same recording), and the
    take number of each."""
    expanded, take_of = [], []
    for prompt in prompts:
        for take in range(1, takes + 1):
            again = prompt if take == 1 else replace(prompt, id=f"{prompt.id}~{take}")
            if references is not None and take > 1 and prompt.id in references.parallel:
                references.parallel[again.id] = references.parallel[prompt.id]
            expanded.append(again)
            take_of.append(take)
    return expanded, take_of


def _load_voices(voices: Sequence[VoiceLike | str]) -> list[VoiceLike]:
    loaded: list[VoiceLike] = []
    seen: dict[str, int] = {}
    for voice in voices:
        if isinstance(voice, str):
            # Imported on use: synthesis pulls in torch, onnxruntime and espeak, which scoring alone never needs.
            from voxtune.synth.voice import load_voice

            _seed_onnxruntime()
            voice = load_voice(voice)
        seen[voice.name] = seen.get(voice.name, 0) + 1
        loaded.append(voice if seen[voice.name] == 1 else _Renamed(voice, f"{voice.name} #{seen[voice.name]}"))
    return loaded


class _Renamed:
    """The same voice under another name, so two rows never share one (e.g. a voice given twice)."""

    def __init__(self, voice: VoiceLike, name: str) -> None:
        self._voice = voice
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def sample_rate(self) -> int:
        return self._voice.sample_rate

    def synthesize(self, text: str) -> np.ndarray:
        return self._voice.synthesize(text)


def _synthesize(voice: VoiceLike, prompts: Sequence[Prompt], takes: Sequence[int], progress: bool) -> list[Clip]:
    clips = []
    for prompt, take in tqdm(
        list(zip(prompts, takes, strict=True)), desc=f"{voice.name}: synthesize", leave=False, disable=not progress
    ):
        start = time.perf_counter()
        try:
            with _seeded(prompt.text, take):
                wave = np.asarray(voice.synthesize(prompt.text), dtype=np.float32).reshape(-1)
        except Exception as error:  # one prompt a voice cannot read must not end the evaluation
            reason = f"{type(error).__name__}: {error}".splitlines()[0]
            clips.append(Clip(np.zeros(0, np.float32), voice.sample_rate, None, [SYNTHESIS_FAILED, reason]))
            continue
        clips.append(Clip(wave, voice.sample_rate, time.perf_counter() - start))
    return clips


@contextmanager
def _seeded(text: str, take: int = 1) -> Iterator[None]:
    """Seed torch from the text (and the take, after the first) while synthesizing it, restoring the caller's
    random state afterwards.

    VITS samples noise: unseeded, every run reads differently, metrics jitter between runs and no cached
    transcript is ever hit again. Seeded, a torch voice reads each prompt the same way every run. (onnxruntime
    voices draw noise inside the graph from a generator seeded once per session: see :func:`_seed_onnxruntime`.)
    """
    torch = sys.modules.get("torch")  # a voice that runs on torch has imported it; others need no seed
    if torch is None:
        yield
        return
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(zlib.crc32(text.encode() if take == 1 else f"{text}\ntake {take}".encode()))
        yield


def _seed_onnxruntime() -> None:
    """Fix onnxruntime's seed before a voice session is made: its random ops seed themselves from it once.

    A session created after this draws the same noise sequence in every process, so an ONNX voice reading the
    same prompts in the same order produces the same audio run after run (and the cache hits).
    """
    try:
        import onnxruntime
    except ImportError:
        return
    onnxruntime.set_seed(0)


def _reference_clips(references: References | None) -> dict[str, Clip]:
    if references is None:
        return {}
    return {
        prompt_id: Clip(ref.wave, ref.sample_rate)
        for prompt_id, ref in references.parallel.items()
        if ref.wave is not None
    }


def _reference_clip(references: References, prompt: Prompt) -> Clip:
    ref = references.parallel.get(prompt.id)
    if ref is None or ref.wave is None:
        problem = ref.problem if ref is not None and ref.problem else NO_REFERENCE
        return Clip(np.zeros(0, np.float32), ASR_SAMPLE_RATE, None, [problem])
    return Clip(ref.wave, ref.sample_rate)


def _speaker_embeddings(
    references: References | None, encoder: SpeakerEncoder | None, cache: DiskCache | None
) -> list[np.ndarray | None]:
    if references is None or encoder is None:
        return []
    return [
        embed_cached(encoder, [ref.wave], ref.sample_rate, cache)[0]
        for ref in references.speaker
        if ref.wave is not None
    ]


def _save_clips(out_dir: Path, rows: Sequence[tuple[VoiceResult, Sequence[Clip]]]) -> None:
    """Write each clip as ``audio/<row>/<id>.wav`` for the HTML players and record the path in the result."""
    for index, (row, clips) in enumerate(rows):
        # The index keeps folders apart when two names slug alike ("a b" and "a_b").
        folder = f"audio/{index:02d}-{_slug(row.name)}"
        (out_dir / folder).mkdir(parents=True, exist_ok=True)
        for utterance, clip in zip(row.utterances, clips, strict=True):
            if clip.wave.size:
                utterance.audio = f"{folder}/{_slug(utterance.id)}.wav"
                save_audio(out_dir / utterance.audio, clip.wave, clip.sample_rate)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "voice"
