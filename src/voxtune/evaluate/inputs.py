"""What an evaluation reads: the prompts to synthesize and the real recordings that match them."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voxtune.audio.io import AudioFileError, load_audio
from voxtune.errors import VoxtuneError
from voxtune.evaluate.corpus import CorpusItem, load_corpus
from voxtune.evaluate.testset import Prompt, load_testset, parse_testset
from voxtune.evaluate.textnorm import normalize_for_scoring

# Speaker similarity needs a target even when no reference reads the same text; this many clips give a stable
# mean d-vector (resemblyzer's speaker embeddings settle after a few dozen utterances).
MAX_SPEAKER_REFERENCES = 50
NO_REFERENCE = "no_reference"  # no recording of this prompt in the reference corpus
REFERENCE_MISSING = "reference_missing"  # listed in metadata.csv, but no audio file
REFERENCE_UNREADABLE = "reference_unreadable"


@dataclass(frozen=True)
class Reference:
    """A real recording: its id in the reference corpus, text, and audio ``(T,)`` (``None`` if unreadable)."""

    id: str
    text: str
    wave: np.ndarray | None
    sample_rate: int
    problem: str | None = None


@dataclass(frozen=True)
class References:
    """Recordings matched to prompts (``parallel[prompt_id]``) and the clips that define the target speaker."""

    source: str
    parallel: dict[str, Reference]
    speaker: list[Reference]


def resolve_prompts(
    texts: Sequence[str] | str | os.PathLike[str] | None,
    data: str | os.PathLike[str] | None,
    split: str | None,
    language: str,
) -> tuple[list[Prompt], str]:
    """The prompts to read and a one-line description of where they came from."""
    if texts is not None and data is not None:
        raise VoxtuneError("give texts or a corpus (data), not both")
    if data is not None:
        items = load_corpus(data, split)
        where = f"corpus {data}" + (f" ({split})" if split else "")
        return [Prompt(item.id, item.text, "corpus") for item in items], where
    if texts is None:
        return load_testset(language), f"built-in test set ({language})"
    if isinstance(texts, str | os.PathLike):
        path = Path(texts)
        if not path.is_file():
            raise VoxtuneError(f"texts file not found: {path}")
        return parse_testset(path.read_text(encoding="utf-8"), prefix=path.stem), f"file {path}"
    return [Prompt(f"text-{i + 1:03d}", text, "given") for i, text in enumerate(texts)], "given texts"


def resolve_references(
    refs: str | os.PathLike[str] | None, split: str | None, prompts: Sequence[Prompt], language: str
) -> References | None:
    """Match the recordings of corpus ``refs`` to ``prompts``: by id first, then by normalized text.

    The target speaker is defined by the matched recordings when there are at least two, else by up to
    :data:`MAX_SPEAKER_REFERENCES` recordings of the corpus (its ``split`` when it has that split file).
    """
    if refs is None:
        return None
    root = Path(refs)
    items = load_corpus(root)
    by_id = {item.id: item for item in items}
    by_text: dict[str, CorpusItem] = {}
    for item in items:
        by_text.setdefault(normalize_for_scoring(item.text, language), item)
    matched: dict[str, CorpusItem] = {}
    for prompt in prompts:
        found = by_id.get(prompt.id) or by_text.get(normalize_for_scoring(prompt.text, language))
        if found is not None:
            matched[prompt.id] = found
    parallel = {prompt_id: _read(item) for prompt_id, item in matched.items()}
    speaker = [ref for ref in parallel.values() if ref.wave is not None]
    if len(speaker) < 2:
        pool = load_corpus(root, split) if split and (root / f"{split}.txt").is_file() else items
        speaker = [ref for ref in map(_read, pool[:MAX_SPEAKER_REFERENCES]) if ref.wave is not None]
    return References(f"corpus {root}", parallel, speaker)


def _read(item: CorpusItem) -> Reference:
    if item.audio is None:
        return Reference(item.id, item.text, None, 0, REFERENCE_MISSING)
    try:
        wave, sample_rate = load_audio(item.audio)
    except AudioFileError as error:
        return Reference(item.id, item.text, None, 0, f"{REFERENCE_UNREADABLE}: {error}")
    return Reference(item.id, item.text, wave, sample_rate)
