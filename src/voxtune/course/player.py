"""``OUT/index.html``: the course's player page, to read along while each item speaks.

One self-contained file: CSS and script inline, the course and every item's word timings embedded as JSON, so the
page works from ``file://`` as well as over http and loads nothing from the network. The markup is rendered here, so
text, audio players and QA results read without scripts; the script (``player.js``) only follows each item's audio
clock to highlight the word being spoken, and seeks when a word or a line is clicked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape
from importlib import resources
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

_KIND_LABELS = {
    "passage": "Passage",
    "vocabulary": "Vocabulary",
    "dialogue": "Dialogue",
    "repeat": "Listen and repeat",
    "dictation": "Dictation",
}
# The browser skips a <source> whose type it cannot play without fetching it; unknown suffixes get no type.
_AUDIO_TYPES = {
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".flac": "audio/flac",
    ".webm": "audio/webm",
    ".wav": "audio/wav",
}
_RATES = (0.6, 0.75, 0.9, 1.0)
_HEADING_CHARS = 60

Timings = Mapping[str, Any]


def write_player(out_dir: Path, course: Mapping[str, Any]) -> Path:
    """Write ``out_dir/index.html`` for ``course`` (the ``course.json`` dict); returns the page's path.

    Every item's timings JSON is read from ``out_dir`` (paths in ``course`` are relative to it) and embedded.
    """
    out = Path(out_dir)
    timings = {
        item["timings"]: json.loads((out / item["timings"]).read_text("utf-8"))
        for lesson in course["lessons"]
        for item in lesson["items"]
    }
    index = out / "index.html"
    index.write_text(render_player(course, timings), "utf-8")
    return index


def render_player(course: Mapping[str, Any], timings: Mapping[str, Timings]) -> str:
    """The page as one string; ``timings`` maps each item's ``timings`` path to that file's parsed JSON."""
    title = escape(course["title"])
    lessons = course["lessons"]
    item_count = sum(len(lesson["items"]) for lesson in lessons)
    parts = [
        "<!doctype html>",
        f'<html lang="{escape(course.get("language") or "en")}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # An empty icon: otherwise browsers fetch /favicon.ico, a request off the course and a 404 in the console.
        '<link rel="icon" href="data:,">',
        f"<title>{title}</title>",
        f"<style>{_asset('player.css')}</style></head><body>",
        '<a class="skip" href="#lessons">Skip to the lessons</a>',
        "<main>",
        f"<header><h1>{title}</h1>",
        f'<p class="meta">{_plural(len(lessons), "lesson")} · {_plural(item_count, "item")}</p>',
        _toolbar(),
        _contents(lessons),
        "</header>",
        '<div id="lessons">',
        *(_lesson(index, lesson, timings) for index, lesson in enumerate(lessons)),
        "</div></main>",
        f'<script type="application/json" id="course-data">{_script_json(course, timings)}</script>',
        f"<script>{_asset('player.js')}</script>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _asset(name: str) -> str:
    return resources.files("voxtune.course").joinpath(name).read_text("utf-8")


def _script_json(course: Mapping[str, Any], timings: Mapping[str, Timings]) -> str:
    text = json.dumps({"course": course, "timings": timings}, ensure_ascii=False, separators=(",", ":"))
    # "<" only occurs inside JSON strings, where \u003c means the same; escaping it means no text can close the
    # <script> element early ("</script>") or open a comment ("<!--").
    return text.replace("<", "\\u003c")


def _toolbar() -> str:
    options = "".join(
        f'<option value="{rate}"{" selected" if rate == 1.0 else ""}>{rate:g}×</option>' for rate in _RATES
    )
    return f'<div class="toolbar"><label>Speed <select id="rate">{options}</select></label></div>'


def _contents(lessons: Sequence[Mapping[str, Any]]) -> str:
    if len(lessons) < 2:
        return ""
    links = "".join(
        f'<li><a href="#lesson-{index}">{escape(lesson["title"])}</a></li>' for index, lesson in enumerate(lessons)
    )
    return f'<nav aria-label="Lessons"><ol>{links}</ol></nav>'


def _lesson(index: int, lesson: Mapping[str, Any], timings: Mapping[str, Timings]) -> str:
    heading = f"lesson-{index}-title"
    parts = [
        f'<section class="lesson" id="lesson-{index}" aria-labelledby="{heading}">',
        f'<h2 id="{heading}">{escape(lesson["title"])}</h2>',
    ]
    track = lesson.get("track")
    if track:
        label = f"lesson-{index}-track"
        parts += [
            '<div class="track">',
            f'<p id="{label}">Whole lesson</p>',
            f'<audio class="lesson-track" controls preload="none" aria-labelledby="{label}">',
            _sources(track.get("compressed"), track.get("wav")),
            "</audio></div>",
        ]
    parts.append('<ol class="items">')
    for number, item in enumerate(lesson["items"]):
        parts.append(f"<li>{_item(index, number, item, timings[item['timings']])}</li>")
    parts.append("</ol></section>")
    return "\n".join(parts)


def _item(lesson: int, number: int, item: Mapping[str, Any], timing: Timings) -> str:
    kind = item["kind"]
    name = _heading(item)
    heading = f"item-{lesson}-{number}-title"
    parts = [
        f'<article class="item" id="item-{lesson}-{number}" data-lesson="{lesson}" data-item="{number}"'
        f' data-id="{escape(item["id"])}" data-kind="{escape(kind)}" aria-labelledby="{heading}">',
        f'<header><span class="kind">{escape(_KIND_LABELS.get(kind, kind))}</span>',
        f'<h3 id="{heading}">{escape(name)}</h3>',
        f'<span class="duration">{_clock(item.get("duration"))}</span>',
        f"{_qa_badge(item.get('qa') or {})}</header>",
        f'<div class="controls"><button type="button" class="play" data-name="{escape(name)}"'
        f' aria-label="Play {escape(name)}">▶ Play</button>',
        f'<audio class="clip" controls preload="none" aria-label="Audio: {escape(name)}">',
        _sources(item.get("compressed"), item.get("audio")),
        "</audio></div>",
    ]
    text = _segments(item, timing) + _heard(item.get("qa") or {})
    if kind == "dictation":
        # A dictation is written down first and checked after, so its text (and what ASR heard) stays folded.
        text = f'<details class="reveal"><summary>Show the text</summary>{text}</details>'
    parts.append(text)
    parts.append("</article>")
    return "\n".join(part for part in parts if part)


def _heading(item: Mapping[str, Any]) -> str:
    if item.get("title"):
        return str(item["title"])
    text = " ".join(str(item.get("text") or "").split())
    if not text:
        return str(item["id"])
    return text if len(text) <= _HEADING_CHARS else text[: _HEADING_CHARS - 1].rstrip() + "…"


def _segments(item: Mapping[str, Any], timing: Timings) -> str:
    """The spoken pieces as lines of word spans; a ``.w`` span's ``data-w`` indexes the timings' ``words``."""
    segments = timing.get("segments") or []
    if not segments:
        return f'<div class="segments"><p class="line">{escape(str(item.get("text") or ""))}</p></div>'
    lines = []
    for number, (segment, words) in enumerate(zip(segments, _words_by_segment(item["id"], timing), strict=True)):
        role = f'<span class="role">{escape(segment["role"])}:</span> ' if segment.get("role") else ""
        spans = " ".join(f'<span class="w" data-w="{index}">{escape(word)}</span>' for index, word in words)
        lines.append(
            f'<div class="seg" data-seg="{number}">'
            f'<button type="button" class="seg-play" data-seg="{number}"'
            f' aria-label="Play from: {escape(segment["text"])}">▶</button>'
            f'<p class="line">{role}{spans or escape(segment["text"])}</p></div>'
        )
    return '<div class="segments">' + "".join(lines) + "</div>"


def _words_by_segment(item_id: str, timing: Timings) -> list[list[tuple[int, str]]]:
    segments = timing.get("segments") or []
    grouped: list[list[tuple[int, str]]] = [[] for _ in segments]
    for index, word in enumerate(timing.get("words") or []):
        segment = word["segment"]
        if not 0 <= segment < len(grouped):
            raise ValueError(
                f"item {item_id!r}: word {index} ({word['word']!r}) points at segment {segment}, "
                f"but the item has {len(grouped)} segments"
            )
        grouped[segment].append((index, str(word["word"])))
    return grouped


def _qa_badge(qa: Mapping[str, Any]) -> str:
    passed = qa.get("passed")
    wer = qa.get("wer")
    detail = f" · WER {wer:.0%}" if isinstance(wer, int | float) else ""
    help_text = "Speech recognition round trip: the item's audio transcribed and compared with its text"
    if passed is None:
        return f'<span class="qa none" title="{help_text}">QA not checked</span>'
    status, mark, word = ("pass", "✓", "passed") if passed else ("fail", "✗", "failed")
    return (
        f'<span class="qa {status}" title="{help_text}"><span aria-hidden="true">{mark}</span> QA {word}{detail}</span>'
    )


def _heard(qa: Mapping[str, Any]) -> str:
    if qa.get("passed") is not False or not qa.get("transcript"):
        return ""
    return f'<p class="heard">ASR heard: “{escape(str(qa["transcript"]))}”</p>'


def _sources(*paths: str | None) -> str:
    """``<source>`` elements in order of preference; the browser falls through to the next one it can play."""
    sources = []
    for path in paths:
        if not path:
            continue
        kind = _AUDIO_TYPES.get(PurePath(path).suffix.lower())
        type_attr = f' type="{kind}"' if kind else ""
        sources.append(f'<source src="{escape(_url(path))}"{type_attr}>')
    return "".join(sources)


def _url(path: str) -> str:
    # A course built on Windows has backslashes in its relative paths; a URL wants "/" and percent-escaped names.
    return quote(path.replace("\\", "/"))


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
