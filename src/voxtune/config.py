"""Typed, frozen configuration: audio, model, text and inference settings of a voice.

Every config is a frozen dataclass built with :func:`from_dict`, which rejects unknown keys (a typo in a
config file must never be silently ignored) and converts lists to tuples. Files are YAML or JSON;
dotted overrides such as ``"model.hidden_channels=96"`` patch a nested dict before it is typed.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml

from voxtune.errors import VoxtuneError


class ConfigError(VoxtuneError):
    """A config file, key or value that cannot be used; the message is one line for the user."""


@dataclasses.dataclass(frozen=True)
class AudioConfig:
    """How waveforms become spectrograms. Defaults are Piper's (22.05 kHz, hop 256)."""

    sample_rate: int = 22050
    filter_length: int = 1024
    hop_length: int = 256
    win_length: int = 1024
    n_mels: int = 80
    mel_fmin: float = 0.0
    mel_fmax: float | None = None

    @property
    def spec_channels(self) -> int:
        """Number of linear-spectrogram bins, ``filter_length // 2 + 1``."""
        return self.filter_length // 2 + 1


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Hyperparameters of the VITS generator (names as in original VITS / Piper)."""

    num_symbols: int = 256
    n_speakers: int = 1
    spec_channels: int = 513
    inter_channels: int = 192
    hidden_channels: int = 192
    filter_channels: int = 768
    n_heads: int = 2
    n_layers: int = 6
    kernel_size: int = 3
    p_dropout: float = 0.1
    resblock: str = "2"
    resblock_kernel_sizes: tuple[int, ...] = (3, 5, 7)
    resblock_dilation_sizes: tuple[tuple[int, ...], ...] = ((1, 2), (2, 6), (3, 12))
    upsample_rates: tuple[int, ...] = (8, 8, 4)
    upsample_initial_channel: int = 256
    upsample_kernel_sizes: tuple[int, ...] = (16, 16, 8)
    posterior_n_layers: int = 16
    posterior_kernel_size: int = 5
    n_flows: int = 4
    flow_n_layers: int = 4
    flow_kernel_size: int = 5
    gin_channels: int = 0
    use_sdp: bool = True
    dp_filter_channels: int = 256
    segment_size: int = 8192

    def __post_init__(self) -> None:
        if self.resblock not in ("1", "2"):
            raise ConfigError(f"model.resblock must be '1' or '2', got {self.resblock!r}")
        if self.n_speakers > 1 and self.gin_channels <= 0:
            raise ConfigError("model.gin_channels must be > 0 for a multi-speaker model")
        if self.hidden_channels % self.n_heads:
            raise ConfigError("model.hidden_channels must be divisible by model.n_heads")

    @property
    def hop_length(self) -> int:
        """Samples per latent frame: the product of the decoder's upsampling rates."""
        product = 1
        for rate in self.upsample_rates:
            product *= rate
        return product


@dataclasses.dataclass(frozen=True)
class TextConfig:
    """How text becomes phonemes for this voice."""

    language: str = "en_US"
    phoneme_type: str = "espeak"
    espeak_voice: str = "en-us"
    # "piper": [bos, pad, p1, pad, ..., eos]; "vits": original VITS, a blank (id 0) between symbols if add_blank.
    id_layout: str = "piper"
    add_blank: bool = True

    def __post_init__(self) -> None:
        if self.id_layout not in ("piper", "vits"):
            raise ConfigError(f"text.id_layout must be 'piper' or 'vits', got {self.id_layout!r}")


@dataclasses.dataclass(frozen=True)
class InferenceConfig:
    """Default sampling scales (Piper's names and defaults)."""

    noise_scale: float = 0.667
    length_scale: float = 1.0
    noise_w: float = 0.8


