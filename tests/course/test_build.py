import itertools
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import yaml

from voxtune.asr.protocol import Transcript
from voxtune.cli import main
from voxtune.course import build_course
from voxtune.course.spec import DEFAULT_PAUSES


class ScriptedASR:
    """Answers each transcribe call with the next list of texts (one per wave)."""

    name = "scripted"

    def __init__(self, answers: list[list[str]]) -> None:
        self.answers = list(answers)

    def transcribe(self, waves: Sequence[np.ndarray], sample_rate: int, *, word_timestamps: bool = False):  # type: ignore[no-untyped-def]
        texts = self.answers.pop(0)
        assert len(texts) == len(waves)
        return [Transcript(t) for t in texts]


class WrongASR:
    name = "wrong"

    def transcribe(self, waves: Sequence[np.ndarray], sample_rate: int, *, word_timestamps: bool = False):  # type: ignore[no-untyped-def]
        return [Transcript("completely different words") for _ in waves]


ITEMS = [
    {"kind": "passage", "id": "hello", "text": "Hello there. How are you?"},
    {"kind": "repeat", "id": "nice", "text": "Nice to meet you."},
    {"kind": "vocabulary", "id": "apple", "word": "apple", "example": "I eat an apple."},
    {"kind": "dialogue", "id": "talk", "lines": [{"A": "Hi, Ben."}, {"B": "Hello, Anna."}]},
    {"kind": "dictation", "id": "dict", "text": "One cat. Two dogs."},
]
RIGHT = [
    ["Hello there. How are you?"],
    ["Nice to meet you."],
    ["apple", "apple", "I eat an apple.", "I eat an apple."],
    ["Hi, Ben.", "Hello, Anna."],
    ["One cat.", "One cat.", "Two dogs.", "Two dogs."],
]


def write_course(folder: Path, items: list[dict] | None = None, **fields: object) -> Path:  # type: ignore[type-arg]
    document = {
        "title": "Test course",
        "voice": "tiny.pt",  # relative to the course file
        "roles": {"A": "tiny.pt", "B": {"voice": "tiny.pt", "speed": 1.5}},
        "lessons": [{"id": "one", "title": "One", "items": items or ITEMS}],
        **fields,
    }
    path = folder / "course.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_build_writes_audio_timings_subtitles_tracks_qa_and_player(tmp_path: Path, tiny_voice_path: Path) -> None:
    course_file = write_course(tmp_path)
    # The repeat item is misread once: it is read again with another seed and passes.
    answers = [RIGHT[0], ["Nice to eat shoes."], *RIGHT[2:], RIGHT[1]]
    out = tmp_path / "out"
    result = build_course(course_file, out, asr=ScriptedASR(answers), progress=False)
    assert (result.items, result.rebuilt, result.judged, result.passed, result.failed) == (5, 5, 5, 5, [])
    manifest = json.loads((out / "course.json").read_text())
    lesson = manifest["lessons"][0]
    items = {item["id"]: item for item in lesson["items"]}
    assert items["nice"]["qa"]["attempts"] == 2 and items["nice"]["seed"] != items["hello"]["seed"]
    assert items["hello"]["qa"] == {
        "wer": 0.0,
        "passed": True,
        "transcript": "Hello there. How are you?",
        "asr": "scripted",
        "attempts": 1,
    }
    for item in lesson["items"]:
        for field in ("audio", "compressed", "timings", "vtt"):
            assert (out / item[field]).is_file(), (item["id"], field)
        timings = json.loads((out / item["timings"]).read_text())
        starts = [w["start"] for w in timings["words"]]
        assert starts == sorted(starts) and timings["words"][-1]["end"] <= item["duration"] + 1e-3
        for index, segment in enumerate(timings["segments"]):
            words = [w["word"] for w in timings["words"] if w["segment"] == index]
            assert words == segment["text"].split()
            inside = [
                segment["start"] <= w["start"] <= segment["end"] for w in timings["words"] if w["segment"] == index
            ]
            assert all(inside)
        assert (out / item["vtt"]).read_text().startswith("WEBVTT")
    dialogue = json.loads((out / items["talk"]["timings"]).read_text())
    assert [s["role"] for s in dialogue["segments"]] == ["A", "B"]
    # The repeat item leaves the learner at least repeat_min seconds after the phrase.
    repeat = json.loads((out / items["nice"]["timings"]).read_text())
    assert repeat["duration"] - repeat["segments"][0]["end"] >= DEFAULT_PAUSES["repeat_min"] - 1e-3
    # The track holds the items in order with the item pause between them.
    gaps = DEFAULT_PAUSES["item"] * (len(ITEMS) - 1)
    assert lesson["track"]["duration"] == pytest.approx(sum(i["duration"] for i in lesson["items"]) + gaps, abs=0.01)
    assert items["nice"]["track_offset"] == pytest.approx(items["hello"]["duration"] + DEFAULT_PAUSES["item"], abs=0.01)
    assert (out / lesson["track"]["wav"]).is_file() and (out / lesson["track"]["compressed"]).is_file()
    assert "5 of 5 items read correctly" in (out / "qa.md").read_text()
    assert 'id="course-data"' in (out / "index.html").read_text() or "Test course" in (out / "index.html").read_text()


