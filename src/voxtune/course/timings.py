"""Word timings from the model's own durations, and WebVTT subtitles from them.

The model says how many frames each input id lasts. Ids map back to phonemes (Piper's layout puts a pad after each
phoneme; pads count to no word), phonemes to the words on screen by
aligning two phoneme strings: the sentence as the voice read it, and each displayed word phonemized on its own.
Aligning (instead of splitting at spaces) keeps words right where espeak joins or splits them ("in the",
"1990" → "nineteen ninety") or the text normalizer expands them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

# Symbols that carry no sound of their own or change with context: left out of the alignment.
_SILENT = set(" ,.!?;:—…-\"'«»“”()ˈˌ")


@dataclass(frozen=True)
class TimedPhoneme:
    """A phoneme the voice spoke and when, in seconds from the start of its segment."""

    symbol: str
    start: float
    end: float


@dataclass(frozen=True)
class WordTiming:
    word: str
    start: float
    end: float


def phoneme_id_spans(
    phonemes: Sequence[str],
    to_ids: Callable[[Sequence[str]], list[int]],
    id_map: Mapping[str, Sequence[int]],
) -> list[tuple[int, int]]:
    """``[start, end)`` in the id sequence of each phoneme's own ids (empty where the voice's map lacks it).

    ``to_ids`` is the voice's phonemes → ids function. Pads and blanks between phonemes belong to no phoneme: they
    carry the release of one sound and the silence before the next (measured on joe: counting the pad after the
    last phoneme put sentence ends 62 ms after the sound stops, leaving it out 22 ms). Works for any layout in which
    the ids of a prefix of the phonemes are a prefix of the full ids up to a fixed tail (Piper's EOS, VITS's last
    blank).
    """
    full = to_ids(phonemes)
    tail = len(to_ids([])) - _common_prefix(to_ids([]), full)
    starts = [len(to_ids(phonemes[:k])) - tail for k in range(len(phonemes) + 1)]
    starts[-1] = len(full) - tail
    # In every layout a phoneme's own ids come first in what it adds, the pad or blank after them.
    return [
        (starts[k], min(starts[k] + len(id_map.get(phoneme, ())), starts[k + 1])) for k, phoneme in enumerate(phonemes)
    ]


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def timed_phonemes(
    phonemes: Sequence[str], spans: Sequence[tuple[int, int]], durations: np.ndarray, seconds_per_frame: float
) -> list[TimedPhoneme]:
    """Phonemes with times from ``durations`` ``(N_ids,)`` (frames per id)."""
    edges = np.concatenate([[0], np.cumsum(np.asarray(durations, dtype=np.float64))]) * seconds_per_frame
    return [TimedPhoneme(p, float(edges[a]), float(edges[b])) for p, (a, b) in zip(phonemes, spans, strict=True)]


def align_words(
    words: Sequence[str], word_phonemes: Sequence[Sequence[str]], spoken: Sequence[TimedPhoneme]
) -> list[WordTiming]:
    """Time each displayed word by matching its own phonemes to the spoken ones.

    A word none of whose phonemes matched (rare: a symbol, an abbreviation spoken differently) gets the gap between
    its neighbours, so every word has a time and times never go backwards.
    """
    labels = [w for w, phonemes in enumerate(word_phonemes) for p in phonemes if p not in _SILENT]
    expected = [p for phonemes in word_phonemes for p in phonemes if p not in _SILENT]
    heard = [p for p in spoken if p.symbol not in _SILENT]
    matcher = SequenceMatcher(None, expected, [p.symbol for p in heard], autojunk=False)
    spans: dict[int, list[float]] = {}
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            phoneme = heard[block.b + offset]
            span = spans.setdefault(labels[block.a + offset], [phoneme.start, phoneme.end])
            span[0], span[1] = min(span[0], phoneme.start), max(span[1], phoneme.end)
    return _fill_gaps(words, spans, spoken[-1].end if spoken else 0.0)


def _fill_gaps(words: Sequence[str], spans: dict[int, list[float]], total: float) -> list[WordTiming]:
    timings: list[WordTiming] = []
    for index, word in enumerate(words):
        floor = timings[-1].end if timings else 0.0
        if index in spans:
            start, end = max(spans[index][0], floor), max(spans[index][1], floor)
        else:
            following = next((spans[j][0] for j in range(index + 1, len(words)) if j in spans), total)
            start, end = floor, max(floor, following)
        timings.append(WordTiming(word, round(start, 3), round(end, 3)))
    return timings


def display_words(text: str) -> list[str]:
    """The words of ``text`` as shown (split at white space, punctuation kept on its word)."""
    return text.split()


def webvtt(segments: Sequence[dict[str, object]], words: Sequence[dict[str, object]]) -> str:
    """A WebVTT file: one cue per spoken segment, each word's start as an inline timestamp (karaoke style)."""
    lines = ["WEBVTT", ""]
    for index, segment in enumerate(segments):
        start, end = float(segment["start"]), float(segment["end"])  # type: ignore[arg-type]
        role = segment.get("role")
        parts = [f"<v {role}>"] if role else []
        for number, word in enumerate(w for w in words if w["segment"] == index):
            text = _escape(str(word["word"]))
            parts.append(text if number == 0 else f"<{_clock(float(word['start']))}>{text}")  # type: ignore[arg-type]
        lines += [str(index + 1), f"{_clock(start)} --> {_clock(end)}", " ".join(parts), ""]
    return "\n".join(lines)


def _clock(seconds: float) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
