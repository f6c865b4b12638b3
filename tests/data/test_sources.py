"""Corpus readers: each layout read into items, each unusable entry kept as an item with its problem."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from corpora import ljspeech, voiced, write_wave

from voxtune.data.sources import CorpusError, detect_format, read_corpus


def by_id(path: Path, format: str = "auto", work_dir: Path | None = None) -> dict:
    corpus = read_corpus(path, format, work_dir)
    return {item.id: item for item in corpus.items}


def test_ljspeech_lines_good_bad_and_normalized(tmp_path: Path) -> None:
    root = ljspeech(tmp_path / "lj", [("a", "x"), ("b", "y")])
    (root / "metadata.csv").write_bytes(
        b"\xef\xbb\xbfa|Dr. Smith|Doctor Smith\nb|plain\n\nbad line\nc|\xff\xfe|x\nmissing|text\na|again\n"
    )
    items = read_corpus(root).items
    assert [item.id for item in items] == ["a", "b", "bad line", "c", "missing", "a"]
    assert (
        items[0].normalized == "Doctor Smith" and items[0].text == "Dr. Smith" and items[0].source == "metadata.csv:1"
    )
    assert items[1].audio == root / "wavs" / "b.wav" and items[1].problem is None
    assert items[2].problem[0] == "malformed_entry"
    assert items[3].problem[0] == "text_not_utf8"
    assert items[4].audio == root / "wavs" / "missing.wav" and not items[4].audio.exists()
    assert items[5].problem[0] == "duplicate_id" and "metadata.csv:1" in items[5].problem[1]


def test_piper_csv_single_and_multi_speaker(tmp_path: Path) -> None:
    write_wave(tmp_path / "p" / "wav" / "one.wav", voiced(1, 1))
    (tmp_path / "p" / "metadata.csv").write_text("one.wav|Hello.\n")
    assert detect_format(tmp_path / "p") == "piper"
    assert by_id(tmp_path / "p")["one"].audio == tmp_path / "p" / "wav" / "one.wav"
    rows = "".join(f"u{i}|{'ann' if i % 2 else 'bob'}|Text {i}.\n" for i in range(8))
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "metadata.csv").write_text(rows)
    items = by_id(tmp_path / "m")
    assert detect_format(tmp_path / "m") == "piper" and items["u1"].speaker == "ann" and items["u1"].text == "Text 1."


def test_vctk_prefers_mic1_and_reports_audio_without_text(tmp_path: Path) -> None:
    root = tmp_path / "vctk"
    (root / "txt" / "p225").mkdir(parents=True)
    (root / "txt" / "p225" / "p225_001.txt").write_text("Please call Stella.\n")
    (root / "txt" / "p225" / "p225_002.txt").write_text("Ask her.\n")
    for name in ("p225_001_mic2", "p225_001_mic1", "p225_003_mic1"):
        write_wave(root / "wav48_silence_trimmed" / "p225" / f"{name}.flac", voiced(1, 2))
    assert detect_format(root) == "vctk"
    items = by_id(root)
    assert items["p225_001"].audio.name == "p225_001_mic1.flac" and items["p225_001"].speaker == "p225"
    assert not items["p225_002"].audio.exists()
    assert items["p225_003"].problem[0] == "empty_text"


def test_libritts_texts_speakers_and_subset_splits(tmp_path: Path) -> None:
    chapter = tmp_path / "LibriTTS" / "dev-clean" / "84" / "121123"
    write_wave(chapter / "84_121123_000007_000001.wav", voiced(1, 3))
    (chapter / "84_121123_000007_000001.original.txt").write_text("Mr. Brown won 2 games.")
    (chapter / "84_121123_000007_000001.normalized.txt").write_text("Mister Brown won two games.")
    write_wave(chapter / "84_121123_000008_000000.wav", voiced(1, 4))
    assert detect_format(tmp_path / "LibriTTS") == "libritts"
    items = by_id(tmp_path / "LibriTTS")
    item = items["84_121123_000007_000001"]
    assert (item.text, item.normalized, item.speaker, item.split) == (
        "Mr. Brown won 2 games.",
        "Mister Brown won two games.",
        "84",
        "dev",
    )
    assert items["84_121123_000008_000000"].problem[0] == "empty_text"


def test_manifests_csv_and_jsonl(tmp_path: Path) -> None:
    write_wave(tmp_path / "audio" / "x.wav", voiced(1, 5))
    (tmp_path / "list.csv").write_text("path,text,speaker,split\naudio/x.wav,Hi there.,ann,validation\nonly,two\n")
    items = read_corpus(tmp_path / "list.csv").items
    assert items[0].id == "audio__x" and items[0].speaker == "ann" and items[0].split == "dev"
    assert items[1].problem[0] == "malformed_entry"
    rows = [{"audio_filepath": "audio/x.wav", "text": "Hi.", "id": "first"}, {"text": "no audio"}]
    (tmp_path / "m.jsonl").write_text("\n".join(map(json.dumps, rows)) + "\n{broken\n")
    items = read_corpus(tmp_path / "m.jsonl").items
    assert items[0].id == "first" and items[0].audio == tmp_path / "audio" / "x.wav"
    assert [item.problem[0] for item in items[1:]] == ["malformed_entry", "malformed_entry"]


def test_folder_sidecars_speakers_and_excluded_output(tmp_path: Path) -> None:
    root = tmp_path / "rec"
    write_wave(root / "ann" / "talk.flac", voiced(1, 6))
    write_wave(root / "note.wav", voiced(1, 7))
    (root / "note.txt").write_text("A note to self.")
    write_wave(root / "out" / "clips" / "old.flac", voiced(1, 8))
    assert detect_format(root) == "folder"
    items = by_id(root, work_dir=root / "out" / ".prepare")
    assert set(items) == {"ann__talk", "note"}
    assert items["ann__talk"].text is None and items["ann__talk"].speaker == "ann"
    assert items["note"].text == "A note to self."


def test_split_lists_conflict_is_an_error(tmp_path: Path) -> None:
    root = ljspeech(tmp_path / "lj", [("a", "x")])
    (root / "train.txt").write_text("a\n")
    (root / "dev.txt").write_text("a\n")
    with pytest.raises(CorpusError, match="more than one split list"):
        read_corpus(root)


def test_unknown_layouts_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="cannot tell the format"):
        read_corpus(tmp_path / "empty")
    (tmp_path / "notes.docx").write_text("x")
    with pytest.raises(CorpusError, match="cannot tell the format"):
        read_corpus(tmp_path / "notes.docx")
    with pytest.raises(CorpusError, match="needs a corpus directory"):
        read_corpus(tmp_path / "notes.docx", "vctk")


def test_hugging_face_dataset_on_disk(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    wav = write_wave(tmp_path / "src.wav", voiced(1, 9))
    data = {
        "audio": [{"bytes": wav.read_bytes(), "path": "clip.wav"}, {"bytes": None, "path": str(wav)}],
        "text": ["Hello there.", "Bye."],
        "speaker_id": ["s1", "s2"],
    }
    # Stored as the struct an Audio column holds: encoding through datasets.Audio needs torchcodec, not here.
    features = datasets.Features(
        {
            "audio": {"bytes": datasets.Value("binary"), "path": datasets.Value("string")},
            "text": datasets.Value("string"),
            "speaker_id": datasets.Value("string"),
        }
    )
    train = datasets.Dataset.from_dict(data, features=features)
    datasets.DatasetDict({"train": train, "validation": train.select([0])}).save_to_disk(str(tmp_path / "hf"))
    assert detect_format(tmp_path / "hf") == "hf"
    items = by_id(tmp_path / "hf", work_dir=tmp_path / "work")
    assert set(items) == {"train-000000", "train-000001", "validation-000000"}
    first = items["train-000000"]
    assert first.audio.read_bytes() == wav.read_bytes() and first.audio.is_relative_to(tmp_path / "work")
    assert (first.text, first.speaker, first.split) == ("Hello there.", "s1", "train")
    assert items["train-000001"].audio == wav and items["validation-000000"].split == "dev"


def test_stereo_and_other_rates_are_read_as_items(tmp_path: Path) -> None:
    write_wave(tmp_path / "c" / "wavs" / "s.wav", np.zeros((100, 2), dtype=np.float32), 44100)
    (tmp_path / "c" / "metadata.csv").write_text("s|Hi.\n")
    assert by_id(tmp_path / "c")["s"].audio.name == "s.wav"


def test_a_missing_path_that_looks_like_a_hub_id_stays_offline(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="needs --format hf"):
        read_corpus("data/alison")
