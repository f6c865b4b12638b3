"""What flows through corpus preparation: source items in, one result per item out, and the rejection reasons.

A reader turns a corpus into :class:`SourceItem` s without judging them (beyond what it alone can see, such as a
line that is not UTF-8). Preparation turns each item into one or more :class:`ItemResult` s (a long unlabelled
recording becomes one per utterance) that are either kept, with their manifest entry, or rejected, with a reason
from :data:`REASONS` and a sentence of detail. Nothing is dropped without a result.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Every reason an item can be rejected for, with the sentence the report explains it with. Order is the order
# of the checks, which is also the order the report lists them in.
REASONS: dict[str, str] = {
    "malformed_entry": "the corpus entry could not be parsed (wrong number of fields, bad JSON, no audio column)",
    "text_not_utf8": "the transcript line is not valid UTF-8",
    "duplicate_id": "another entry earlier in the corpus has the same id",
    "unlisted": "the corpus has split lists (train.txt, dev.txt, ...) and this item is in none of them",
    "missing_audio": "the audio file the entry refers to does not exist",
    "unreadable_audio": "the audio file exists but cannot be decoded (corrupt or unsupported)",
    "no_speech": "voice activity detection found no speech in the recording",
    "silent": "the audio holds no sound above the silence threshold",
    "clipped": "too many samples at full scale: the recording is clipped",
    "too_short": "shorter than the minimum duration after trimming silence",
    "too_long": "longer than the maximum duration after trimming silence",
    "empty_text": "the transcript is empty, or empty after normalization",
    "non_speech_text": "the transcript holds a bracketed note or description, not only words that are spoken",
    "no_phonemes": "the phonemizer produced no phonemes for the transcript",
    "implausible_rate": "phonemes per second outside the plausible range: the transcript likely does not match",
    "asr_mismatch": "the ASR transcript disagrees with the given transcript beyond the WER threshold",
    "duplicate_audio": "the same audio samples as an item kept earlier",
    "processing_error": "an unexpected error while processing this item (a bug: please report it)",
}


@dataclass(frozen=True)
class SourceItem:
    """One entry of a corpus as a reader found it.

    ``text`` is ``None`` when the corpus has no transcript and the ASR should provide one (plain audio folders:
    such items are also cut into utterances by VAD). ``normalized`` is a corpus-provided normalized transcript
    (LJSpeech's third column, LibriTTS's ``.normalized.txt``), preferred over voxtune's normalizer when present.
    ``problem`` is ``(reason, detail)`` when the reader already knows the item cannot be used.
    """

    id: str
    audio: Path | None
    text: str | None
    source: str
    normalized: str | None = None
    speaker: str | None = None
    split: str | None = None
    problem: tuple[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["audio"] = None if self.audio is None else str(self.audio)
        data["problem"] = None if self.problem is None else list(self.problem)
        return data


@dataclass
class ItemResult:
    """The fate of one item: kept with its manifest ``entry`` (split not yet assigned), or rejected.

    ``audio_hash`` identifies the decoded source samples, so that duplicates across files and formats are found.
    """

    id: str
    source: str
    speaker: str
    text: str | None
    given_split: str | None = None
    reason: str | None = None
    detail: str = ""
    entry: dict[str, Any] | None = None
    audio_hash: str | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def kept(self) -> bool:
        return self.reason is None

    def to_dict(self) -> dict[str, Any]:
        # Field by field, not dataclasses.asdict: that deep-copies every manifest entry, and the journal
        # serializes thousands of them.
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ItemResult:
        return cls(**data)


class ItemRejected(Exception):
    """Raised by a check to reject the item being processed; caught once, by the worker, into an ItemResult."""

    def __init__(self, reason: str, detail: str) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown rejection reason {reason!r}")
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def rejection(item: SourceItem, speaker: str, reason: str, detail: str, item_id: str | None = None) -> ItemResult:
    """An :class:`ItemResult` rejecting ``item`` (or one utterance ``item_id`` cut from it)."""
    if reason not in REASONS:
        raise ValueError(f"unknown rejection reason {reason!r}")
    return ItemResult(
        id=item_id or item.id,
        source=item.source,
        speaker=speaker,
        text=item.text,
        given_split=item.split,
        reason=reason,
        detail=detail,
    )
