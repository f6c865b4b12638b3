"""Training throughput: voxtune vs Piper's own trainer on the same preset, batch size and data, in one run.

Both train the Piper *medium* architecture from scratch on the same Allison train utterances (resampled to
22050 Hz, silence-trimmed, phonemized by the same espeak-ng), on the CPU with the same thread count. A step is
forward, backward and both optimizer updates; data loading is excluded on both sides. Each trainer runs in its
own process so its peak resident memory (RSS) is its own.

    .venv/bin/python bench/train.py --anchor-python .cache/piper-anchor-venv/bin/python --batch-size 8

The anchor's environment: ``python3 -m venv .cache/piper-anchor-venv``, then in it ``pip install torch==2.13.0``
and ``pip install 'piper-tts[train]==1.8.0'``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ALLISON = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "allison"
ROOT = Path(__file__).resolve().parents[1]


def build_data(out: Path, count: int) -> None:
    """The first ``count`` usable train prompts: WAV at 22050 Hz for Piper, plus a voxtune manifest."""
    from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

    from voxtune.audio.clean import trim_silence
    from voxtune.audio.io import load_audio, save_audio
    from voxtune.text.phonemize import EspeakPhonemizer
    from voxtune.text.symbols import phonemes_to_ids

    texts = dict(line.split("|", 1) for line in (ALLISON / "metadata.csv").read_text(encoding="utf-8").splitlines())
    train_ids = (ALLISON / "train.txt").read_text().split()
    phonemizer = EspeakPhonemizer("en-us")
    (out / "wav").mkdir(parents=True, exist_ok=True)
    csv_lines, manifest = [], []
    for utt in train_ids:
        text = texts[utt].strip()
        if utt.startswith("silence") or text.startswith("(") or len(text.split()) < 3:
            continue
        wave, rate = load_audio(ALLISON / "wavs" / f"{utt}.flac", sample_rate=22050)
        wave = trim_silence(wave, rate)
        save_audio(out / "wav" / f"{utt}.wav", wave, rate)
        phonemes = [p for sentence in phonemizer.phonemize(text) for p in sentence]
        ids, _ = phonemes_to_ids(phonemes, DEFAULT_PHONEME_ID_MAP)
        csv_lines.append(f"{utt}.wav|{text}")
        manifest.append(
            {
                "id": utt,
                "audio": f"wav/{utt}.wav",
                "text": text,
                "phoneme_ids": ids,
                "duration": len(wave) / rate,
                "split": "train",
                # The rest of a prepared manifest entry (voxtune.data.manifest.ManifestEntry).
                "normalized_text": text,
                "phonemes": ["".join(phonemes)],
                "speaker": "allison",
                "num_samples": len(wave),
                "sample_rate": rate,
                "source": f"metadata.csv:{utt}",
                "segment": None,
                "missing_phonemes": [],
                "dropped_characters": [],
                "flags": [],
                "stats": {},
            }
        )
        if len(manifest) == count:
            break
    (out / "metadata.csv").write_text("\n".join(csv_lines) + "\n", encoding="utf-8")
    (out / "manifest.jsonl").write_text("\n".join(json.dumps(m) for m in manifest) + "\n", encoding="utf-8")


def voxtune_worker(data: Path, run: Path, batch_size: int, steps: int, threads: int, precision: str) -> None:
    """Time voxtune's steps in this process; print one JSON line."""
    import torch

    torch.set_num_threads(threads)
    from voxtune.config import TrainConfig
    from voxtune.train.api import pretrain

    times: list[float] = []
    last = [time.perf_counter()]

    def on_step(step: int, _losses: object) -> None:
        now = time.perf_counter()
        times.append(now - last[0])
        last[0] = now

    config = TrainConfig(
        output_dir=str(run),
        max_steps=steps,
        per_device_train_batch_size=batch_size,
        save_steps=0,
        eval_steps=0,
        logging_steps=1000,
        mixed_precision=precision,
    )
    from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

    from voxtune.models.vits.model import VITS
    from voxtune.models.vits.presets import preset
    from voxtune.pretrained.checkpoint import VoiceCheckpoint
    from voxtune.train.loop import train

    voice = preset("medium")
    base = VoiceCheckpoint(
        config=voice,
        phoneme_id_map={k: list(v) for k, v in DEFAULT_PHONEME_ID_MAP.items()},
        model=VITS(voice.model).state_dict(),
    )
    del pretrain
    train(base, data, config, progress=False, on_step=on_step)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"times": times, "peak_rss_mb": rss}))


