from pathlib import Path

import pytest

from voxtune.config import (
    ConfigError,
    ModelConfig,
    TrainConfig,
    VoiceConfig,
    apply_overrides,
    from_dict,
    load_config_file,
    to_dict,
)
from voxtune.train.api import train_config


def test_round_trip_through_plain_data() -> None:
    config = VoiceConfig()
    assert from_dict(VoiceConfig, to_dict(config)) == config


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"model": {"hiden_channels": 3}}, "unknown config key model.'hiden_channels'"),
        ({"model": {"hidden_channels": "wide"}}, "model.hidden_channels must be int"),
        ({"model": {"upsample_rates": 8}}, "model.upsample_rates must be a list"),
        ({"audio": 5}, "audio must be a mapping"),
        ({"model": {"resblock": "3"}}, "resblock"),
    ],
)
def test_bad_configs_raise_one_clear_error(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        from_dict(VoiceConfig, data)


def test_lists_become_tuples_and_ints_become_floats() -> None:
    config = from_dict(ModelConfig, {"resblock_dilation_sizes": [[1, 2], [3, 4]], "p_dropout": 0})
    assert config.resblock_dilation_sizes == ((1, 2), (3, 4))
    assert isinstance(config.p_dropout, float)


def test_dotted_overrides() -> None:
    patched = apply_overrides({"train": {"max_steps": 5}}, ["train.max_steps=10", "train.freeze=[enc_p, dp]"])
    assert patched == {"train": {"max_steps": 10, "freeze": ["enc_p", "dp"]}}
    with pytest.raises(ConfigError, match=r"section\.key=value"):
        apply_overrides({}, ["max_steps"])


def test_train_config_layers_file_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text("train:\n  learning_rate: 1.0e-4\n  max_steps: 50\n", encoding="utf-8")
    config = train_config(tmp_path / "run", path, ["max_steps=70", "train.seed=3"])
    assert (config.learning_rate, config.max_steps, config.seed) == (1e-4, 70, 3)
    assert train_config(tmp_path, None, ["learning_rate=1e-4"]).learning_rate == 1e-4
    assert config.output_dir == str(tmp_path / "run")
    with pytest.raises(ConfigError, match="unknown config key"):
        train_config(tmp_path, None, ["learning_rat=1"])
    with pytest.raises(ConfigError, match="lr_scheduler_type"):
        train_config(tmp_path, None, ["lr_scheduler_type=linear"])
    path.write_text("trian:\n  x: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown section"):
        train_config(tmp_path, path)


def test_config_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config_file(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("train: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot parse"):
        load_config_file(bad)


def test_train_config_validation() -> None:
    with pytest.raises(ConfigError):
        TrainConfig(max_steps=0, num_train_epochs=0)
    with pytest.raises(ConfigError):
        TrainConfig(mixed_precision="int8")
