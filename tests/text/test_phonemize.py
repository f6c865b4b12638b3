import pytest

from voxtune.text.phonemize import EspeakPhonemizer, strip_unspeakable
from voxtune.text.symbols import phonemes_to_ids, vits_phonemes_to_ids, vits_symbol_map


def test_phonemes_match_piper_exactly() -> None:
    from piper.phonemize_espeak import EspeakPhonemizer as PiperEspeak

    text = "Hello, world! It's 5 o'clock; shall we go? Yes."
    assert EspeakPhonemizer("en-us").phonemize(text) == PiperEspeak().phonemize("en-us", text)


@pytest.mark.parametrize(
    ("text", "language", "kept", "dropped"),
    [
        ("Hi 😀!", "en_US", "Hi  !", ["😀"]),
        ("Tea 你好", "en-us", "Tea   ", ["你", "好"]),
        ("Café naïve", "en_US", "Café naïve", []),
        ("你好", "zh", "你好", []),
        ("$5 + 3% = €", "en_US", "$5 + 3% = €", []),
    ],
)
def test_strip_unspeakable(text: str, language: str, kept: str, dropped: list[str]) -> None:
    assert strip_unspeakable(text, language) == (kept, dropped)


def test_piper_id_layout() -> None:
    id_map = {"_": [0], "^": [1], "$": [2], "a": [14], "b": [15]}
    ids, missing = phonemes_to_ids(["a", "x", "b"], id_map)
    assert ids == [1, 0, 14, 0, 15, 0, 2]
    assert missing == ["x"]
    with pytest.raises(ValueError, match="required symbol"):
        phonemes_to_ids(["a"], {"a": [1]})


def test_vits_id_layout() -> None:
    id_map = vits_symbol_map()
    ids, missing = vits_phonemes_to_ids(["h", "ə", "?"], id_map)
    assert ids[0::2] == [0, 0, 0, 0]
    assert ids[1::2] == [id_map["h"][0], id_map["ə"][0], id_map["?"][0]]
    assert missing == []
    assert vits_phonemes_to_ids(["h"], id_map, add_blank=False)[0] == id_map["h"]
