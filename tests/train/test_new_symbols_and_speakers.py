import dataclasses
import json
from pathlib import Path

import pytest
import torch

from voxtune.config import TrainConfig
from voxtune.data.loader import TrainItem
from voxtune.models.vits.model import VITS
from voxtune.pretrained.checkpoint import VoiceCheckpoint, load_checkpoint
from voxtune.train.loop import train
from voxtune.train.new_speakers import add_speakers
from voxtune.train.new_symbols import extend_phonemes, nearest_known


def item(phonemes: str, missing: str = "", speaker: str = "s") -> TrainItem:
    return TrainItem(
        id=phonemes,
        audio_path=Path("x.flac"),
        ids=(1, 0, 2),
        frames=40,
        speaker=speaker,
        phonemes=(phonemes,),
        missing_phonemes=tuple(missing),
    )


def test_new_symbols_get_ids_and_start_from_their_nearest_known_symbol(base_voice: VoiceCheckpoint) -> None:
    accented, foreign = "á", "ʁ"  # "a" without its accent is known; "ʁ" has no known neighbour
    assert nearest_known(accented, base_voice.phoneme_id_map) == "a"
    assert nearest_known(foreign, base_voice.phoneme_id_map) is None
    train_items = [item("ab" + accented, accented), item("c" + foreign, foreign)]
    dev_items = [item(accented + "d", accented)]
    extended, train_out, dev_out, added = extend_phonemes(base_voice, train_items, dev_items)
    assert added == sorted([accented, foreign])
    id_map = extended.phoneme_id_map
    assert [id_map[s] for s in added] == [[12], [13]]  # the tiny base uses ids 0-11
    assert extended.config.model.num_symbols == 14
    table = extended.model["enc_p.emb.weight"]
    assert table.shape[0] == 14
    assert torch.equal(table[id_map[accented][0]], base_voice.model["enc_p.emb.weight"][id_map["a"][0]])
    assert torch.allclose(table[id_map[foreign][0]], base_voice.model["enc_p.emb.weight"][:12].mean(0))
    # Pad/BOS/EOS layout as Piper: ^ _ a _ b _ á _ $
    assert train_out[0].ids == (1, 0, 3, 0, 4, 0, 12, 0, 2)
    assert dev_out[0].ids == (1, 0, 12, 0, 6, 0, 2) and dev_out[0].missing_phonemes == ()
    VITS(extended.config.model).load_state_dict(extended.model)  # the widened table fits the model


def test_nothing_new_leaves_the_base_alone(base_voice: VoiceCheckpoint) -> None:
    same, _, _, added = extend_phonemes(base_voice, [item("ab")], [])
    assert same is base_voice and added == []


@pytest.fixture
def multi_speaker_base(base_voice: VoiceCheckpoint) -> VoiceCheckpoint:
    torch.manual_seed(1)
    model_config = dataclasses.replace(base_voice.config.model, n_speakers=2, gin_channels=4)
    config = dataclasses.replace(base_voice.config, model=model_config)
    return dataclasses.replace(
        base_voice, config=config, model=VITS(model_config).state_dict(), speaker_id_map={"s": 0, "t": 1}
    )


def test_unknown_speakers_get_new_embedding_rows(multi_speaker_base: VoiceCheckpoint) -> None:
    items = [item("ab", speaker="t"), item("cd", speaker="allison")]
    extended, train_out, _, added = add_speakers(multi_speaker_base, items, [item("e", speaker="allison")])
    assert added == ["allison"]
    assert extended.speaker_id_map == {"s": 0, "t": 1, "allison": 2}
    assert [i.speaker_id for i in train_out] == [1, 2]
    table = extended.model["emb_g.weight"]
    assert table.shape == (3, 4)
    assert torch.allclose(table[2], multi_speaker_base.model["emb_g.weight"].mean(0))
    VITS(extended.config.model).load_state_dict(extended.model)


def test_single_speaker_base_keeps_one_voice(base_voice: VoiceCheckpoint) -> None:
    same, _, _, added = add_speakers(base_voice, [item("ab", speaker="x")], [])
    assert same is base_voice and added == []


def with_missing_phoneme(dataset: Path) -> Path:
    """Rewrite the tiny dataset so every clip also says "á", which the tiny base lacks."""
    manifest = dataset / "manifest.jsonl"
    records = [json.loads(line) for line in manifest.read_text().splitlines()]
    for record in records:
        record["phonemes"] = ["abá"]
        record["missing_phonemes"] = ["á"]
    manifest.write_text("".join(json.dumps(r) + "\n" for r in records))
    return dataset


def test_training_run_extends_the_map_and_adds_the_speaker(
    tmp_path: Path, dataset: Path, multi_speaker_base: VoiceCheckpoint
) -> None:
    config = TrainConfig(
        output_dir=str(tmp_path / "run"),
        max_steps=2,
        per_device_train_batch_size=2,
        save_steps=2,
        eval_steps=2,
        extend_phonemes=True,
    )
    train(multi_speaker_base, with_missing_phoneme(dataset), config, progress=False)
    voice = load_checkpoint(tmp_path / "run" / "best.pt")
    assert voice.phoneme_id_map["á"] == [12] and voice.config.model.num_symbols == 13
    assert voice.speaker_id_map == {"s": 0, "t": 1} and voice.config.model.n_speakers == 2  # "s" is known
    VITS(voice.config.model).load_state_dict(voice.model)
