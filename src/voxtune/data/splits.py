"""Deterministic train/dev split of the kept items that the corpus did not assign a split itself.

Per speaker, the items whose id hashes lowest go to dev: no random state, the same split on every machine, and
adding items to a corpus moves few existing ones (an item's rank depends on its own id only).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from voxtune.data.items import ItemResult

# Below this many items a speaker keeps all of them for training rather than losing one to dev.
_MIN_ITEMS_FOR_DEV = 4


def assign_splits(results: list[ItemResult], dev_fraction: float) -> None:
    """Set ``entry["split"]`` of every kept result: its given split, else ``train`` or ``dev`` by id hash."""
    unassigned: dict[str, list[ItemResult]] = defaultdict(list)
    for result in results:
        if result.entry is None:
            continue
        if result.given_split:
            result.entry["split"] = result.given_split
        else:
            unassigned[result.speaker].append(result)
    for speaker, group in unassigned.items():
        n_dev = round(len(group) * dev_fraction) if len(group) >= _MIN_ITEMS_FOR_DEV else 0
        if dev_fraction > 0 and len(group) >= _MIN_ITEMS_FOR_DEV:
            n_dev = max(1, n_dev)
        ranked = sorted(group, key=lambda r: hashlib.sha1(f"{speaker}\0{r.id}".encode()).hexdigest())
        for rank, result in enumerate(ranked):
            assert result.entry is not None
            result.entry["split"] = "dev" if rank < n_dev else "train"
