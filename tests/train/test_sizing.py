import pytest

from voxtune.train.sizing import suggest


def test_more_data_suggests_more_steps_within_bounds() -> None:
    small, medium, large, huge = suggest(2), suggest(16), suggest(30), suggest(600)
    assert small.max_steps == 300 and huge.max_steps == 5000
    assert small.max_steps < medium.max_steps < large.max_steps
    assert medium.max_steps == 1600 and medium.eval_steps == 160
    assert small.learning_rate < medium.learning_rate
    assert "16.0 min" in medium.describe() and "max_steps=1600" in medium.describe()


def test_no_audio_is_an_error() -> None:
    with pytest.raises(ValueError, match="no audio"):
        suggest(0)
