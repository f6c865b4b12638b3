"""Transfer learning: joe → Allison against training from scratch, strategies and amounts of data, in one run.

Three steps, because the training runs want a GPU and the scoring wants Whisper, which lives on this machine:

1. ``bundle`` (here): joe as imported from its ``.onnx`` (weights stored in fp16 to travel; no posterior encoder,
   no discriminator), the prepared Allison corpus, subsets of its train split of 2, 5 and 10 minutes (random,
   seed 0; the dev split is always whole), the built-in test set as joe's phoneme ids, and wheels the GPU
   machine lacks.
2. ``device`` (on the GPU machine): recover joe's posterior encoder (the same recipe ``voxtune finetune`` uses),
   then start every run at once, each a plain ``voxtune finetune``/``pretrain`` process with the same steps and
   batch: full, from scratch, decoder-only, timbre, LoRA, and full on each subset. At the time budget the runs still
   going are stopped with SIGTERM (each saves its checkpoint). Every run's last checkpoint, and the checkpoint
   at the largest step all runs reached, then read the dev split aloud (fixed seeds); the audio, the logs and
   the full run's generator come back.
3. ``score`` (here): voxtune's own ``evaluate`` on the dev split: joe before, each run's audio, and the real
   recordings (Whisper-base WER/CER, speaker similarity to the Allison recordings, DNSMOS P808).

    .venv/bin/python bench/transfer.py bundle --data data/allison --out .devrun
    # on the GPU machine, from the repository root, with .devrun carried:
    python3 bench/transfer.py device --bundle .devrun --out "$OUT" --budget 520
    .venv/bin/python bench/transfer.py score --renders out/transfer --data data/allison \\
        --asr whisper:.cache/whisper-base
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUBSET_MINUTES = (2, 5, 10)


def bundle(data: Path, out: Path) -> None:
    import torch

    from voxtune.pretrained.checkpoint import save_checkpoint
    from voxtune.pretrained.voices import load_voice_checkpoint
    from voxtune.train.api import builtin_id_lists

    out.mkdir(parents=True, exist_ok=True)
    base = load_voice_checkpoint("joe")
    base.model = {k: v.half() if v.is_floating_point() else v for k, v in base.model.items()}
    save_checkpoint(base, out / "joe.pt")
    (out / "builtin_ids.json").write_text(json.dumps(builtin_id_lists(base)))
    corpus = out / "allison"
    if corpus.exists():
        shutil.rmtree(corpus)
    shutil.copytree(data, corpus, ignore=shutil.ignore_patterns("report.*", "rejected.jsonl"))
    lines = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text().splitlines() if line.strip()]
    train = [x for x in lines if x["split"] == "train"]
    random.Random(0).shuffle(train)
    for minutes in SUBSET_MINUTES:
        chosen, total = [], 0.0
        for item in train:
            if total >= minutes * 60:
                break
            chosen.append(item)
            total += item["duration"]
        subset = out / f"allison-{minutes}min"
        subset.mkdir(exist_ok=True)
        shutil.copy(corpus / "dataset.json", subset / "dataset.json")
        kept = [dict(x, audio=f"../allison/{x['audio']}") for x in chosen + [x for x in lines if x["split"] == "dev"]]
        (subset / "manifest.jsonl").write_text("".join(json.dumps(x) + "\n" for x in kept))
        print(f"{subset.name}: {len(chosen)} train clips, {total / 60:.2f} min")
    print(f"bundle in {out}; torch {torch.__version__} wrote it")


def _runs(bundle_dir: Path, recovered: Path) -> dict[str, list[str]]:
    corpus = str(bundle_dir / "allison")
    finetune = ["finetune", "--base", str(recovered)]
    runs = {
        "full": [*finetune, "--data", corpus],
        # From scratch: joe's architecture and phoneme map with freshly initialised weights (what pretrain does).
        "scratch": ["finetune", "--base", str(recovered.with_name("scratch.pt")), "--data", corpus],
        "decoder-only": [*finetune, "--data", corpus, "strategy=decoder-only"],
        "timbre": [*finetune, "--data", corpus, "strategy=timbre"],
        "lora": [*finetune, "--data", corpus, "strategy=lora"],
    }
    for minutes in SUBSET_MINUTES:
        runs[f"data-{minutes}min"] = [*finetune, "--data", str(bundle_dir / f"allison-{minutes}min")]
    return runs


def device(
    bundle_dir: Path, out: Path, budget: float, steps: int, batch: int, work: Path, recovery_steps: int, only: list[str]
) -> None:
    import torch

    from voxtune.models.vits.model import VITS
    from voxtune.pretrained.checkpoint import load_checkpoint, save_checkpoint
    from voxtune.train.api import recover_for_dataset
    from voxtune.train.recovery import RecoveryConfig

    started = time.monotonic()
    work.mkdir(parents=True, exist_ok=True)
    print(f"device: {torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'cpu'}", flush=True)
    base = load_checkpoint(bundle_dir / "joe.pt")
    recovered_path = work / "joe-recovered.pt"
    fresh = VITS(base.config.model).state_dict()
    save_checkpoint(dataclasses.replace(base, model=fresh, absent=["discriminator"]), work / "scratch.pt")
    if only != ["scratch"]:
        builtin = json.loads((bundle_dir / "builtin_ids.json").read_text())
        os.environ["VOXTUNE_CACHE_DIR"] = str(work / "cache")
        recovery = RecoveryConfig(steps=recovery_steps)
        recovered = recover_for_dataset(base, bundle_dir / "allison", recovery, progress=False, builtin=builtin)
        save_checkpoint(recovered, recovered_path)
        print(f"recovery took {time.monotonic() - started:.0f} s", flush=True)

    overrides = [
        f"max_steps={steps}",
        f"per_device_train_batch_size={batch}",
        "eval_steps=250",
        "save_steps=250",
        "save_total_limit=20",
        "logging_steps=25",
    ]
    env = dict(os.environ, OMP_NUM_THREADS="2", NUMBA_NUM_THREADS="2", TQDM_DISABLE="1", PYTHONUNBUFFERED="1")
    processes = {}
    for name, args in _runs(bundle_dir, recovered_path).items():
        if only and name not in only:
            continue
        log = (work / f"{name}.log").open("w")
        # Options first, then every KEY=VALUE together (argparse takes positionals in one run).
        command = [sys.executable, "-m", "voxtune", args[0], "-o", str(work / "runs" / name), "--no-progress"]
        command += [*args[1:], *overrides]
        processes[name] = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    # Keep 80 s for stopping, reading aloud and packing.
    deadline = started + budget - 80
    while time.monotonic() < deadline and any(p.poll() is None for p in processes.values()):
        time.sleep(5)
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for name, process in processes.items():
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
        print(f"{name}: exit {process.returncode}", flush=True)
    _render_all(bundle_dir, work, out)
    _pack(work, out)


def _render_all(bundle_dir: Path, work: Path, out: Path) -> None:
    import torch

    from voxtune.audio.io import save_audio
    from voxtune.data.manifest import read_manifest
    from voxtune.pretrained.checkpoint import load_checkpoint, model_from_checkpoint, save_checkpoint
    from voxtune.train.checkpoints import list_checkpoints

    dev = read_manifest(bundle_dir / "allison", "dev")
    runs = {p.name: list_checkpoints(p) for p in sorted((work / "runs").iterdir()) if list_checkpoints(p)}
    common = min((max(s for s, _ in c) for c in runs.values()), default=0)
    summary = {}
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    for name, checkpoints in runs.items():
        by_step = dict(checkpoints)
        last = max(by_step)
        shared = max((s for s in by_step if s <= common), default=None)
        summary[name] = {"last_step": last, "common_step": shared}
        for step in sorted({last} | ({shared} if shared is not None else set())):
            voice = load_checkpoint(by_step[step])
            model = model_from_checkpoint(voice).to(device).eval()
            scales = voice.config.inference
            target = work / "renders" / f"{name}@{step}"
            target.mkdir(parents=True, exist_ok=True)
            for number, item in enumerate(dev):
                torch.manual_seed(number)
                with torch.no_grad():
                    ids = torch.tensor([item.phoneme_ids], device=device)
                    audio = model.infer(
                        ids,
                        torch.tensor([ids.size(1)], device=device),
                        noise_scale=scales.noise_scale,
                        length_scale=scales.length_scale,
                        noise_scale_w=scales.noise_w,
                    ).audio[0, 0]
                save_audio(target / f"{item.id}.flac", audio.float().cpu().numpy(), voice.config.audio.sample_rate)
            if name == "full" and step == last:
                generator = {k: v.half() for k, v in voice.model.items() if not k.startswith("enc_q.")}
                voice.model, voice.discriminator, voice.train_state = generator, None, None
                voice.absent = ["enc_q.", "discriminator"]
                save_checkpoint(voice, work / "full-generator.pt")
    (work / "renders" / "summary.json").write_text(json.dumps({"common_step": common, "runs": summary}, indent=1))
    print(json.dumps(summary), flush=True)


def _pack(work: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tarfile.open(out / "renders.tar", "w") as tar:
        tar.add(work / "renders", arcname="renders")
    with tarfile.open(out / "logs.tar.gz", "w:gz") as tar:
        for path in work.glob("*.log"):
            tar.add(path, arcname=f"logs/{path.name}")
        for run in (work / "runs").iterdir():
            for name in ("metrics.jsonl", "run.yaml"):
                if (run / name).is_file():
                    tar.add(run / name, arcname=f"logs/{run.name}/{name}")
    generator = work / "full-generator.pt"
    if generator.is_file():
        # Files come back at most 16 MiB each.
        data, part = generator.read_bytes(), 15 * 2**20
        for index in range(0, len(data), part):
            (out / f"full-generator.pt.part{index // part}").write_bytes(data[index : index + part])


class PrerenderedVoice:
    """A voice whose dev-split audio was rendered elsewhere (on the GPU machine): looks clips up by prompt text."""

    def __init__(self, name: str, directory: Path, data: Path) -> None:
        from voxtune.data.manifest import read_manifest

        self.name = name
        self.sample_rate = 22050
        self._by_text = {}
        for item in read_manifest(data, "dev"):
            for text in (item.text, item.normalized_text):
                self._by_text[text] = directory / f"{item.id}.flac"

    def synthesize(self, text: str):  # type: ignore[no-untyped-def]
        from voxtune.audio.io import load_audio

        wave, _ = load_audio(self._by_text[text], sample_rate=self.sample_rate)
        return wave


def score(renders: Path, data: Path, corpus: Path, asr: str, out: Path) -> None:
    """``data``: the prepared corpus the renders were read from; ``corpus``: the raw one, for prompts and refs."""
    import voxtune

    summary = json.loads((renders / "summary.json").read_text())
    voices = ["joe"] + [
        PrerenderedVoice(directory.name, directory, data)
        for directory in sorted(p for p in renders.iterdir() if p.is_dir())
    ]
    # The prompts read on the GPU machine: the prepared dev split (voxtune prepare rejected 2 of the corpus's 48
    # dev prompts), matched to the corpus's recordings by text.
    from voxtune.data.manifest import read_manifest

    texts = [item.text for item in read_manifest(data, "dev")]
    result = voxtune.evaluate(voices, texts, split="dev", refs=corpus, asr=asr, out_dir=out)
    print(json.dumps(summary))
    print(f"report: {out}/report.md")
    del result


def scales(voice: Path, data: Path, asr: str, items: int, out: Path) -> None:
    """What ``tune_scales=true`` would choose for an already trained voice: a copy at ``out`` gets the pair."""
    import shutil

    from voxtune.data.loader import read_manifest
    from voxtune.pretrained.checkpoint import load_checkpoint
    from voxtune.train.evaluation import DevJudge
    from voxtune.train.scales import tune_voice_scales

    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(voice, out)
    audio = load_checkpoint(out).config.audio
    judge = DevJudge(read_manifest(data, "dev", audio)[:items], audio.sample_rate, asr, False, 1234)
    choice = tune_voice_scales(out, judge, "cpu")
    for (noise_scale, noise_w), wer in choice.wer.items():
        print(f"noise_scale {noise_scale:g} / noise_w {noise_w:g}: dev WER {wer:.3f} (mean of 2 seeds)")
    print(f"chosen: {choice.noise_scale:g} / {choice.noise_w:g}; written to {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("bundle")
    p.add_argument("--data", type=Path, default=ROOT / "data" / "allison")
    p.add_argument("--out", type=Path, default=ROOT / ".devrun")
    p = sub.add_parser("device")
    p.add_argument("--bundle", type=Path, default=ROOT / ".devrun")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--budget", type=float, default=520, help="seconds for the whole command")
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--work", type=Path, default=Path("/tmp/voxtune-transfer"))
    p.add_argument("--recovery-steps", type=int, default=300)
    p.add_argument("--only", nargs="*", default=[], help="run only these (e.g. scratch)")
    p = sub.add_parser("score")
    p.add_argument("--renders", type=Path, default=ROOT / "out" / "transfer" / "renders")
    p.add_argument("--data", type=Path, default=ROOT / "data" / "allison")
    p.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "data" / "allison")
    p.add_argument("--asr", default="whisper:" + str(ROOT / ".cache" / "whisper-base"))
    p.add_argument("--out", type=Path, default=ROOT / "out" / "transfer" / "report")
    p = sub.add_parser("scales", help="what tune_scales=true chooses for a trained voice (.pt)")
    p.add_argument("--voice", type=Path, required=True)
    p.add_argument("--data", type=Path, default=ROOT / "data" / "allison")
    p.add_argument("--asr", default="whisper:" + str(ROOT / ".cache" / "whisper-base"))
    p.add_argument("--items", type=int, default=46, help="dev prompts to read (training evaluates 16)")
    p.add_argument("--out", type=Path, required=True, help="the copy of the voice that gets the chosen scales")
    args = parser.parse_args()
    if args.command == "bundle":
        bundle(args.data, args.out)
    elif args.command == "device":
        device(
            args.bundle, args.out, args.budget, args.steps, args.batch_size, args.work, args.recovery_steps, args.only
        )
    elif args.command == "scales":
        scales(args.voice, args.data, args.asr, args.items, args.out)
    else:
        score(args.renders, args.data, args.corpus, args.asr, args.out)


if __name__ == "__main__":
    main()
