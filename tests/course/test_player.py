"""The course player page: rendered markup and embedded data, then driven in headless chromium over http."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from voxtune.course.player import render_player, write_player

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAV_RATE = 22050
OPUS_RATE = 48000
WORD_SECONDS = 0.35
WORD_GAP = 0.05
SEGMENT_GAP = 0.5

# (lesson title, [(item id, kind, title, [(segment text, role)], compressed suffix, qa)])
PASS = {"wer": 0.0, "passed": True, "transcript": "fine"}
FAIL = {"wer": 0.5, "passed": False, "transcript": "the whether is nice"}
LESSONS: list[tuple[str, list[tuple[str, str, str | None, list[tuple[str, str | None]], str, dict[str, Any]]]]] = [
    (
        "Lesson 1: Greetings <basics>",
        [
            ("hello", "passage", "Saying hello", [("Hello there, how are you today?", None)], ".ogg", PASS),
            (
                "weather",
                "vocabulary",
                None,
                [("weather", None), ("weather", None), ("The weather is nice today.", None)],
                ".mp3",
                PASS,
            ),
            (
                "cafe",
                "dialogue",
                "At the café",
                [("A coffee, please.", "Customer"), ("Here you are.", "Barista")],
                ".ogg",
                {"wer": None, "passed": None, "transcript": None},
            ),
        ],
    ),
    (
        "Lesson 2: Listening",
        [
            ("repeat-1", "repeat", None, [("See you tomorrow.", None)], ".ogg", PASS),
            ("dict-1", "dictation", "Dictation one", [("The weather is nice.", None)], ".ogg", FAIL),
        ],
    ),
]


def _timings(item_id: str, segments: list[tuple[str, str | None]]) -> dict[str, Any]:
    """Made-up but well-formed timings: fixed-length words, short gaps inside a line, longer ones between lines."""
    t = 0.3
    segment_rows: list[dict[str, Any]] = []
    words: list[dict[str, Any]] = []
    for index, (text, role) in enumerate(segments):
        start = t
        for word in text.split():
            words.append({"word": word, "start": round(t, 3), "end": round(t + WORD_SECONDS, 3), "segment": index})
            t += WORD_SECONDS + WORD_GAP
        segment_rows.append({"text": text, "start": round(start, 3), "end": round(t, 3), "role": role, "voice": "joe"})
        t += SEGMENT_GAP
    return {"id": item_id, "duration": round(t, 3), "segments": segment_rows, "words": words}


def _tone(seconds: float, rate: int, pitch: float) -> np.ndarray:
    time = np.arange(int(seconds * rate)) / rate
    return (0.2 * np.sin(2 * np.pi * pitch * time)).astype(np.float32)


def _write_audio(out: Path, stem: str, seconds: float, suffix: str, pitch: float) -> tuple[str, str]:
    wav = f"audio/{stem}.wav"
    compressed = f"audio/{stem}{suffix}"
    sf.write(out / wav, _tone(seconds, WAV_RATE, pitch), WAV_RATE, subtype="PCM_16")
    if suffix == ".mp3":
        sf.write(out / compressed, _tone(seconds, WAV_RATE, pitch), WAV_RATE, format="MP3")
    else:
        sf.write(out / compressed, _tone(seconds, OPUS_RATE, pitch), OPUS_RATE, format="OGG", subtype="OPUS")
    return wav, compressed


def build_course(out: Path) -> dict[str, Any]:
    """A small course the way ``voxtune course`` lays it out, with real audio files (tones) and made-up timings."""
    (out / "audio").mkdir(parents=True)
    (out / "timings").mkdir()
    lessons = []
    for number, (lesson_title, specs) in enumerate(LESSONS):
        items = []
        offset = 0.0
        for item_id, kind, title, segments, suffix, qa in specs:
            timing = _timings(item_id, segments)
            (out / "timings" / f"{item_id}.json").write_text(json.dumps(timing), "utf-8")
            wav, compressed = _write_audio(out, item_id, timing["duration"], suffix, 220 + 40 * len(items))
            items.append(
                {
                    "id": item_id,
                    "kind": kind,
                    "title": title,
                    "text": " — ".join(dict.fromkeys(text for text, _ in segments)),
                    "audio": wav,
                    "compressed": compressed,
                    "timings": f"timings/{item_id}.json",
                    "vtt": f"timings/{item_id}.vtt",
                    "duration": timing["duration"],
                    "track_offset": offset,
                    "qa": qa,
                }
            )
            offset += timing["duration"]
        seconds = sum(item["duration"] for item in items)
        wav, compressed = _write_audio(out, f"lesson-{number + 1}", seconds, ".ogg", 330)
        lessons.append(
            {
                "id": f"l{number + 1}",
                "title": lesson_title,
                "track": {"wav": wav, "compressed": compressed},
                "items": items,
            }
        )
    course = {"title": "English </script> for travellers", "language": "en", "lessons": lessons}
    (out / "course.json").write_text(json.dumps(course), "utf-8")
    return course


def all_items(course: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for lesson in course["lessons"] for item in lesson["items"]]


@pytest.fixture
def course_dir(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    out = tmp_path / "course"
    return out, build_course(out)


def embedded_data(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="course-data">(.*?)</script>', html, re.S)
    assert match is not None
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def test_page_embeds_course_and_timings(course_dir: tuple[Path, dict[str, Any]]) -> None:
    out, course = course_dir
    index = write_player(out, course)
    assert index == out / "index.html"
    html = index.read_text("utf-8")
    data = embedded_data(html)
    assert data["course"] == course
    for item in all_items(course):
        assert data["timings"][item["timings"]] == json.loads((out / item["timings"]).read_text("utf-8"))
        assert f'data-id="{item["id"]}"' in html
    # Titles are text, never markup: the "</script>" in the course title closes nothing.
    assert html.count("</script>") == 2
    assert "Greetings &lt;basics&gt;" in html
    # Self-contained: nothing is fetched from another host.
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_words_are_grouped_by_segment(course_dir: tuple[Path, dict[str, Any]]) -> None:
    out, course = course_dir
    html = write_player(out, course).read_text("utf-8")
    words = sum(len(json.loads((out / item["timings"]).read_text())["words"]) for item in all_items(course))
    assert len(re.findall(r'<span class="w" data-w="\d+">', html)) == words
    assert '<span class="role">Customer:</span> <span class="w" data-w="0">A</span>' in html
    assert '<span class="role">Barista:</span> <span class="w" data-w="3">Here</span>' in html
    assert 'audio/weather.mp3" type="audio/mpeg"><source src="audio/weather.wav" type="audio/wav">' in html


def test_qa_badges_and_dictation(course_dir: tuple[Path, dict[str, Any]]) -> None:
    out, course = course_dir
    html = write_player(out, course).read_text("utf-8")
    assert html.count("QA passed · WER 0%") == 3
    assert "QA failed · WER 50%" in html and "ASR heard: “the whether is nice”" in html
    assert "QA not checked" in html
    dictation = html[html.index('data-id="dict-1"') :]
    assert dictation.index("<details") < dictation.index('class="w"')


def test_word_pointing_past_the_segments_is_an_error() -> None:
    item = {"id": "x", "kind": "passage", "title": None, "text": "Hi", "timings": "t.json", "qa": {}}
    course = {"title": "c", "language": "en", "lessons": [{"id": "l", "title": "L", "items": [item]}]}
    timing = {
        "id": "x",
        "duration": 1.0,
        "segments": [{"text": "Hi", "start": 0.0, "end": 0.5, "role": None, "voice": "v"}],
        "words": [{"word": "Hi", "start": 0.0, "end": 0.5, "segment": 1}],
    }
    with pytest.raises(ValueError, match="points at segment 1"):
        render_player(course, {"t.json": timing})


class _QuietRangeHandler(SimpleHTTPRequestHandler):
    """Static files with byte ranges: Chromium seeks media by range requests, which http.server does not answer."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        wanted = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        if wanted is None or not path.is_file():
            super().do_GET()
            return
        body = path.read_bytes()
        first, last = wanted.groups()
        start = int(first) if first else max(0, len(body) - int(last))
        end = min(int(last), len(body) - 1) if first and last else len(body) - 1
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Range", f"bytes {start}-{end}/{len(body)}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        self.wfile.write(body[start : end + 1])


