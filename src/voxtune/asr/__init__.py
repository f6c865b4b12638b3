"""Speech recognition behind one small protocol: faster-whisper, PocketSphinx and a fake for tests."""

from voxtune.asr.fake import FakeASR
from voxtune.asr.load import load_asr
from voxtune.asr.protocol import ASR, ASRUnavailableError, Transcript, Word
from voxtune.asr.resample import ASR_SAMPLE_RATE, to_16k
from voxtune.asr.sphinx import PocketSphinxASR
from voxtune.asr.whisper import WhisperASR

__all__ = [
    "ASR",
    "ASR_SAMPLE_RATE",
    "ASRUnavailableError",
    "FakeASR",
    "PocketSphinxASR",
    "Transcript",
    "WhisperASR",
    "Word",
    "load_asr",
    "to_16k",
]
