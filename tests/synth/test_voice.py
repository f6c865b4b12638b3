import logging
from pathlib import Path

import numpy as np
import pytest

from voxtune.pretrained.voices import UnknownVoiceError, installed_voices, resolve_voice_path
from voxtune.synth.backends import Scales
from voxtune.synth.sentences import split_long_sentence
from voxtune.synth.voice import EmptyTextError, load_voice

DETERMINISTIC = Scales(noise_scale=0.0, length_scale=1.0, noise_w=0.0)


def test_tiny_voice_speaks_each_sentence(tiny_voice_path: Path) -> None:
    voice = load_voice(tiny_voice_path)
    assert voice.backend.name == "torch"
    sentences = list(voice.sentences("Hello there. How are you?", normalize=False, scales=DETERMINISTIC))
    assert len(sentences) == 2
    for sentence in sentences:
        assert sentence.ids[0] == 1 and sentence.ids[-1] == 2
        assert sentence.durations is not None and len(sentence.durations) == len(sentence.ids)
        hop = voice.config.audio.hop_length
        assert len(sentence.audio) == int(sentence.durations.sum()) * hop
    whole = voice.synthesize("Hello there. How are you?", normalize=False, scales=DETERMINISTIC, sentence_silence=0.5)
    gap = int(0.5 * voice.sample_rate)
    assert len(whole) == sum(len(s.audio) for s in sentences) + gap
    assert whole.dtype == np.float32


def test_empty_and_unspeakable_text(tiny_voice_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    voice = load_voice(tiny_voice_path)
    for text in ("", "   \n"):
        with pytest.raises(EmptyTextError):
            voice.synthesize(text, normalize=False)
    with pytest.raises(EmptyTextError):
        voice.synthesize("😀 你好", normalize=False)
    with caplog.at_level(logging.WARNING):
        audio = voice.synthesize("Hi 😀 there", normalize=False, scales=DETERMINISTIC)
    assert len(audio) > 0
    assert "😀" in caplog.text


def test_long_run_on_text_is_split_into_bounded_pieces(tiny_voice_path: Path) -> None:
    voice = load_voice(tiny_voice_path)
    text = " ".join(["word"] * 400)
    pieces = list(voice.sentences(text, normalize=False, scales=DETERMINISTIC))
    assert len(pieces) > 1
    assert all(len(p.phonemes) <= 400 for p in pieces)


def test_split_long_sentence_prefers_word_boundaries() -> None:
    phonemes = list("ab cd ef gh")
    pieces = split_long_sentence(phonemes, max_phonemes=5)
    assert ["".join(p) for p in pieces] == ["ab ", "cd ", "ef gh"]
    assert split_long_sentence(list("abcdefgh"), max_phonemes=3) == [list("abc"), list("def"), list("gh")]


def test_speaker_checks(tiny_voice_path: Path) -> None:
    voice = load_voice(tiny_voice_path)
    with pytest.raises(ValueError, match="single speaker"):
        voice.speaker_id("alice")


def test_unknown_voice_lists_installed_ones() -> None:
    assert "joe" in installed_voices()
    with pytest.raises(UnknownVoiceError, match="joe"):
        resolve_voice_path("nobody-voice")
    with pytest.raises(ValueError, match="unknown backend"):
        load_voice("joe", backend="tpu")


def test_onnx_backend_needs_an_onnx_voice(tiny_voice_path: Path) -> None:
    with pytest.raises(ValueError, match=r"needs an \.onnx voice"):
        load_voice(tiny_voice_path, backend="onnx")
