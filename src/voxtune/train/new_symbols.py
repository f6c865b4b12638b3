"""Phoneme-map extension for cross-language transfer: symbols the base voice never saw get new ids.

``voxtune prepare --voice BASE`` maps phonemes through the base voice's map and records those it lacks
(``missing_phonemes``), leaving them out of ``phoneme_ids``. With ``extend_phonemes`` the training run instead
gives each such symbol of the train split the next free id, re-derives every item's ids from its phonemes, and
widens the text encoder's embedding table when the ids outgrow it. A new symbol's embedding starts from its
nearest known one — the same letter without diacritics (``ɐ̃`` → ``ɐ``, ``ř`` → ``r``) — or else the mean of
all known embeddings, so it starts as a plausible sound rather than noise.
"""

from __future__ import annotations

import dataclasses
import unicodedata

import torch

from voxtune.data.loader import TrainItem
from voxtune.pretrained.checkpoint import VoiceCheckpoint
from voxtune.text.symbols import phonemes_to_ids

EMBEDDING = "enc_p.emb.weight"


def nearest_known(symbol: str, id_map: dict[str, list[int]]) -> str | None:
    """The symbol with its combining marks removed, when the map knows it."""
    stripped = "".join(c for c in unicodedata.normalize("NFD", symbol) if not unicodedata.combining(c))
    return stripped if stripped and stripped != symbol and stripped in id_map else None


def extend_phonemes(
    base: VoiceCheckpoint,
    train_items: list[TrainItem],
    other_items: list[TrainItem],
) -> tuple[VoiceCheckpoint, list[TrainItem], list[TrainItem], list[str]]:
    """``base`` with the train split's unknown symbols added, the items re-mapped, and the symbols added."""
    new = sorted({p for item in train_items for p in item.missing_phonemes} - set(base.phoneme_id_map))
    if not new:
        return base, list(train_items), list(other_items), []
    id_map = {symbol: list(ids) for symbol, ids in base.phoneme_id_map.items()}
    next_id = 1 + max(i for ids in id_map.values() for i in ids)
    for offset, symbol in enumerate(new):
        id_map[symbol] = [next_id + offset]
    size = max(base.config.model.num_symbols, next_id + len(new))
    old = base.model[EMBEDDING]
    table = torch.cat([old, old.new_zeros(size - old.size(0), old.size(1))]) if size > old.size(0) else old.clone()
    mean = old[sorted({i for ids in base.phoneme_id_map.values() for i in ids})].mean(0)
    for symbol in new:
        known = nearest_known(symbol, id_map)
        table[id_map[symbol][0]] = old[base.phoneme_id_map[known][0]] if known else mean
    model_config = dataclasses.replace(base.config.model, num_symbols=size)
    extended = dataclasses.replace(
        base,
        config=dataclasses.replace(base.config, model=model_config),
        phoneme_id_map=id_map,
        model={**base.model, EMBEDDING: table},
    )
    return extended, _remap(train_items, id_map), _remap(other_items, id_map), new


def _remap(items: list[TrainItem], id_map: dict[str, list[int]]) -> list[TrainItem]:
    remapped = []
    for item in items:
        ids: list[int] = []
        missing: list[str] = []
        for sentence in item.phonemes:
            sentence_ids, sentence_missing = phonemes_to_ids(list(sentence), id_map)
            ids.extend(sentence_ids)
            missing.extend(sentence_missing)
        remapped.append(dataclasses.replace(item, ids=tuple(ids), missing_phonemes=tuple(sorted(set(missing)))))
    return remapped
