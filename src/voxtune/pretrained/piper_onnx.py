"""Import a Piper voice exported to ONNX (``voice.onnx`` + ``voice.onnx.json``) as a voxtune checkpoint.

The export keeps most weights as initializers named by module path (``enc_p.encoder.attn_layers.0.conv_q.weight``).
The rest must be recovered from the graph:

* weight-norm-folded convolution kernels appear as anonymous ``onnx::Conv_N`` initializers; their owner is the
  Conv node that consumes them, whose node name carries the module path (``/flow/flows.6/enc/in_layers.0/Conv``);
* the text embedding is the initializer ``sid``, consumed by ``/enc_p/emb/Gather``;
* ``dp.flows.0.logs`` was constant-folded into ``exp(-logs)`` (``/dp/flows.0/Exp_output_0``) by Piper's export,
  into ``-logs`` feeding the node ``/dp/flows.0/Exp`` by voxtune's (``voxtune export``).

Absent because inference never uses them: the posterior encoder ``enc_q``, the duration predictor's posterior part
``dp.post_*`` and its first spline flow ``dp.flows.1``. The checkpoint records them as absent.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from voxtune.config import AudioConfig, InferenceConfig, ModelConfig, TextConfig, VoiceConfig
from voxtune.pretrained.keymap import PretrainedFormatError, count_indices

if TYPE_CHECKING:
    from voxtune.pretrained.checkpoint import VoiceCheckpoint

ABSENT_IN_ONNX = ("enc_q.", "dp.post_", "dp.flows.1.")
_MODULE_PATH = re.compile(r"^[A-Za-z_][\w]*(\.\w+)+$")
_FOLDED_LOGS = "/dp/flows.0/Exp_output_0"
_NEGATED_LOGS_NODE = "/dp/flows.0/Exp"
# Which input of a node holds which parameter.
_PARAM_INPUTS = {
    "Conv": {1: "weight", 2: "bias"},
    "ConvTranspose": {1: "weight", 2: "bias"},
    "Gather": {0: "weight"},
    "Exp": {0: "exp-input"},
}


@dataclass(frozen=True)
class OnnxVoiceHeader:
    """What running an ONNX voice needs besides the graph: its configuration and symbol maps."""

    config: VoiceConfig
    phoneme_id_map: dict[str, list[int]]
    speaker_id_map: dict[str, int]


def read_onnx_voice_header(onnx_path: str | Path, config_path: str | Path | None = None) -> OnnxVoiceHeader:
    """The configuration of a Piper ONNX voice (from its sidecar and the graph's shapes), without torch: what
    onnxruntime inference needs, at a fraction of :func:`import_piper_onnx`'s cost."""
    onnx_path = Path(onnx_path)
    piper_config, graph = _read_files(onnx_path, config_path)
    # Only the tensors' shapes matter here: zero-copy views stand in for the weights.
    shapes = {t.name: np.broadcast_to(np.float32(1.0), tuple(t.dims)) for t in graph.initializer}
    return _header(piper_config, _infer_config(_named_parameters(graph, shapes, onnx_path.name), graph, piper_config))


def import_piper_onnx(onnx_path: str | Path, config_path: str | Path | None = None) -> VoiceCheckpoint:
    """Read a Piper ONNX voice and its JSON sidecar into a :class:`VoiceCheckpoint` (no ``enc_q``)."""
    import torch
    from onnx import numpy_helper

    from voxtune.models.vits.model import VITS
    from voxtune.pretrained.checkpoint import VoiceCheckpoint
    from voxtune.pretrained.keymap import check_against, split_weight_norm

    onnx_path = Path(onnx_path)
    piper_config, graph = _read_files(onnx_path, config_path)
    initializers = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    tensors = _named_parameters(graph, initializers, onnx_path.name)
    header = _header(piper_config, _infer_config(tensors, graph, piper_config))
    reference = VITS(header.config.model).state_dict()
    state = split_weight_norm(
        {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in tensors.items()}, reference
    )
    absent = check_against(state, reference, onnx_path.name, ABSENT_IN_ONNX)
    return VoiceCheckpoint(
        config=header.config,
        phoneme_id_map=header.phoneme_id_map,
        speaker_id_map=header.speaker_id_map,
        model=state,
        absent=absent,
        provenance={
            "source": str(onnx_path.name),
            "source_format": "piper-onnx",
            "dataset": piper_config.get("dataset"),
        },
    )


def _read_files(onnx_path: Path, config_path: str | Path | None) -> tuple[dict[str, Any], Any]:
    """The sidecar (validated) and the graph; a missing or corrupt file → one-line error."""
    import onnx

    piper_config = read_piper_json(Path(config_path) if config_path else Path(f"{onnx_path}.json"))
    if not onnx_path.is_file():
        raise PretrainedFormatError(f"voice model not found: {onnx_path}")
    try:
        return piper_config, onnx.load(str(onnx_path)).graph
    except Exception as error:  # protobuf raises DecodeError and others for corrupt files
        raise PretrainedFormatError(f"cannot read ONNX model {onnx_path}: {type(error).__name__}") from None


def _header(piper_config: dict[str, Any], config: VoiceConfig) -> OnnxVoiceHeader:
    return OnnxVoiceHeader(
        config=config,
        phoneme_id_map={k: list(v) for k, v in piper_config["phoneme_id_map"].items()},
        speaker_id_map=dict(piper_config.get("speaker_id_map") or {}),
    )


def read_piper_json(config_path: Path) -> dict[str, Any]:
    """Load and minimally validate a Piper ``.onnx.json``."""
    if not config_path.is_file():
        raise PretrainedFormatError(f"voice config not found: {config_path} (Piper voices need their .onnx.json)")
    try:
        data = json.loads(config_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PretrainedFormatError(f"cannot parse voice config {config_path}: {error}") from None
    for key in ("audio", "phoneme_id_map"):
        if key not in data:
            raise PretrainedFormatError(f"voice config {config_path} lacks the {key!r} key")
    return data


def _named_parameters(graph: Any, initializers: dict[str, np.ndarray], source: str) -> dict[str, np.ndarray]:
    """Module-path name → tensor for every initializer that is a model parameter."""
    initializers = dict(initializers)
    for node in graph.node:
        # The exporter stores identical tensors once and names the duplicates by Identity nodes.
        if node.op_type == "Identity" and node.input[0] in initializers:
            initializers[node.output[0]] = initializers[node.input[0]]
    consumers: dict[str, tuple[str, str]] = {}
    for node in graph.node:
        roles = _PARAM_INPUTS.get(node.op_type, {})
        for index, name in enumerate(node.input):
            if index in roles and name in initializers:
                consumers[name] = (node.name, roles[index])

    params: dict[str, np.ndarray] = {}
    for name, value in initializers.items():
        if _MODULE_PATH.match(name):
            params[name] = value
        elif name == _FOLDED_LOGS:
            params["dp.flows.0.logs"] = -np.log(value)
        elif consumers.get(name) == (_NEGATED_LOGS_NODE, "exp-input"):
            params["dp.flows.0.logs"] = -value  # voxtune's export folds -logs and keeps the Exp
        elif name in consumers and consumers[name][1] != "exp-input":
            node_name, role = consumers[name]
            params[_module_path(node_name, source) + "." + role] = value
    return params


def _module_path(node_name: str, source: str) -> str:
    """``/flow/flows.6/enc/in_layers.0/Conv`` → ``flow.flows.6.enc.in_layers.0``."""
    parts = [p for p in node_name.split("/") if p]
    if len(parts) < 2:
        raise PretrainedFormatError(f"{source}: cannot tell which module owns node {node_name!r}")
    return ".".join(parts[:-1])


def _node_attribute(graph: Any, node_name: str, attribute: str) -> list[int]:
    for node in graph.node:
        if node.name == node_name:
            for attr in node.attribute:
                if attr.name == attribute:
                    return list(attr.ints)
    raise PretrainedFormatError(f"graph has no node {node_name!r} with attribute {attribute!r}")


def _infer_config(tensors: dict[str, np.ndarray], graph: Any, piper: dict[str, Any]) -> VoiceConfig:
    """Architecture hyperparameters from tensor shapes and node attributes; sample rate etc. from the JSON."""
    try:
        emb = tensors["enc_p.emb.weight"]
        hidden = emb.shape[1]
        n_ups = count_indices(tensors, r"^dec\.ups\.(\d+)\.weight$")
        n_resblocks = count_indices(tensors, r"^dec\.resblocks\.(\d+)\.")
        per_stage = n_resblocks // n_ups
        resblock = "1" if "dec.resblocks.0.convs1.0.weight" in tensors else "2"
        conv_name = "convs1" if resblock == "1" else "convs"
        kernel_sizes = tuple(int(tensors[f"dec.resblocks.{j}.{conv_name}.0.weight"].shape[2]) for j in range(per_stage))
        dilations = tuple(
            tuple(
                _node_attribute(graph, f"/dec/resblocks.{j}/{conv_name}.{i}/Conv", "dilations")[0]
                for i in range(count_indices(tensors, rf"^dec\.resblocks\.{j}\.{conv_name}\.(\d+)\.weight$"))
            )
            for j in range(per_stage)
        )
        n_speakers = int(piper.get("num_speakers", 1))
        gin = int(tensors["emb_g.weight"].shape[1]) if "emb_g.weight" in tensors else 0
        sample_rate = int(piper["audio"]["sample_rate"])
        model = ModelConfig(
            num_symbols=int(emb.shape[0]),
            n_speakers=n_speakers,
            spec_channels=AudioConfig().spec_channels,
            inter_channels=int(tensors["enc_p.proj.weight"].shape[0] // 2),
            hidden_channels=int(hidden),
            filter_channels=int(tensors["enc_p.encoder.ffn_layers.0.conv_1.weight"].shape[0]),
            n_heads=int(hidden // tensors["enc_p.encoder.attn_layers.0.emb_rel_k"].shape[2]),
            n_layers=count_indices(tensors, r"^enc_p\.encoder\.attn_layers\.(\d+)\."),
            kernel_size=int(tensors["enc_p.encoder.ffn_layers.0.conv_1.weight"].shape[2]),
            resblock=resblock,
            resblock_kernel_sizes=kernel_sizes,
            resblock_dilation_sizes=dilations,
            upsample_rates=tuple(
                _node_attribute(graph, f"/dec/ups.{i}/ConvTranspose", "strides")[0] for i in range(n_ups)
            ),
            upsample_initial_channel=int(tensors["dec.conv_pre.weight"].shape[0]),
            upsample_kernel_sizes=tuple(int(tensors[f"dec.ups.{i}.weight"].shape[2]) for i in range(n_ups)),
            n_flows=count_indices(tensors, r"^flow\.flows\.(\d+)\.pre\.weight$"),
            flow_n_layers=count_indices(tensors, r"^flow\.flows\.0\.enc\.in_layers\.(\d+)\."),
            flow_kernel_size=int(tensors["flow.flows.0.enc.in_layers.0.weight"].shape[2]),
            gin_channels=gin,
            use_sdp="dp.flows.0.m" in tensors,
        )
    except KeyError as error:
        raise PretrainedFormatError(f"not a Piper VITS voice: tensor {error} not found in the ONNX graph") from None
    inference = piper.get("inference", {})
    return VoiceConfig(
        audio=AudioConfig(sample_rate=sample_rate, hop_length=model.hop_length),
        model=model,
        text=TextConfig(
            language=str((piper.get("language") or {}).get("code", "en_US")),
            phoneme_type=str(piper.get("phoneme_type", "espeak")),
            espeak_voice=str((piper.get("espeak") or {}).get("voice", "en-us")),
        ),
        inference=InferenceConfig(
            noise_scale=float(inference.get("noise_scale", 0.667)),
            length_scale=float(inference.get("length_scale", 1.0)),
            noise_w=float(inference.get("noise_w", 0.8)),
        ),
    )
