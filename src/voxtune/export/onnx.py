"""Export a voice to Piper's ONNX layout: ``voice.onnx`` plus the sidecar ``voice.onnx.json``.

The graph has Piper's interface — inputs ``input`` (int64 ``(1, T_text)``), ``input_lengths`` (int64 ``(1,)``),
``scales`` (float32 ``(3,)``: noise, length, noise_w) and, for several speakers, ``sid`` (int64 ``(1,)``);
output ``output`` (float32 ``(1, 1, 1, T_audio)``) — so Piper's runtime, Home Assistant and wyoming-piper load
it unchanged. Only the inference path is exported (text encoder, duration predictor, flow, decoder); the
posterior encoder and the discriminator stay in the training checkpoint.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, TypeVar

import torch

from voxtune.models.vits.layers import _WeightNorm
from voxtune.models.vits.model import VITS
from voxtune.pretrained.checkpoint import VoiceCheckpoint, model_from_checkpoint

OPSET = 15  # what Piper's own export uses; onnxruntime ≥ 1.10 runs it

G = TypeVar("G", bound=VITS)


class PiperGraph(VITS):
    """The model with Piper's inference signature as its ``forward``; a subclass rather than a wrapper, so the
    graph's parameter and node names are the model's own (``enc_p.emb.weight``, ``/dec/ups.0/...``), as in
    Piper's exports — voxtune's own importer then reads the file back."""

    def forward(  # type: ignore[override]
        self, text: torch.Tensor, lengths: torch.Tensor, scales: torch.Tensor, sid: torch.Tensor | None = None
    ) -> torch.Tensor:
        out = self.infer(text, lengths, sid=sid, noise_scale=scales[0], length_scale=scales[1], noise_scale_w=scales[2])
        return out.audio.unsqueeze(1)


def export_onnx(checkpoint: VoiceCheckpoint, output: Path) -> Path:
    """Write ``output`` (the graph) and ``output.json`` (Piper's config); returns the config's path."""
    graph = folded_copy(checkpoint, PiperGraph)
    multi = checkpoint.config.model.n_speakers > 1
    text = torch.randint(3, 40, (1, 20), dtype=torch.long)
    args: tuple[Any, ...] = (text, torch.tensor([20]), torch.tensor([0.667, 1.0, 0.8]))
    names = ["input", "input_lengths", "scales"]
    axes = {"input": {0: "batch_size", 1: "phonemes"}, "input_lengths": {0: "batch_size"}}
    if multi:
        args += (torch.tensor([0]),)
        names.append("sid")
        axes["sid"] = {0: "batch_size"}
    axes["output"] = {0: "batch_size", 2: "time"}
    write_graph(graph, args, output, names, ["output"], axes)
    config_path = output.with_name(output.name + ".json")
    config_path.write_text(json.dumps(piper_config(checkpoint), indent=2, ensure_ascii=False), encoding="utf-8")
    return config_path


def folded_copy(checkpoint: VoiceCheckpoint, graph_class: type[G]) -> G:
    """The checkpoint's weights in a fresh ``graph_class`` (a :class:`VITS` subclass) in eval mode, with weight
    norm folded into constant kernels, as Piper's export removes it."""
    graph = graph_class(checkpoint.config.model).eval()
    graph.load_state_dict(model_from_checkpoint(checkpoint).state_dict())
    for module in graph.modules():
        if isinstance(module, _WeightNorm):
            module.fold()
    return graph


def write_graph(
    module: torch.nn.Module,
    args: tuple[Any, ...],
    output: Path,
    input_names: list[str],
    output_names: list[str],
    dynamic_axes: dict[str, dict[int, str]],
) -> None:
    """Trace ``module`` on ``args`` into ``output`` (opset :data:`OPSET`), written whole or not at all."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with torch.no_grad(), warnings.catch_warnings():
        # The tracer warns about every Python-side shape computation; the graph is checked by verification.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            args,
            str(partial),
            input_names=input_names,
            output_names=output_names,
            dynamic_axes=dynamic_axes,
            opset_version=OPSET,
            dynamo=False,
        )
    partial.replace(output)


def piper_config(checkpoint: VoiceCheckpoint) -> dict[str, Any]:
    """Piper's ``.onnx.json`` for the voice, with voxtune's provenance under ``voxtune``."""
    config = checkpoint.config
    language = config.text.language
    family, _, region = language.partition("_")
    return {
        "audio": {"sample_rate": config.audio.sample_rate, "quality": checkpoint.provenance.get("quality", "medium")},
        "espeak": {"voice": config.text.espeak_voice},
        "inference": {
            "noise_scale": config.inference.noise_scale,
            "length_scale": config.inference.length_scale,
            "noise_w": config.inference.noise_w,
        },
        "phoneme_type": config.text.phoneme_type,
        "phoneme_map": {},
        "phoneme_id_map": {symbol: list(ids) for symbol, ids in checkpoint.phoneme_id_map.items()},
        "num_symbols": config.model.num_symbols,
        "num_speakers": config.model.n_speakers,
        "speaker_id_map": dict(checkpoint.speaker_id_map),
        "language": {"code": language, "family": family, "region": region},
        "dataset": str(checkpoint.provenance.get("dataset") or checkpoint.provenance.get("data", "")),
        "piper_version": "1.0.0",
        "voxtune": {k: v for k, v in checkpoint.provenance.items() if _json_safe(v)},
    }


def _json_safe(value: Any) -> bool:
    try:
        json.dumps(value)
    except TypeError:
        return False
    return True
