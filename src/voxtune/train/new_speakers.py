"""New speakers for a multi-speaker base: the dataset's speakers are matched to the base's by name, and each
unknown one gets a new row of the speaker embedding table (``emb_g``), started at the mean of the known rows.

A single-speaker base has no table: its dataset's speakers all train the one voice.
"""

from __future__ import annotations

import dataclasses

import torch

from voxtune.data.loader import TrainItem
from voxtune.pretrained.checkpoint import VoiceCheckpoint

EMBEDDING = "emb_g.weight"


def add_speakers(
    base: VoiceCheckpoint,
    train_items: list[TrainItem],
    other_items: list[TrainItem],
) -> tuple[VoiceCheckpoint, list[TrainItem], list[TrainItem], list[str]]:
    """``base`` with the dataset's unknown speakers added, the items' speaker ids set by name, and the new names."""
    if base.config.model.n_speakers <= 1:
        return base, list(train_items), list(other_items), []
    speaker_map = dict(base.speaker_id_map)
    new = [name for name in dict.fromkeys(i.speaker for i in [*train_items, *other_items]) if name not in speaker_map]
    if new:
        old = base.model[EMBEDDING]
        first = old.size(0)
        for offset, name in enumerate(new):
            speaker_map[name] = first + offset
        table = torch.cat([old, old.mean(0, keepdim=True).expand(len(new), -1)])
        model_config = dataclasses.replace(base.config.model, n_speakers=first + len(new))
        base = dataclasses.replace(
            base,
            config=dataclasses.replace(base.config, model=model_config),
            speaker_id_map=speaker_map,
            model={**base.model, EMBEDDING: table},
        )

    def by_name(items: list[TrainItem]) -> list[TrainItem]:
        return [dataclasses.replace(i, speaker_id=speaker_map[i.speaker]) for i in items]

    return base, by_name(train_items), by_name(other_items), new
