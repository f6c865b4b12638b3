"""Debian's ``espeak-ng`` binary as an evaluation voice: the formant-synthesis floor that a neural voice must beat.

It reads the raw prompt text with its own text rules (numbers, abbreviations), so it is scored exactly as a user
would hear ``espeak-ng "text"``. A benchmark anchor, not a product voice: it lives in ``bench/``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from functools import cached_property
from pathlib import Path

import numpy as np
import soundfile as sf

BINARY = "espeak-ng"


def espeak_available() -> bool:
    """True when the ``espeak-ng`` program is on ``PATH`` (Debian: ``apt-get install espeak-ng``)."""
    return shutil.which(BINARY) is not None


class EspeakVoice:
    """A :class:`voxtune.evaluate.VoiceLike` that runs ``espeak-ng -v VOICE`` once per prompt.

    ``speed`` is in words per minute (espeak-ng's default is 175).
    """

    def __init__(self, voice: str = "en-us", speed: int = 175, name: str = "espeak-ng") -> None:
        if not espeak_available():
            raise RuntimeError(f"{BINARY} is not installed (Debian: apt-get install espeak-ng)")
        self._voice = voice
        self._speed = speed
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @cached_property
    def version(self) -> str:
        """``espeak-ng 1.51``: which build was measured (from ``eSpeak NG text-to-speech: 1.51  Data at: ...``)."""
        result = subprocess.run([BINARY, "--version"], capture_output=True, text=True, check=True)
        found = re.search(r":\s*(\d[\w.+~-]*)", result.stdout)
        return f"{BINARY} {found.group(1) if found else 'unknown version'}"

    @cached_property
    def sample_rate(self) -> int:
        # espeak-ng picks the rate itself (22050 Hz for its formant voices): ask it once with a one-word probe.
        return self._render("a")[1]

    def synthesize(self, text: str) -> np.ndarray:
        """Text → float32 ``(T,)`` at :attr:`sample_rate`."""
        wave, sample_rate = self._render(text)
        if sample_rate != self.sample_rate:
            raise RuntimeError(f"{BINARY} changed its sample rate from {self.sample_rate} to {sample_rate} Hz")
        return wave

    def _render(self, text: str) -> tuple[np.ndarray, int]:
        with tempfile.TemporaryDirectory(prefix="espeak-") as tmp:
            path = Path(tmp) / "out.wav"
            # The text goes in on stdin: as an argument, a prompt starting with "-" would be read as an option.
            command = [BINARY, "-v", self._voice, "-s", str(self._speed), "-w", str(path), "--stdin"]
            subprocess.run(command, input=text.encode("utf-8"), capture_output=True, check=True)
            wave, sample_rate = sf.read(path, dtype="float32", always_2d=True)
        return wave.mean(axis=1), int(sample_rate)
