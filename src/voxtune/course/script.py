"""What each kind of item sounds like: a script of things to say and silences, in order.

* ``passage`` — the text, once.
* ``vocabulary`` — the word, a pause, the word again; then the example sentence, a pause, the example again.
* ``dialogue`` — each line in its role's voice, a short pause between lines.
* ``repeat`` — the phrase, then silence for the learner to say it: ``repeat_factor`` × the phrase's length, at least
  ``repeat_min`` seconds.
* ``dictation`` — at ``dictation_speed``, sentence by sentence: the sentence, a pause, the sentence again, then
  ``dictation`` seconds to write it down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voxtune.course.spec import Item, Settings


@dataclass(frozen=True)
class Say:
    """One spoken piece: text read by a voice at a speed (1 = the voice's own pace)."""

    text: str
    voice: str
    speed: float
    speaker: str | int | None = None
    role: str | None = None


@dataclass(frozen=True)
class Silence:
    """``seconds`` of silence; with a ``factor``, at least ``factor`` × the length of the piece spoken before it."""

    seconds: float
    factor: float = 0.0


Step = Say | Silence
# After . ! ? or …, or after one of them and a closing quote or bracket (look-behinds must have a fixed width).
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=[.!?…][\"'”’)])\s+")


def item_script(item: Item) -> list[Step]:
    """The steps that make ``item``'s audio, starting with speech."""
    settings, pauses = item.settings, item.settings.pauses
    if item.kind == "passage":
        return [_say(item.text, settings)]
    if item.kind == "vocabulary":
        word = _say(item.word, settings)
        steps: list[Step] = [word, Silence(pauses["repeat"]), word]
        if item.example:
            example = _say(item.example, settings)
            steps += [Silence(pauses["segment"]), example, Silence(pauses["repeat"]), example]
        return steps
    if item.kind == "dialogue":
        steps = []
        for line in item.lines:
            role = settings.roles[line.role]
            speed = role.speed if role.speed is not None else settings.speed
            if steps:
                steps.append(Silence(pauses["segment"]))
            steps.append(Say(line.text, role.voice, speed, role.speaker, line.role))
        return steps
    if item.kind == "repeat":
        return [_say(item.text, settings), Silence(pauses["repeat_min"], pauses["repeat_factor"])]
    if item.kind == "dictation":
        steps = []
        for sentence in split_sentences(item.text or ""):
            said = Say(sentence, settings.voice, settings.dictation_speed, settings.speaker)
            if steps:
                steps.append(Silence(pauses["segment"]))
            steps += [said, Silence(pauses["repeat"]), said, Silence(pauses["dictation"])]
        return steps
    raise ValueError(f"unknown item kind {item.kind!r}")


# Abbreviations whose period does not end a sentence ("Dr. Smith", "e.g. apples").
_NOT_AN_END = ("Mr.", "Mrs.", "Ms.", "Mx.", "Dr.", "Prof.", "St.", "Mt.", "Capt.", "e.g.", "i.e.", "vs.", "No.")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` at ``.``, ``!``, ``?`` followed by space (quotes and brackets stay with theirs)."""
    sentences: list[str] = []
    for part in (p.strip() for p in _SENTENCE_END.split(text.strip())):
        if not part:
            continue
        if sentences and sentences[-1].split()[-1] in _NOT_AN_END:
            sentences[-1] = f"{sentences[-1]} {part}"
        else:
            sentences.append(part)
    return sentences


def _say(text: str | None, settings: Settings) -> Say:
    if not text:
        raise ValueError("an item field that is read aloud is empty")
    return Say(text, settings.voice, settings.speed, settings.speaker)
