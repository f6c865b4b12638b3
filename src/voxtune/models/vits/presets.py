"""Named model sizes: the only home of architecture numbers.

Piper's qualities: ``x_low`` (16 kHz, narrow), ``low`` (16 kHz), ``medium`` (22.05 kHz, resblock "2" decoder),
``high`` (22.05 kHz, resblock "1" decoder with 512 initial channels). Original VITS: ``ljs_base`` and
``vctk_base`` (multi-speaker, 109 speakers).
"""

from __future__ import annotations

import dataclasses

from voxtune.config import AudioConfig, ModelConfig, VoiceConfig

_SMALL_DECODER = {
    "resblock": "2",
    "resblock_kernel_sizes": (3, 5, 7),
    "resblock_dilation_sizes": ((1, 2), (2, 6), (3, 12)),
    "upsample_rates": (8, 8, 4),
    "upsample_initial_channel": 256,
    "upsample_kernel_sizes": (16, 16, 8),
}
_LARGE_DECODER = {
    "resblock": "1",
    "resblock_kernel_sizes": (3, 7, 11),
    "resblock_dilation_sizes": ((1, 3, 5), (1, 3, 5), (1, 3, 5)),
    "upsample_rates": (8, 8, 2, 2),
    "upsample_initial_channel": 512,
    "upsample_kernel_sizes": (16, 16, 4, 4),
}

_PRESETS: dict[str, tuple[int, dict[str, object]]] = {
    "x_low": (16000, {"inter_channels": 96, "hidden_channels": 96, "filter_channels": 384, **_SMALL_DECODER}),
    "low": (16000, dict(_SMALL_DECODER)),
    "medium": (22050, dict(_SMALL_DECODER)),
    "high": (22050, dict(_LARGE_DECODER)),
    "ljs_base": (22050, {**_LARGE_DECODER, "num_symbols": 178}),
    "vctk_base": (22050, {**_LARGE_DECODER, "num_symbols": 178, "n_speakers": 109, "gin_channels": 256}),
}

PRESET_NAMES = tuple(_PRESETS)


def preset(name: str, **overrides: object) -> VoiceConfig:
    """The :class:`VoiceConfig` of a named preset, with optional model field overrides (e.g. ``num_symbols``)."""
    if name not in _PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of: {', '.join(PRESET_NAMES)}")
    sample_rate, fields = _PRESETS[name]
    audio = AudioConfig(sample_rate=sample_rate)
    model = ModelConfig(spec_channels=audio.spec_channels, **{**fields, **overrides})  # type: ignore[arg-type]
    return VoiceConfig(audio=audio, model=model)


def tiny(**overrides: object) -> VoiceConfig:
    """A model small enough (widths 4-16) to build and run in milliseconds; for tests and smoke runs."""
    audio = AudioConfig(sample_rate=8000, filter_length=64, hop_length=16, win_length=64, n_mels=8)
    fields: dict[str, object] = {
        "num_symbols": 12,
        "spec_channels": audio.spec_channels,
        "inter_channels": 8,
        "hidden_channels": 8,
        "filter_channels": 16,
        "n_heads": 2,
        "n_layers": 2,
        "resblock": "2",
        "resblock_kernel_sizes": (3,),
        "resblock_dilation_sizes": ((1, 2),),
        "upsample_rates": (4, 4),
        "upsample_initial_channel": 16,
        "upsample_kernel_sizes": (8, 8),
        "posterior_n_layers": 2,
        "flow_n_layers": 2,
        "n_flows": 2,
        "dp_filter_channels": 8,
        "segment_size": 128,
    }
    fields.update(overrides)
    return VoiceConfig(audio=audio, model=dataclasses.replace(ModelConfig(), **fields))  # type: ignore[arg-type]