@pytest.fixture
def served(course_dir: tuple[Path, dict[str, Any]]) -> Iterator[tuple[str, Path, dict[str, Any]]]:
    out, course = course_dir
    write_player(out, course)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietRangeHandler, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html", out, course
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _clip_time(page: Any, item: str) -> float:
    seconds: float = page.eval_on_selector(f'article[data-id="{item}"] audio.clip', "a => a.currentTime")
    return seconds


def _active_word(page: Any, item: str) -> int:
    index: int = page.eval_on_selector(
        f'article[data-id="{item}"]', "a => { const w = a.querySelector('.w.active'); return w ? +w.dataset.w : -1; }"
    )
    return index


def test_player_in_chromium(served: tuple[str, Path, dict[str, Any]], tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    if not CHROMIUM.exists():
        pytest.skip(f"no {CHROMIUM} (apt-get install chromium)")
    url, out, course = served
    items = all_items(course)
    hello = json.loads((out / "timings/hello.json").read_text())["words"]
    weather = json.loads((out / "timings/weather.json").read_text())["words"]
    problems: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 420, "height": 900})
            page.set_default_timeout(15_000)
            page.on("console", lambda message: message.type == "error" and problems.append(message.text))
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(url, wait_until="load")

            ids = page.eval_on_selector_all("article.item", "all => all.map(a => a.dataset.id)")
            assert ids == [item["id"] for item in items]
            assert page.locator("audio.lesson-track").count() == len(course["lessons"])

            # Play: the clock advances, a word lights up, and later a later word.
            page.click('article[data-id="hello"] button.play')
            page.wait_for_function("() => document.querySelector('article[data-id=hello] audio.clip').currentTime > 0")
            page.wait_for_function(
                "() => document.querySelector('article[data-id=hello] .w.active') !== null", polling="raf"
            )
            first = _active_word(page, "hello")
            assert first >= 0
            assert page.get_attribute(f'article[data-id="hello"] .w[data-w="{first}"]', "aria-current") == "true"
            page.wait_for_function(
                f"() => {{ const w = document.querySelector('article[data-id=hello] .w.active');"
                f" return w !== null && +w.dataset.w > {first}; }}",
                polling="raf",
            )
            seconds, later = page.eval_on_selector(
                'article[data-id="hello"]',
                "a => [a.querySelector('audio').currentTime, +a.querySelector('.w.active').dataset.w]",
            )
            assert later > first and hello[later]["start"] <= seconds
            page.screenshot(path=str(tmp_path / "course-player.png"), full_page=True)
            page.screenshot(path="/tmp/course-player.png", full_page=True)

            # Clicking a word of another item seeks there, plays it, and stops the first one.
            target = 3  # "weather" in "The weather is nice today."
            assert weather[target]["word"] == "weather" and weather[target]["segment"] == 2
            page.click(f'article[data-id="weather"] .w[data-w="{target}"]')
            page.wait_for_function("() => !document.querySelector('article[data-id=weather] audio.clip').paused")
            assert _clip_time(page, "weather") >= weather[target]["start"] - 0.01
            page.wait_for_function(
                f"() => {{ const w = document.querySelector('article[data-id=weather] .w.active');"
                f" return w !== null && +w.dataset.w >= {target}; }}",
                polling="raf",
            )
            assert page.eval_on_selector('article[data-id="hello"] audio.clip', "a => a.paused")
            assert "Play" in (page.text_content('article[data-id="hello"] button.play') or "")

            # A line's own button seeks to the line's start.
            page.click('article[data-id="hello"] .seg-play[data-seg="0"]')
            page.wait_for_function("() => !document.querySelector('article[data-id=hello] audio.clip').paused")
            assert _clip_time(page, "hello") < hello[1]["end"]

            # The lesson track lights the words of the item it is playing, at the item's offset in the track.
            page.eval_on_selector('article[data-id="weather"] audio.clip', "a => a.pause()")
            page.eval_on_selector('article[data-id="hello"] audio.clip', "a => a.pause()")
            lessons = course["lessons"]
            lesson = next(i for i, one in enumerate(lessons) if any(x["id"] == "weather" for x in one["items"]))
            item = next(x for x in course["lessons"][lesson]["items"] if x["id"] == "weather")
            moment = item["track_offset"] + (weather[target]["start"] + weather[target]["end"]) / 2
            page.eval_on_selector(f"#lesson-{lesson} audio.lesson-track", f"a => {{ a.currentTime = {moment}; }}")
            page.wait_for_function(
                f"() => {{ const w = document.querySelector('article[data-id=weather] .w.active');"
                f" return w !== null && +w.dataset.w === {target}; }}",
                polling="raf",
            )

            # The page also works opened as a file: its data are embedded, nothing is fetched.
            page.goto((out / "index.html").as_uri(), wait_until="load")
            assert page.locator("article.item").count() == len(items)
        finally:
            browser.close()
    assert problems == []