def test_rebuild_redoes_only_what_changed(tmp_path: Path, tiny_voice_path: Path) -> None:
    out = tmp_path / "out"
    build_course(write_course(tmp_path), out, asr=None, progress=False)
    manifest = json.loads((out / "course.json").read_text())
    hashes = {i["id"]: i["sha256"] for i in manifest["lessons"][0]["items"]}
    again = build_course(write_course(tmp_path), out, asr=None, progress=False)
    assert (again.rebuilt, again.reused) == (0, 5)
    assert json.loads((out / "course.json").read_text())["lessons"] == manifest["lessons"]  # offsets, track too
    edited = [dict(ITEMS[0], text="Hello again."), *ITEMS[1:]]
    assert build_course(write_course(tmp_path, edited), out, asr=None, progress=False).rebuilt == 1
    # A damaged file is noticed and redone; a removed item's files go away.
    (out / "lessons" / "one" / "nice.wav").write_bytes(b"not audio")
    assert build_course(write_course(tmp_path, edited), out, asr=None, progress=False).rebuilt == 1
    build_course(write_course(tmp_path, edited[:-1]), out, asr=None, progress=False)
    assert not (out / "lessons" / "one" / "dict.wav").exists()
    # A changed speed changes the key; the same seed reproduces the same audio.
    final = json.loads((out / "course.json").read_text())
    assert {i["id"]: i["sha256"] for i in final["lessons"][0]["items"]}["apple"] == hashes["apple"]
    assert build_course(write_course(tmp_path, edited[:-1], speed=0.8), out, asr=None, progress=False).rebuilt == 4


def test_items_that_keep_failing_are_listed_for_a_person(tmp_path: Path, tiny_voice_path: Path) -> None:
    course_file = write_course(tmp_path, ITEMS[:2])
    result = build_course(course_file, tmp_path / "out", asr=WrongASR(), retries=1, progress=False)
    assert (result.judged, result.passed, len(result.failed)) == (2, 0, 2)
    assert {f["attempts"] for f in result.failed} == {2}
    report = (tmp_path / "out" / "qa.md").read_text()
    assert "0 of 2 items read correctly" in report and "lessons/one/nice.wav" in report
    assert "completely different words" in report
    # Unchanged failing items are kept on a re-run unless asked to retry them.
    assert build_course(course_file, tmp_path / "out", asr=WrongASR(), progress=False).rebuilt == 0
    # Another ASR judges the kept audio again, piece by piece, without reading anything anew; a looser threshold
    # re-decides the verdicts.
    fixed = build_course(course_file, tmp_path / "out", asr=ScriptedASR(RIGHT[:2]), progress=False)
    assert (fixed.rebuilt, fixed.passed, fixed.failed) == (0, 2, [])
    manifest = json.loads((tmp_path / "out" / "course.json").read_text())
    assert {i["qa"]["asr"] for i in manifest["lessons"][0]["items"]} == {"scripted"}
    judged_again = build_course(course_file, tmp_path / "out", asr=WrongASR(), progress=False)
    assert judged_again.passed == 0
    lenient = build_course(course_file, tmp_path / "out", asr=WrongASR(), max_wer=1.0, progress=False)
    assert (lenient.rebuilt, lenient.passed) == (0, 2)
    retried = build_course(course_file, tmp_path / "out", asr=WrongASR(), retries=0, retry_failed=True, progress=False)
    assert retried.rebuilt == 2


def test_two_workers_read_exactly_what_one_does(tmp_path: Path, tiny_voice_path: Path) -> None:
    course_file = write_course(tmp_path, ITEMS[:3])
    build_course(course_file, tmp_path / "one", asr=None, progress=False)
    build_course(course_file, tmp_path / "two", jobs=2, asr=None, progress=False)
    sha = [
        [i["sha256"] for i in json.loads((tmp_path / d / "course.json").read_text())["lessons"][0]["items"]]
        for d in ("one", "two")
    ]
    assert sha[0] == sha[1]


def test_cli_builds_and_reports_bad_files_in_one_line(
    tmp_path: Path, tiny_voice_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    course_file = write_course(tmp_path, ITEMS[:1])
    assert main(["course", str(course_file), "-o", str(tmp_path / "out"), "--asr", "none", "--no-progress"]) == 0
    assert "1 items: 1 read, 0 unchanged" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nlessons:\n  - id: a\n    items:\n      - {kind: passage}\n")
    assert main(["course", str(bad), "-o", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "voxtune: error: lesson 'a' item 1: a passage item needs the field 'text'"
    unknown = write_course(tmp_path, ITEMS[:1], voice="no-such-voice")
    assert main(["course", str(unknown), "-o", str(tmp_path / "o3"), "--asr", "none"]) == 2
    assert "unknown voice 'no-such-voice'" in capsys.readouterr().err
    assert main(["course", str(course_file), "-o", str(tmp_path / "o4"), "--jobs", "0"]) == 2
    capsys.readouterr()
    # Text the voice cannot say stops the build with a line naming the item.
    silent = write_course(tmp_path, [{"kind": "passage", "id": "dots", "text": "🙂 🙂"}])
    assert main(["course", str(silent), "-o", str(tmp_path / "o5"), "--asr", "none", "--no-progress"]) == 2
    assert capsys.readouterr().err.startswith("voxtune: error: lesson 'one' item 'dots': ")


@pytest.mark.slow
def test_joe_word_timings_are_in_order_and_inside_the_audio(tmp_path: Path) -> None:
    item = {"kind": "passage", "id": "p", "text": "In 1990, Dr. Smith didn't eat apples. He was happy!"}
    course_file = write_course(tmp_path, [item], voice="joe", roles={})
    build_course(course_file, tmp_path / "out", asr=None, progress=False)
    timings = json.loads((tmp_path / "out" / "lessons" / "one" / "p.json").read_text())
    words = timings["words"]
    assert [w["word"] for w in words] == item["text"].split()
    assert all(b["start"] >= a["end"] - 1e-3 for a, b in itertools.pairwise(words))
    assert all(w["end"] > w["start"] for w in words)  # every word matched some of its phonemes
    assert 0.0 < words[0]["start"] < 0.5 and words[-1]["end"] <= timings["duration"]
