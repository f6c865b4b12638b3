"""End to end: a messy corpus in, every item kept or rejected for the right reason; re-runs and resumes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from corpora import RATE, TEXTS, ljspeech, voiced, write_wave

from voxtune.asr.fake import FakeASR
from voxtune.data.manifest import read_dataset_info, read_manifest
from voxtune.data.prepare import PrepareError, PrepareOptions, prepare
from voxtune.data.worker import Worker
from voxtune.errors import VoxtuneError

OUTPUTS = ("manifest.jsonl", "rejected.jsonl", "dataset.json", "report.md", "report.html")


def messy_corpus(root: Path) -> Path:
    """Three good items and one of each fault the issue names, plus a stereo 48 kHz file that must be kept."""
    rows = [
        ("good1", "Hello world."),
        ("good2", "Good morning."),
        ("good3", "Thank you."),
        ("stereo48k", "See you soon."),
        ("corrupt", "Call me later."),
        ("silence", "Press one now."),
        ("clipped", "Hello again."),
        ("empty", ""),
        ("missing", "Nobody recorded this."),
        ("dupe", "Good morning."),
    ]
    ljspeech(root, [row for row in rows if row[0] not in ("stereo48k", "corrupt", "missing")])
    stereo = np.stack([voiced(1.2, 40, 48000), voiced(1.2, 41, 48000)], axis=1)
    write_wave(root / "wavs" / "stereo48k.wav", stereo, 48000)
    (root / "wavs" / "corrupt.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt garbage" + bytes(range(256)))
    write_wave(root / "wavs" / "silence.wav", np.zeros(RATE, dtype=np.float32))
    write_wave(root / "wavs" / "clipped.wav", np.clip(4 * voiced(1.2, 7), -1, 1))
    (root / "wavs" / "dupe.wav").write_bytes((root / "wavs" / "good2.wav").read_bytes())
    lines = [f"{item_id}|{text}\n".encode() for item_id, text in rows]
    lines.insert(5, "latin1|Caf\xe9 au lait.\n".encode("latin-1"))
    (root / "metadata.csv").write_bytes(b"".join(lines))
    return root


EXPECTED = {
    "corrupt": "unreadable_audio",
    "silence": "silent",
    "clipped": "clipped",
    "empty": "empty_text",
    "latin1": "text_not_utf8",
    "missing": "missing_audio",
    "dupe": "duplicate_audio",
}


def digest(directory: Path) -> dict[str, str]:
    files = [directory / name for name in OUTPUTS] + sorted((directory / "clips").iterdir())
    return {file.name: hashlib.sha1(file.read_bytes()).hexdigest() for file in files}


def test_messy_corpus_lands_every_item_with_its_reason(tmp_path: Path, voice: Path) -> None:
    corpus = messy_corpus(tmp_path / "corpus")
    result = prepare(corpus, tmp_path / "out", voice=voice, progress=False)
    rejected = {row["id"]: row for row in map(json.loads, (tmp_path / "out/rejected.jsonl").read_text().splitlines())}
    assert {item_id: row["reason"] for item_id, row in rejected.items()} == EXPECTED
    assert all(row["detail"] for row in rejected.values())
    kept = read_manifest(tmp_path / "out")
    assert sorted(entry.id for entry in kept) == ["good1", "good2", "good3", "stereo48k"]
    assert result.items == 11 == result.kept + result.rejected
    assert result.source_items == len((corpus / "metadata.csv").read_bytes().splitlines())
    assert "same audio samples as good2" in rejected["dupe"]["detail"]
    report = (tmp_path / "out/report.md").read_text(encoding="utf-8")
    html = (tmp_path / "out/report.html").read_text(encoding="utf-8")
    for item_id, reason in EXPECTED.items():
        assert f"| {item_id} | {reason} |" in report
        assert f"<td>{item_id}</td><td>{reason}</td>" in html
    assert not (tmp_path / "out/clips/dupe.flac").exists()


def test_manifest_entries_are_ready_for_training(tmp_path: Path, voice: Path, make_corpus: Callable) -> None:
    prepare(make_corpus(6), tmp_path / "out", voice=voice, speaker="ann", progress=False)
    info = read_dataset_info(tmp_path / "out")
    assert info["sample_rate"] == 8000 and info["espeak_voice"] == "en-us"
    entries = read_manifest(tmp_path / "out")
    assert len(entries) == 6
    for entry in entries:
        assert entry.audio.is_file() and entry.sample_rate == 8000 and entry.speaker == "ann"
        assert entry.phoneme_ids[0] == 1 and entry.phoneme_ids[-1] == 2
        assert 0.5 < entry.duration < 2.0 and entry.num_samples == round(entry.duration * 8000)
        assert entry.stats["loudness_lufs"] < 0 and entry.split in ("train", "dev")
    assert [e.split for e in entries].count("dev") == 1  # 5 % of 6, at least one
    assert read_manifest(tmp_path / "out", split="dev")[0].split == "dev"


def test_rerun_skips_done_work_and_writes_the_same_bytes(tmp_path: Path, voice: Path, make_corpus: Callable) -> None:
    corpus = make_corpus(5)
    first = prepare(corpus, tmp_path / "out", voice=voice, progress=False)
    before = digest(tmp_path / "out")
    second = prepare(corpus, tmp_path / "out", voice=voice, progress=False)
    assert (first.processed, second.processed, second.reused) == (5, 0, 5)
    assert digest(tmp_path / "out") == before
    changed = prepare(corpus, tmp_path / "out", voice=voice, progress=False, options=PrepareOptions(loudness_lufs=-30))
    assert changed.processed == 5  # a setting that shapes the clips invalidates the journal


def test_interrupted_run_resumes_to_the_same_result(
    tmp_path: Path, voice: Path, make_corpus: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = make_corpus(6)
    prepare(corpus, tmp_path / "clean", voice=voice, progress=False)
    process = Worker.process
    calls = []

    def interrupt_third(self: Worker, item):  # type: ignore[no-untyped-def]
        calls.append(item.id)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return process(self, item)

    monkeypatch.setattr(Worker, "process", interrupt_third)
    with pytest.raises(KeyboardInterrupt):
        prepare(corpus, tmp_path / "out", voice=voice, progress=False)
    monkeypatch.setattr(Worker, "process", process)
    journal = tmp_path / "out/.prepare/journal.jsonl"
    with journal.open("a") as file:
        file.write('{"key": "torn by a kill mid-wri')  # a torn last line is ignored
    resumed = prepare(corpus, tmp_path / "out", voice=voice, progress=False)
    assert (resumed.processed, resumed.reused) == (4, 2)
    assert digest(tmp_path / "out") == digest(tmp_path / "clean")


def test_a_line_inserted_above_does_not_redo_the_items_below(
    tmp_path: Path, voice: Path, make_corpus: Callable
) -> None:
    corpus = make_corpus(3)
    prepare(corpus, tmp_path / "out", voice=voice, progress=False)
    write_wave(corpus / "wavs" / "new.wav", voiced(1.2, 99))
    metadata = corpus / "metadata.csv"
    metadata.write_text("new|Hello there.\n" + metadata.read_text())
    again = prepare(corpus, tmp_path / "out", voice=voice, progress=False)
    assert (again.processed, again.reused) == (1, 3)
    assert read_manifest(tmp_path / "out")[1].source == "metadata.csv:2"


def test_a_deleted_clip_is_made_again(tmp_path: Path, voice: Path, make_corpus: Callable) -> None:
    corpus = make_corpus(3)
    prepare(corpus, tmp_path / "out", voice=voice, progress=False)
    (tmp_path / "out/clips/utt001.flac").unlink()
    again = prepare(corpus, tmp_path / "out", voice=voice, progress=False)
    assert again.processed == 1 and (tmp_path / "out/clips/utt001.flac").is_file()


def test_given_splits_are_respected_and_unlisted_items_rejected(tmp_path: Path, voice: Path) -> None:
    corpus = ljspeech(tmp_path / "corpus", [(f"u{i}", TEXTS[i]) for i in range(5)])
    (corpus / "train.txt").write_text("u0\nu1\nu2\n")
    (corpus / "dev.txt").write_text("u3.wav\n")
    result = prepare(corpus, tmp_path / "out", voice=voice, progress=False)
    splits = {entry.id: entry.split for entry in read_manifest(tmp_path / "out")}
    assert splits == {"u0": "train", "u1": "train", "u2": "train", "u3": "dev"}
    assert result.by_reason == {"unlisted": 1}


def test_asr_check_rejects_or_flags_transcripts_the_audio_does_not_match(tmp_path: Path, voice: Path) -> None:
    rows = [("utt000", "Press one now."), ("utt001", "Call me later."), ("utt002", "Hi.")]
    corpus = ljspeech(tmp_path / "corpus", rows)
    asr = FakeASR(lambda wave, rate: "press 1 now")
    result = prepare(corpus, tmp_path / "a", voice=voice, asr=asr, progress=False)
    assert result.by_reason == {"asr_mismatch": 1}  # a one-word transcript is not judged
    flagged = prepare(
        corpus, tmp_path / "b", voice=voice, asr=asr, progress=False, options=PrepareOptions(asr_action="flag")
    )
    entries = {entry.id: entry for entry in read_manifest(tmp_path / "b")}
    assert flagged.kept == 3 and entries["utt001"].flags == ["asr_mismatch"] and entries["utt002"].flags == []
    assert entries["utt001"].stats["asr_wer"] == 1.0 and entries["utt000"].stats["asr_wer"] == 0.0


def test_annotations_and_implausible_rates_are_rejected(tmp_path: Path, voice: Path) -> None:
    rows = [
        ("note", "Please hold (music plays)"),
        ("tag", "<beep>"),
        ("long_text", "This transcript is far too long to have been read in a single second of audio, surely."),
        ("short_text", "Hi."),
        ("ok", "Hello world."),
    ]
    corpus = ljspeech(tmp_path / "corpus", rows, waves={"short_text": voiced(4.0, 3)})
    result = prepare(corpus, tmp_path / "out", voice=voice, progress=False)
    rejected = {row["id"]: row["reason"] for row in map(json.loads, (tmp_path / "out/rejected.jsonl").open())}
    assert rejected == {
        "note": "non_speech_text",
        "tag": "non_speech_text",
        "long_text": "implausible_rate",
        "short_text": "implausible_rate",
    }
    assert result.kept == 1


def test_duration_limits(tmp_path: Path, voice: Path) -> None:
    rows = [("short", "Hi."), ("long", "Hello world."), ("ok", "Good morning.")]
    corpus = ljspeech(tmp_path / "corpus", rows, waves={"short": voiced(0.2, 1), "long": voiced(3.0, 2)})
    options = PrepareOptions(max_duration=2.5)
    result = prepare(corpus, tmp_path / "out", voice=voice, progress=False, options=options)
    assert result.by_reason == {"too_long": 1, "too_short": 1}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"jobs": 0}, "jobs must be at least 1"),
        ({"sample_rate": 10}, "sample rate"),
        ({"options": PrepareOptions(min_duration=5, max_duration=1)}, "max_duration"),
        ({"options": PrepareOptions(asr_action="ignore")}, "asr_action"),
        ({"format": "wav2vec"}, "unknown corpus format"),
        ({"voice": "no-such-voice"}, "unknown voice"),
        ({"asr": FakeASR(), "jobs": 2}, "jobs=1"),
    ],
)
def test_bad_options_are_one_line_errors(
    tmp_path: Path, voice: Path, make_corpus: Callable, kwargs: dict, message: str
) -> None:
    corpus = make_corpus(1)
    with pytest.raises(VoxtuneError, match=message):
        prepare(corpus, tmp_path / "out", **{"voice": voice, "progress": False, **kwargs})


def test_missing_input_and_output_equal_to_input(tmp_path: Path, voice: Path) -> None:
    with pytest.raises(VoxtuneError, match="input not found"):
        prepare(tmp_path / "nothing", tmp_path / "out", voice=voice)
    with pytest.raises(PrepareError, match="must not be the input"):
        prepare(tmp_path, tmp_path, voice=voice)


def test_an_asr_spec_that_cannot_load_is_one_error_up_front(tmp_path: Path, voice: Path, make_corpus: Callable) -> None:
    with pytest.raises(VoxtuneError, match="unknown ASR spec"):
        prepare(make_corpus(1), tmp_path / "out", voice=voice, asr="telepathy", progress=False)
