"""Silero VAD through onnxruntime, and cutting long unlabelled recordings into transcribed utterances."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from corpora import DEMO, write_wave

from voxtune.asr.fake import FakeASR
from voxtune.audio.io import load_audio
from voxtune.data.manifest import read_manifest
from voxtune.data.prepare import prepare
from voxtune.data.vad import FRAME_SECONDS, SegmentOptions, SileroVAD, speech_regions, utterance_bounds

DEMO_IDS = ("cannot-complete-as-dialed", "pls-hold-while-try", "vm-nobodyavail")


def long_recording(ids: tuple[str, ...], pause: float = 1.2) -> tuple[np.ndarray, list[str]]:
    """Demo prompts (16 kHz) joined by ``pause`` s of faint noise, and their transcripts in order."""
    texts = dict(line.split("|", 1) for line in (DEMO / "metadata.csv").read_text().splitlines())
    rng = np.random.default_rng(0)
    parts = []
    for item_id in ids:
        parts.append((rng.standard_normal(int(pause * 16000)) * 1e-3).astype(np.float32))
        parts.append(load_audio(DEMO / "wavs" / f"{item_id}.flac")[0])
    parts.append(parts[0])
    return np.concatenate(parts), [texts[item_id] for item_id in ids]


def test_regions_use_hysteresis() -> None:
    probs = np.array([0.1, 0.6, 0.4, 0.6, 0.2, 0.1, 0.9])
    f = FRAME_SECONDS
    assert speech_regions(probs) == [(1 * f, 4 * f), (6 * f, 7 * f)]


def test_utterances_split_at_pauses_and_at_the_longest_pause_when_too_long() -> None:
    regions = [(1.0, 2.0), (2.2, 3.0), (4.0, 5.0), (5.3, 9.0), (9.2, 12.0)]
    options = SegmentOptions(min_pause=0.5, max_duration=6.0, pad=0.1)
    bounds = utterance_bounds(regions, 13.0, options)
    assert [(round(a, 2), round(b, 2)) for a, b in bounds] == [(0.9, 3.1), (3.9, 5.1), (5.2, 9.1), (9.1, 12.1)]
    assert utterance_bounds([], 5.0, options) == []


def test_silero_finds_the_prompts_in_a_long_recording() -> None:
    wave, _ = long_recording(DEMO_IDS)
    vad = SileroVAD()
    assert vad.probabilities(np.zeros(16000, dtype=np.float32)).max() < 0.2
    bounds = utterance_bounds(speech_regions(vad.probabilities(wave)), wave.size / 16000, SegmentOptions())
    assert len(bounds) == len(DEMO_IDS)


def test_silero_vad_does_not_touch_torch_threads() -> None:
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    SileroVAD().probabilities(np.zeros(1600, dtype=np.float32))
    assert torch.get_num_threads() == threads and "silero_vad" not in sys.modules


def test_unlabelled_folder_becomes_a_labelled_dataset(tmp_path: Path, voice: Path) -> None:
    wave, _ = long_recording(DEMO_IDS)
    write_wave(tmp_path / "rec" / "session1.flac", wave)
    write_wave(tmp_path / "rec" / "quiet.flac", np.zeros(16000 * 2, dtype=np.float32))
    asr = FakeASR(lambda wave, rate: "please enter the number")
    result = prepare(tmp_path / "rec", tmp_path / "out", voice=voice, asr=asr, progress=False)
    assert result.format == "folder" and result.source_items == 2
    assert result.items == 4 == result.kept + result.rejected and result.by_reason == {"no_speech": 1}
    entries = read_manifest(tmp_path / "out")
    assert [e.id for e in entries] == ["session1-001", "session1-002", "session1-003"]
    assert all(e.text == "please enter the number" and "asr_transcript" in e.flags for e in entries)
    starts = [e.segment[0] for e in entries]
    assert starts == sorted(starts) and all(e.segment[1] <= wave.size / 16000 for e in entries)
    rejected = json.loads((tmp_path / "out/rejected.jsonl").read_text())
    assert rejected["id"] == "quiet" and rejected["reason"] == "no_speech"


@pytest.mark.slow
def test_whisper_transcripts_match_the_original_prompts(tmp_path: Path, voice: Path) -> None:
    from voxtune.evaluate.wer import utterance_errors

    whisper = Path(__file__).resolve().parents[2] / ".cache" / "whisper-base"
    if not whisper.is_dir():
        pytest.skip("no offline Whisper-base in .cache/whisper-base")
    wave, texts = long_recording(DEMO_IDS)
    write_wave(tmp_path / "rec" / "session1.flac", wave)
    prepare(tmp_path / "rec", tmp_path / "out", voice=voice, asr=f"whisper:{whisper}", progress=False)
    heard = " ".join(e.text for e in read_manifest(tmp_path / "out"))
    errors = utterance_errors(" ".join(texts), heard)
    assert errors.wer is not None and errors.wer <= 0.1