@dataclasses.dataclass(frozen=True)
class VoiceConfig:
    """Everything needed to rebuild and drive a voice, stored inside every checkpoint."""

    audio: AudioConfig = dataclasses.field(default_factory=AudioConfig)
    model: ModelConfig = dataclasses.field(default_factory=ModelConfig)
    text: TextConfig = dataclasses.field(default_factory=TextConfig)
    inference: InferenceConfig = dataclasses.field(default_factory=InferenceConfig)


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """How a run trains. Field names follow the Hugging Face ``TrainingArguments`` vocabulary where they fit.

    A "step" is one optimizer update of generator and discriminator (``gradient_accumulation_steps`` batches).
    """

    output_dir: str = "runs/voice"
    max_steps: int = 1000
    num_train_epochs: int = 0  # used only when max_steps <= 0
    per_device_train_batch_size: int = 8
    # Padded spectrogram frames per batch (batch size x longest item); 0 = no budget. Long items get small
    # batches instead of running out of memory.
    max_frames_per_batch: int = 0
    gradient_accumulation_steps: int = 1
    learning_rate: float = 2e-4
    discriminator_learning_rate: float = 0.0  # 0 = same as learning_rate
    adam_beta1: float = 0.8
    adam_beta2: float = 0.99
    adam_epsilon: float = 1e-9
    weight_decay: float = 0.01
    lr_scheduler_type: str = "exponential"  # exponential (VITS: lr_decay per epoch) | cosine | constant
    lr_decay: float = 0.999875
    warmup_steps: int = 0
    max_grad_norm: float = 0.0  # 0 = no clipping
    c_mel: float = 45.0
    c_kl: float = 1.0
    # Which generator parts learn (see voxtune.train.strategies), extra frozen module prefixes, and per-prefix
    # learning-rate multipliers.
    strategy: str = "full"
    freeze: tuple[str, ...] = ()
    lr_multipliers: tuple[tuple[str, float], ...] = ()
    # strategy=lora: rank and scale (alpha / rank) of the adapters on attention and WaveNet convolutions.
    lora_rank: int = 8
    lora_alpha: float = 16.0
    # Give phonemes the base voice lacks (the manifest's missing_phonemes) new ids instead of dropping them
    # (cross-language transfer; see voxtune.train.new_symbols).
    extend_phonemes: bool = False
    # A train split up to this many minutes long is decoded once and kept in memory (0 = never).
    dataset_cache_minutes: float = 60.0
    # Train only the discriminator for this many steps first; -1 = automatic (0 when the base voice brought a
    # trained discriminator, 50 when a fresh one had to be made).
    discriminator_warmup_steps: int = -1
    save_steps: int = 500
    save_total_limit: int = 2
    save_best_total_limit: int = 1
    eval_steps: int = 200
    eval_max_items: int = 16
    eval_asr: str = ""  # ASR spec for WER during evaluation; "" = mel distance only
    eval_wer_steps: int = 0  # 0 = with every evaluation when eval_asr is set
    # Speaker similarity (resemblyzer) of free synthesis to the dev recordings, on eval_wer_steps' schedule.
    eval_speaker: bool = False
    early_stopping_patience: int = 0  # evaluations without improvement before stopping; 0 = never
    # At the end, set best.pt's sampling noise (noise_scale, noise_w) to the candidate with the lowest dev WER
    # (voxtune.train.scales); needs eval_asr.
    tune_scales: bool = False
    logging_steps: int = 10
    seed: int = 1234
    mixed_precision: str = "no"  # no | bf16 | fp16
    max_consecutive_nonfinite: int = 10

    def __post_init__(self) -> None:
        if self.lr_scheduler_type not in ("exponential", "cosine", "constant"):
            raise ConfigError(
                f"train.lr_scheduler_type must be exponential, cosine or constant, got {self.lr_scheduler_type!r}"
            )
        if self.mixed_precision not in ("no", "bf16", "fp16"):
            raise ConfigError(f"train.mixed_precision must be no, bf16 or fp16, got {self.mixed_precision!r}")
        if self.tune_scales and not self.eval_asr:
            raise ConfigError("train.tune_scales needs train.eval_asr (the WER decides), e.g. eval_asr=whisper:DIR")
        if self.max_steps <= 0 and self.num_train_epochs <= 0:
            raise ConfigError("set train.max_steps or train.num_train_epochs to a positive number")
        if self.per_device_train_batch_size < 1 or self.gradient_accumulation_steps < 1:
            raise ConfigError("train.per_device_train_batch_size and gradient_accumulation_steps must be >= 1")


T = TypeVar("T")


def from_dict(cls: type[T], data: Mapping[str, Any], where: str = "") -> T:
    """Build dataclass ``cls`` from a plain mapping; unknown keys and wrong types raise :class:`ConfigError`."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where or 'config'} must be a mapping, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - fields)
    if unknown:
        prefix = f"{where}." if where else ""
        raise ConfigError(f"unknown config key {prefix}{unknown[0]!r}; valid keys: {', '.join(sorted(fields))}")
    kwargs = {name: _coerce(hints[name], value, f"{where}.{name}" if where else name) for name, value in data.items()}
    try:
        return cls(**kwargs)
    except TypeError as error:
        raise ConfigError(f"{where or cls.__name__}: {error}") from None


def _coerce(hint: Any, value: Any, where: str) -> Any:
    """Convert a JSON/YAML value to the annotated type (nested dataclasses, tuples, optional numbers)."""
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return from_dict(hint, value, where)
    if origin in (types.UnionType, typing.Union):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if value is None:
            return None
        return _coerce(options[0], value, where)
    if origin is tuple:
        if not isinstance(value, Sequence) or isinstance(value, str):
            raise ConfigError(f"{where} must be a list, got {value!r}")
        item_hint = typing.get_args(hint)[0]
        return tuple(_coerce(item_hint, item, where) for item in value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is float and isinstance(value, str):
        # YAML 1.1 reads "1e-4" (no dot) as a string; accept any numeric spelling.
        try:
            return float(value)
        except ValueError:
            raise ConfigError(f"{where} must be float, got {value!r}") from None
    if hint in (int, float, str, bool) and not isinstance(value, hint):
        raise ConfigError(f"{where} must be {hint.__name__}, got {value!r}")
    if hint is int and isinstance(value, bool):
        raise ConfigError(f"{where} must be int, got {value!r}")
    return value


def to_dict(config: Any) -> dict[str, Any]:
    """A dataclass config as plain JSON-ready data (tuples become lists)."""
    return json.loads(json.dumps(dataclasses.asdict(config)))


def apply_overrides(data: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """Return a copy of ``data`` with ``"a.b.c=value"`` overrides applied; values are parsed as YAML."""
    result = json.loads(json.dumps(data))
    for override in overrides:
        key, sep, raw = override.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"override {override!r} must look like section.key=value")
        node = result
        parts = key.strip().split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"override {override!r}: {part!r} is not a section")
            node = child
        node[parts[-1]] = yaml.safe_load(raw)
    return result


def load_config_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML or JSON config file into a dict; a missing or malformed file raises :class:`ConfigError`."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot parse config file {path}: {str(error).splitlines()[0]}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a mapping at the top level")
    return data
