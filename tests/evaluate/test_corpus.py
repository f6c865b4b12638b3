from pathlib import Path

import numpy as np
import pytest
from eval_signals import ALLISON

from voxtune.audio.io import save_audio
from voxtune.errors import VoxtuneError
from voxtune.evaluate.corpus import CorpusError, load_corpus


def make_corpus(root: Path) -> Path:
    (root / "wavs").mkdir(parents=True)
    (root / "metadata.csv").write_text("a|Press 1.\nb|Thank you.|thank you\n\nc|Missing audio.\n")
    (root / "dev.txt").write_text("b\nc\n")
    save_audio(root / "wavs" / "a.flac", np.zeros(1600, np.float32), 16000)
    save_audio(root / "wavs" / "b.wav", np.zeros(1600, np.float32), 22050)
    return root


def test_reads_items_and_splits(tmp_path: Path) -> None:
    root = make_corpus(tmp_path / "corpus")
    items = load_corpus(root)
    assert [(i.id, i.text) for i in items] == [("a", "Press 1."), ("b", "Thank you."), ("c", "Missing audio.")]
    assert items[0].audio == root / "wavs" / "a.flac" and items[1].audio == root / "wavs" / "b.wav"
    assert items[2].audio is None
    assert [i.id for i in load_corpus(root, "dev")] == ["b", "c"]


def test_bad_corpora_raise_one_line_user_errors(tmp_path: Path) -> None:
    root = make_corpus(tmp_path / "corpus")
    with pytest.raises(CorpusError, match=r"no split file test\.txt"):
        load_corpus(root, "test")
    (root / "dev.txt").write_text("zzz\n")
    with pytest.raises(VoxtuneError, match=r"ids not in metadata\.csv: zzz"):
        load_corpus(root, "dev")
    with pytest.raises(CorpusError, match=r"no metadata\.csv"):
        load_corpus(tmp_path)


@pytest.mark.skipif(not ALLISON.is_dir(), reason="shared Allison corpus not present")
def test_allison_dev_split() -> None:
    items = load_corpus(ALLISON, "dev")
    assert len(items) == 48 and all(item.audio is not None for item in items)
