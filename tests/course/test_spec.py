from pathlib import Path
from typing import Any

import pytest
import yaml

from voxtune.course.script import Say, Silence, item_script, split_sentences
from voxtune.course.spec import DEFAULT_PAUSES, CourseError, load_course, parse_course

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "course" / "everyday-english.yaml"


def course(**lesson_fields: Any) -> dict[str, Any]:
    lesson = {"id": "one", "items": [{"kind": "passage", "text": "Hello there."}], **lesson_fields}
    return {"title": "T", "voice": "v", "roles": {"A": "v", "B": {"voice": "w", "speed": 1.2}}, "lessons": [lesson]}


def test_the_sample_course_has_two_lessons_and_every_kind() -> None:
    loaded = load_course(SAMPLE)
    assert len(loaded.lessons) == 2
    kinds = {item.kind for lesson in loaded.lessons for item in lesson.items}
    assert kinds == {"passage", "vocabulary", "dialogue", "repeat", "dictation"}
    # Settings inherit course → lesson → item: lesson 2 is slower, one item widens its repeat pause.
    shopping = loaded.lessons[1]
    assert loaded.lessons[0].items[0].settings.speed == 0.9 and shopping.items[0].settings.speed == 0.85
    how_much = next(i for i in shopping.items if i.id == "how-much")
    assert how_much.settings.pauses["repeat_factor"] == 2.0 and how_much.settings.pauses["dictation"] == 4.0


def test_item_settings_override_lesson_and_course() -> None:
    doc = course(speed=0.8, pauses={"item": 3})
    doc["lessons"][0]["items"] = [
        {"kind": "passage", "text": "Hi.", "speed": 1.1, "voice": "x", "seed": 5},
        {"kind": "passage", "text": "Bye."},
    ]
    first, second = parse_course(doc).lessons[0].items
    assert (first.settings.speed, first.settings.voice, first.settings.seed) == (1.1, "x", 5)
    assert (second.settings.speed, second.settings.voice, second.settings.seed) == (0.8, "v", 0)
    assert second.settings.pauses == {**DEFAULT_PAUSES, "item": 3.0}
    assert second.id == "02-passage"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"kind": "pasage", "text": "x"}, "lesson 'one' item 1: field 'kind': 'pasage' is not one of"),
        ({"kind": "passage"}, "lesson 'one' item 1: a passage item needs the field 'text'"),
        ({"kind": "passage", "text": "  "}, "field 'text': must be non-empty text"),
        ({"kind": "passage", "text": "x", "colour": 1}, "lesson 'one' item 1: unknown field 'colour'"),
        ({"kind": "repeat", "text": "x", "speed": 9}, "field 'speed': must be a number in 0.25..4"),
        ({"kind": "repeat", "text": "x", "pauses": {"long": 1}}, "field 'pauses.long': unknown pause"),
        ({"kind": "repeat", "text": "x", "pauses": {"item": -1}}, "field 'pauses.item': must be a number of seconds"),
        ({"kind": "dialogue", "id": "d", "lines": [{"C": "hi"}]}, "item 1 ('d'): field 'lines' entry 1: role 'C'"),
        ({"kind": "dialogue", "lines": [{"A": "hi", "B": "yo"}]}, "field 'lines' entry 1: must be one {ROLE: text}"),
        ({"kind": "dialogue", "lines": []}, "field 'lines': must be a non-empty list"),
        ({"kind": "vocabulary", "example": "x"}, "a vocabulary item needs the field 'word'"),
        ({"kind": "passage", "text": "x", "id": "../up"}, "field 'id': '../up' must be 1-64 letters"),
        ({"kind": "passage", "text": "x", "seed": 1.5}, "field 'seed': must be a whole number"),
    ],
)
def test_a_bad_item_names_its_lesson_item_and_field(item: dict[str, Any], message: str) -> None:
    doc = course()
    doc["lessons"][0]["items"] = [item]
    with pytest.raises(CourseError, match=message.replace("(", r"\(").replace(")", r"\)").replace("{", r"\{")):
        parse_course(doc)


def test_course_level_mistakes() -> None:
    with pytest.raises(CourseError, match="'lessons' must be a non-empty list"):
        parse_course({"title": "T", "lessons": []})
    with pytest.raises(CourseError, match="course: unknown field 'lesons'"):
        parse_course({"title": "T", "lesons": []})
    with pytest.raises(CourseError, match="field 'title': must be non-empty text"):
        parse_course({"lessons": [{"items": [{"kind": "passage", "text": "x"}]}]})
    doc = course()
    doc["lessons"].append(dict(doc["lessons"][0]))
    with pytest.raises(CourseError, match="lesson 2: id 'one' is used twice"):
        parse_course(doc)
    doc = course()
    twins = [{"kind": "passage", "text": "a", "id": "x"}, {"kind": "repeat", "text": "b", "id": "x"}]
    doc["lessons"][0]["items"] = twins
    with pytest.raises(CourseError, match="item 2: id 'x' is used twice in this lesson"):
        parse_course(doc)
    doc = course()
    doc["roles"] = {"A": {"speed": 1}}
    with pytest.raises(CourseError, match=r"field 'roles\.A': needs a 'voice'"):
        parse_course(doc)


def test_files_that_are_missing_or_not_yaml(tmp_path: Path) -> None:
    with pytest.raises(CourseError, match="course file not found"):
        load_course(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("title: [unclosed\nlessons: 3\n")
    with pytest.raises(CourseError, match=r"broken.yaml: not valid YAML \(line"):
        load_course(broken)
    listing = tmp_path / "list.yaml"
    listing.write_text(yaml.safe_dump(["a", "b"]))
    with pytest.raises(CourseError, match="must be a mapping"):
        load_course(listing)


def test_scripts_of_each_kind() -> None:
    doc = course()
    doc["lessons"][0]["items"] = [
        {"kind": "vocabulary", "word": "apple", "example": "I eat an apple."},
        {"kind": "dialogue", "lines": [{"A": "Hi."}, {"B": "Hello."}]},
        {"kind": "repeat", "text": "Nice to meet you."},
        {"kind": "dictation", "text": "One two. Three four!", "dictation_speed": 0.6},
    ]
    vocabulary, dialogue, repeat, dictation = (item_script(i) for i in parse_course(doc).lessons[0].items)
    spoken = [s.text for s in vocabulary if isinstance(s, Say)]
    assert spoken == ["apple", "apple", "I eat an apple.", "I eat an apple."]
    assert [type(s) for s in vocabulary] == [Say, Silence, Say, Silence, Say, Silence, Say]
    lines = [s for s in dialogue if isinstance(s, Say)]
    assert [(s.role, s.voice, s.speed) for s in lines] == [("A", "v", 1.0), ("B", "w", 1.2)]
    assert repeat[1] == Silence(DEFAULT_PAUSES["repeat_min"], DEFAULT_PAUSES["repeat_factor"])
    said = [s for s in dictation if isinstance(s, Say)]
    assert [s.text for s in said] == ["One two.", "One two.", "Three four!", "Three four!"]
    assert {s.speed for s in said} == {0.6}
    assert dictation[-1] == Silence(DEFAULT_PAUSES["dictation"])


def test_sentence_split_keeps_closing_quotes() -> None:
    assert split_sentences('He said "Stop." Then he left! Why?') == ['He said "Stop."', "Then he left!", "Why?"]
    assert split_sentences("  One sentence only  ") == ["One sentence only"]
    assert split_sentences("Dr. Smith lives on Elm St. near us. Buy fruit, e.g. apples.") == [
        "Dr. Smith lives on Elm St. near us.",
        "Buy fruit, e.g. apples.",
    ]
