"""The built-in test sets: course-like prompts shipped with the package and used when no texts are given."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Prompt:
    """One prompt of a test set: a stable id (``en-001``), the text, and its category (``numbers``, ...)."""

    id: str
    text: str
    category: str


def load_testset(language: str = "en") -> list[Prompt]:
    """The built-in prompts for ``language`` (only ``en`` ships now), in file order."""
    try:
        source = resources.files("voxtune.evaluate").joinpath(f"testset_{language}.txt").read_text("utf-8")
    except FileNotFoundError:
        raise ValueError(f"no built-in test set for language {language!r}; only 'en' ships") from None
    return parse_testset(source, prefix=language)


def parse_testset(source: str, prefix: str) -> list[Prompt]:
    """Parse the test-set format: ``## category`` starts a group, ``#`` a comment, other lines are prompts."""
    prompts: list[Prompt] = []
    category = "general"
    for raw in source.splitlines():
        line = raw.strip()
        if line.startswith("##"):
            category = line[2:].strip() or category
        elif line and not line.startswith("#"):
            prompts.append(Prompt(f"{prefix}-{len(prompts) + 1:03d}", line, category))
    return prompts