def run_voxtune(data: Path, batch_size: int, steps: int, threads: int, precision: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as run:
        env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--worker",
                str(data),
                run,
                str(batch_size),
                str(steps),
                str(threads),
                precision,
            ],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_piper(anchor_python: str, data: Path, batch_size: int, steps: int, threads: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as run:
        env = {
            **os.environ,
            "OMP_NUM_THREADS": str(threads),
            "PYTHONPATH": str(Path("/work/shared/tools/piper-anchor")),
            # A numba cache of its own: voxtune's cached alignment kernel refers to the voxtune package, which the
            # anchor's environment does not have.
            "NUMBA_CACHE_DIR": f"{run}/numba",
        }
        # Two optimizers advance Lightning's global_step by 2 per batch.
        command = [
            anchor_python,
            str(ROOT / "bench" / "piper_anchor_launcher.py"),
            str(ROOT / "src"),
            "fit",
            "--data.voice_name",
            "anchor",
            "--data.csv_path",
            str(data / "metadata.csv"),
            "--data.audio_dir",
            str(data / "wav"),
            "--model.sample_rate",
            "22050",
            "--data.espeak_voice",
            "en-us",
            "--data.cache_dir",
            f"{run}/cache",
            "--data.config_path",
            f"{run}/config.json",
            "--data.batch_size",
            str(batch_size),
            "--trainer.accelerator",
            "cpu",
            "--trainer.devices",
            "1",
            "--trainer.max_steps",
            str(2 * steps),
            "--trainer.default_root_dir",
            run,
            "--trainer.limit_val_batches",
            "0",
            "--trainer.callbacks+=steptimer.StepTimer",
            "--trainer.callbacks.out_path",
            f"{run}/step_times.json",
        ]
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=run)
        if proc.returncode != 0:
            Path("out").mkdir(exist_ok=True)
            Path("out/piper-anchor-stderr.txt").write_text(proc.stderr)
            raise RuntimeError("piper trainer failed; its stderr is in out/piper-anchor-stderr.txt")
        summary = json.loads(Path(run, "step_times.json").read_text())
        peaks = [
            float(line.split("maxrss_self=")[1].split("MB")[0])
            for line in proc.stdout.splitlines()
            if "maxrss_self=" in line
        ]
        summary["peak_rss_mb"] = max(peaks) if peaks else None
        summary["wall_s"] = time.perf_counter() - start
        return summary


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _, _, data, run, batch, steps, threads, precision = sys.argv
        voxtune_worker(Path(data), Path(run), int(batch), int(steps), int(threads), precision)
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--anchor-python", default=str(ROOT / ".cache" / "piper-anchor-venv" / "bin" / "python"))
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--utterances", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precision", default="no", help="voxtune mixed precision: no | bf16")
    parser.add_argument("--skip", type=int, default=2, help="warm-up steps left out of the median")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        build_data(data, args.utterances)
        print(f"load before timing: {os.getloadavg()}")
        piper = run_piper(args.anchor_python, data, args.batch_size, args.steps, args.threads)
        ours = run_voxtune(data, args.batch_size, args.steps, args.threads, args.precision)
    piper_step = statistics.median(piper["times"][args.skip :])  # type: ignore[index]
    ours_step = statistics.median(ours["times"][args.skip :])  # type: ignore[index]
    print(
        f"\n## Training speed, medium from scratch, batch {args.batch_size}, {args.threads} threads, "
        f"{args.utterances} Allison utterances, median of steps {args.skip + 1}..{args.steps}\n"
    )
    print("| trainer | s/step | peak RSS (MB) |")
    print("|---|---|---|")
    print(f"| piper-tts 1.8.0 | {piper_step:.2f} | {piper['peak_rss_mb']:.0f} |")
    print(f"| voxtune ({args.precision}) | {ours_step:.2f} | {ours['peak_rss_mb']:.0f} |")
    print(f"\nspeed ratio voxtune / piper: {piper_step / ours_step:.2f}x")


if __name__ == "__main__":
    main()
