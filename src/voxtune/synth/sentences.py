"""Bounding the work per model call: very long phoneme sentences are cut at word boundaries."""

from __future__ import annotations

MAX_PHONEMES = 400


def split_long_sentence(phonemes: list[str], max_phonemes: int = MAX_PHONEMES) -> list[list[str]]:
    """Cut a phoneme sequence into pieces of at most ``max_phonemes``, preferring the last space or comma.

    espeak-ng already splits text into sentences at punctuation; this only handles run-on text (no punctuation)
    so that memory and latency stay bounded whatever the input length.
    """
    pieces: list[list[str]] = []
    rest = list(phonemes)
    while len(rest) > max_phonemes:
        window = rest[:max_phonemes]
        cut = max((i for i, p in enumerate(window) if p in (" ", ",")), default=-1)
        if cut <= 0:
            cut = max_phonemes - 1
        pieces.append(rest[: cut + 1])
        rest = rest[cut + 1 :]
    if rest:
        pieces.append(rest)
    return pieces
