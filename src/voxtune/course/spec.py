"""The course file (YAML): course → lessons → items, with settings inherited course → lesson → item.

A course file looks like this (every setting may appear at course, lesson or item level; the nearest wins)::

    title: Everyday English
    language: en_US            # for scoring transcripts (numbers, contractions)
    voice: joe                 # any voice spec: installed name, .onnx, .pt, run directory
    speed: 0.9                 # 1.0 = the voice's own pace; 0.5 = twice as slow
    dictation_speed: 0.7       # the speed of dictation items
    roles:                     # dialogue roles → voices (a spec, or a mapping with voice/speaker/speed)
      Anna: {voice: joe, speed: 1.0}
      Ben: joe
    pauses: {segment: 0.6, repeat: 1.0, repeat_factor: 1.5, repeat_min: 1.5, dictation: 5.0, item: 1.5}
    lessons:
      - id: greetings
        title: Greetings
        items:
          - {kind: passage, id: intro, text: "Hello and welcome."}
          - {kind: vocabulary, word: apple, example: "I eat an apple every day."}
          - {kind: dialogue, lines: [{Anna: "Hi, Ben!"}, {Ben: "Hello, Anna."}]}
          - {kind: repeat, text: "Nice to meet you."}
          - {kind: dictation, text: "The cat sleeps. The dog barks."}

Every mistake is reported as a :class:`CourseError` naming where it is: ``lesson 'greetings' item 3: ...``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from voxtune.errors import VoxtuneError

KINDS = ("passage", "vocabulary", "dialogue", "repeat", "dictation")
# Seconds of silence, by where they fall; repeat_factor is a multiple of the phrase's own length.
DEFAULT_PAUSES = {
    "sentence": 0.35,  # between sentences read in one go
    "segment": 0.6,  # between the spoken pieces of an item (dialogue lines, a word and its example)
    "repeat": 1.0,  # before something is read a second time (vocabulary, dictation)
    "repeat_factor": 1.5,  # repeat items: the learner's turn lasts this many times the phrase ...
    "repeat_min": 1.5,  # ... and at least this long
    "dictation": 5.0,  # after a dictated sentence's second reading: time to write
    "item": 1.5,  # between items in the lesson track
}
SETTINGS = ("voice", "speaker", "speed", "dictation_speed", "seed", "roles", "pauses")
_COURSE_KEYS = {"title", "language", "description", "lessons", *SETTINGS}
_LESSON_KEYS = {"id", "title", "items", *SETTINGS}
_ITEM_FIELDS = {
    "passage": {"text"},
    "vocabulary": {"word", "example", "note"},
    "dialogue": {"lines"},
    "repeat": {"text"},
    "dictation": {"text"},
}
_REQUIRED = {"passage": ("text",), "vocabulary": ("word",), "dialogue": ("lines",), "repeat": ("text",)}
_REQUIRED["dictation"] = ("text",)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class CourseError(VoxtuneError):
    """A course file that cannot be built; the message names the lesson, item and field."""


@dataclass(frozen=True)
class Role:
    """Who reads: a voice spec, optionally a speaker of a multi-speaker voice and a speed of its own."""

    voice: str
    speaker: str | int | None = None
    speed: float | None = None


@dataclass(frozen=True)
class Settings:
    """What an item is read with, after inheritance."""

    voice: str = "joe"
    speaker: str | int | None = None
    speed: float = 1.0
    dictation_speed: float = 0.75
    seed: int = 0
    roles: Mapping[str, Role] = field(default_factory=dict)
    pauses: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_PAUSES))


@dataclass(frozen=True)
class DialogueLine:
    role: str
    text: str


@dataclass(frozen=True)
class Item:
    """One item of a lesson, with its settings resolved. Text fields are those of its kind."""

    id: str
    kind: str
    settings: Settings
    title: str | None = None
    text: str | None = None
    word: str | None = None
    example: str | None = None
    note: str | None = None
    lines: tuple[DialogueLine, ...] = ()


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Course:
    title: str
    language: str
    lessons: tuple[Lesson, ...]
    source: Path | None = None
    description: str | None = None


def load_course(path: str | Path) -> Course:
    """Read and check a course file; raises :class:`CourseError` (one line, naming the place) on any mistake."""
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"course file not found: {path}")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise CourseError(f"{path}: not valid YAML{where}: {detail}") from None
    course = parse_course(document)
    return replace(course, source=path)


def parse_course(document: Any) -> Course:
    """A course from its parsed YAML document (a mapping)."""
    if not isinstance(document, dict):
        raise CourseError("a course file must be a mapping with 'title' and 'lessons'")
    _check_keys(document, _COURSE_KEYS, "course")
    title = str(_text(document, "title", "course", required=True))
    settings = _settings(document, Settings(), "course")
    lessons_raw = document.get("lessons")
    if not isinstance(lessons_raw, list) or not lessons_raw:
        raise CourseError("course: 'lessons' must be a non-empty list")
    lessons: list[Lesson] = []
    seen: set[str] = set()
    for number, raw in enumerate(lessons_raw, 1):
        lesson = _lesson(raw, number, settings)
        if lesson.id in seen:
            raise CourseError(f"lesson {number}: id {lesson.id!r} is used twice")
        seen.add(lesson.id)
        lessons.append(lesson)
    language = _text(document, "language", "course") or "en_US"
    return Course(title, language, tuple(lessons), description=_text(document, "description", "course"))


def _lesson(raw: Any, number: int, inherited: Settings) -> Lesson:
    where = f"lesson {number}"
    if not isinstance(raw, dict):
        raise CourseError(f"{where}: must be a mapping with 'id', 'title' and 'items'")
    lesson_id = _identifier(raw, where, default=f"lesson-{number:02d}")
    where = f"lesson {lesson_id!r}"
    _check_keys(raw, _LESSON_KEYS, where)
    settings = _settings(raw, inherited, where)
    items_raw = raw.get("items")
    if not isinstance(items_raw, list) or not items_raw:
        raise CourseError(f"{where}: 'items' must be a non-empty list")
    items: list[Item] = []
    seen: set[str] = set()
    for index, item_raw in enumerate(items_raw, 1):
        item = _item(item_raw, f"{where} item {index}", index, settings)
        if item.id in seen:
            raise CourseError(f"{where} item {index}: id {item.id!r} is used twice in this lesson")
        seen.add(item.id)
        items.append(item)
    return Lesson(lesson_id, _text(raw, "title", where) or lesson_id, tuple(items))


def _item(raw: Any, where: str, index: int, inherited: Settings) -> Item:
    if not isinstance(raw, dict):
        raise CourseError(f"{where}: must be a mapping with a 'kind'")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise CourseError(f"{where}: field 'kind': {kind!r} is not one of {', '.join(KINDS)}")
    item_id = _identifier(raw, where, default=f"{index:02d}-{kind}")
    where = f"{where} ({item_id!r})" if "id" in raw else where
    _check_keys(raw, {"kind", "id", "title", *_ITEM_FIELDS[kind], *SETTINGS}, where)
    for name in _REQUIRED[kind]:
        if name not in raw:
            raise CourseError(f"{where}: a {kind} item needs the field {name!r}")
    settings = _settings(raw, inherited, where)
    texts = {name: _text(raw, name, where, required=name in _REQUIRED[kind]) for name in _ITEM_FIELDS[kind] - {"lines"}}
    lines = _dialogue_lines(raw["lines"], where, settings) if kind == "dialogue" else ()
    return Item(
        id=item_id,
        kind=kind,
        settings=settings,
        title=_text(raw, "title", where),
        text=texts.get("text"),
        word=texts.get("word"),
        example=texts.get("example"),
        note=texts.get("note"),
        lines=lines,
    )


def _dialogue_lines(raw: Any, where: str, settings: Settings) -> tuple[DialogueLine, ...]:
    if not isinstance(raw, list) or not raw:
        raise CourseError(f"{where}: field 'lines': must be a non-empty list of {{ROLE: text}} entries")
    lines = []
    for number, entry in enumerate(raw, 1):
        if not isinstance(entry, dict) or len(entry) != 1:
            raise CourseError(f"{where}: field 'lines' entry {number}: must be one {{ROLE: text}} pair")
        ((role, text),) = entry.items()
        role = str(role)
        if role not in settings.roles:
            known = ", ".join(sorted(settings.roles)) or "none defined"
            raise CourseError(f"{where}: field 'lines' entry {number}: role {role!r} has no voice (roles: {known})")
        if not isinstance(text, str) or not text.strip():
            raise CourseError(f"{where}: field 'lines' entry {number}: {role}'s line is empty")
        lines.append(DialogueLine(role, text.strip()))
    return tuple(lines)


def _settings(raw: Mapping[str, Any], inherited: Settings, where: str) -> Settings:
    changes: dict[str, Any] = {}
    if "voice" in raw:
        changes["voice"] = _text(raw, "voice", where, required=True)
    if "speaker" in raw:
        changes["speaker"] = _speaker(raw["speaker"], f"{where}: field 'speaker'")
    for name in ("speed", "dictation_speed"):
        if name in raw:
            changes[name] = _speed(raw[name], f"{where}: field {name!r}")
    if "seed" in raw:
        if not isinstance(raw["seed"], int) or isinstance(raw["seed"], bool):
            raise CourseError(f"{where}: field 'seed': must be a whole number, got {raw['seed']!r}")
        changes["seed"] = raw["seed"]
    if "roles" in raw:
        changes["roles"] = {**inherited.roles, **_roles(raw["roles"], where)}
    if "pauses" in raw:
        changes["pauses"] = {**inherited.pauses, **_pauses(raw["pauses"], where)}
    return replace(inherited, **changes)


def _roles(raw: Any, where: str) -> dict[str, Role]:
    if not isinstance(raw, dict):
        raise CourseError(f"{where}: field 'roles': must map role names to voices")
    roles = {}
    for name, value in raw.items():
        place = f"{where}: field 'roles.{name}'"
        if isinstance(value, str) and value.strip():
            roles[str(name)] = Role(value.strip())
        elif isinstance(value, dict):
            unknown = set(value) - {"voice", "speaker", "speed"}
            if unknown:
                raise CourseError(f"{place}: unknown key {sorted(unknown)[0]!r} (use voice, speaker, speed)")
            voice = value.get("voice")
            if not isinstance(voice, str) or not voice.strip():
                raise CourseError(f"{place}: needs a 'voice'")
            speaker = _speaker(value["speaker"], f"{place}.speaker") if "speaker" in value else None
            speed = _speed(value["speed"], f"{place}.speed") if "speed" in value else None
            roles[str(name)] = Role(voice.strip(), speaker, speed)
        else:
            raise CourseError(f"{place}: must be a voice spec or a mapping with 'voice'")
    return roles


def _pauses(raw: Any, where: str) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise CourseError(f"{where}: field 'pauses': must map pause names to seconds")
    pauses = {}
    for name, value in raw.items():
        if name not in DEFAULT_PAUSES:
            raise CourseError(f"{where}: field 'pauses.{name}': unknown pause; choose from {', '.join(DEFAULT_PAUSES)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 60:
            raise CourseError(f"{where}: field 'pauses.{name}': must be a number of seconds in 0..60, got {value!r}")
        pauses[name] = float(value)
    return pauses


def _speed(value: Any, place: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.25 <= value <= 4.0:
        raise CourseError(f"{place}: must be a number in 0.25..4 (1 = the voice's own pace), got {value!r}")
    return float(value)


def _speaker(value: Any, place: str) -> str | int:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise CourseError(f"{place}: must be a speaker name or number, got {value!r}")
    return value


def _identifier(raw: Mapping[str, Any], where: str, default: str) -> str:
    if "id" not in raw:
        return default
    value = raw["id"]
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not _ID.match(text):
        raise CourseError(
            f"{where}: field 'id': {value!r} must be 1-64 letters, digits, '_', '.' or '-' (it names files)"
        )
    return text


def _text(raw: Mapping[str, Any], name: str, where: str, *, required: bool = False) -> str | None:
    value = raw.get(name)
    if value is None and not required:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise CourseError(f"{where}: field {name!r}: must be non-empty text")
    return value.strip()


def _check_keys(raw: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        raise CourseError(f"{where}: unknown field {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")
