"""Fine-tuning strategies: which parts of the generator learn. Each is a set of frozen module prefixes.

* ``full`` — every module trains (pretraining; big data).
* ``timbre`` — the text encoder and duration predictor stay fixed (pronunciation and rhythm are kept), the flow,
  posterior encoder and decoder adapt: the voice changes, the words stay.
* ``freeze-text`` — additionally the flow stays fixed: only the posterior encoder and decoder adapt.
* ``decoder-only`` — only the decoder (vocoder) adapts; the cheapest, for small timbre or channel changes.
* ``lora`` — the base weights stay fixed; low-rank adapters on the attention, WaveNet and decoder convolutions learn
  (``voxtune.train.lora``), merged into the weights when a voice is saved; the small duration predictor trains in
  full, to follow the adapted text encoder.
"""

from __future__ import annotations

from voxtune.config import ConfigError

STRATEGIES: dict[str, tuple[str, ...]] = {
    "full": (),
    "timbre": ("enc_p.", "dp."),
    "freeze-text": ("enc_p.", "dp.", "flow."),
    "decoder-only": ("enc_p.", "dp.", "flow.", "enc_q.", "emb_g."),
    # Every module but the duration predictor; the adapters are added after freezing.
    "lora": ("enc_p.", "flow.", "enc_q.", "dec.", "emb_g."),
}


def frozen_prefixes(strategy: str, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The module prefixes a strategy freezes, plus any given explicitly (``train.freeze``)."""
    if strategy not in STRATEGIES:
        raise ConfigError(f"unknown strategy {strategy!r}; choose one of: {', '.join(STRATEGIES)}")
    return tuple(dict.fromkeys(STRATEGIES[strategy] + extra))
