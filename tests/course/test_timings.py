import numpy as np
import pytest

from voxtune.course.timings import TimedPhoneme, align_words, phoneme_id_spans, timed_phonemes, webvtt
from voxtune.text.symbols import phonemes_to_ids, vits_phonemes_to_ids

MAP = {"_": [0], "^": [1], "$": [2], " ": [3], "a": [4], "b": [5], "c": [6], ",": [7]}


def test_spans_in_piper_layout_cover_each_phoneme_but_not_its_pad() -> None:
    phonemes = ["a", " ", "b", "x", "c"]  # "x" is not in the map: it gets no ids
    ids = phonemes_to_ids(phonemes, MAP)[0]
    spans = phoneme_id_spans(phonemes, lambda p: phonemes_to_ids(p, MAP)[0], MAP)
    assert spans == [(2, 3), (4, 5), (6, 7), (8, 8), (8, 9)]
    assert [ids[a] for a, b in spans if b > a] == [4, 3, 5, 6]
    assert ids[spans[-1][1] :] == [0, 2]  # the last pad and EOS after the last span


@pytest.mark.parametrize("add_blank", [True, False])
def test_spans_in_vits_layout(add_blank: bool) -> None:
    phonemes = ["a", "b", "c"]
    spans = phoneme_id_spans(phonemes, lambda p: vits_phonemes_to_ids(p, MAP, add_blank)[0], MAP)
    assert spans == ([(1, 2), (3, 4), (5, 6)] if add_blank else [(0, 1), (1, 2), (2, 3)])


def test_times_follow_the_durations() -> None:
    spans = [(2, 4), (4, 6)]
    times = timed_phonemes(["a", "b"], spans, np.array([3, 1, 2, 2, 4, 0, 5]), 0.01)
    assert times == [TimedPhoneme("a", 0.04, 0.08), TimedPhoneme("b", 0.08, 0.12)]


def spoken(symbols: str, step: float = 0.1) -> list[TimedPhoneme]:
    return [TimedPhoneme(s, round(i * step, 3), round((i + 1) * step, 3)) for i, s in enumerate(symbols)]


def test_words_align_even_where_the_sentence_joins_or_splits_them() -> None:
    # Said as one stream "ab c abc" but the display words phonemize as "a", "b c", "abc": no 1:1 space mapping.
    timings = align_words(["one", "two", "three"], [["a"], ["b", " ", "c"], ["a", "b", "c"]], spoken("ab c abc"))
    assert [(t.word, t.start, t.end) for t in timings] == [("one", 0.0, 0.1), ("two", 0.1, 0.4), ("three", 0.5, 0.8)]


def test_a_word_that_matched_nothing_gets_the_gap_and_times_never_go_back() -> None:
    timings = align_words(["a", "??", "c"], [["a"], ["x"], ["c"]], spoken("a  c"))
    assert [(t.start, t.end) for t in timings] == [(0.0, 0.1), (0.1, 0.3), (0.3, 0.4)]
    starts = [t.start for t in timings]
    assert starts == sorted(starts)


def test_webvtt_has_one_cue_per_segment_with_word_times() -> None:
    segments = [{"start": 0.0, "end": 1.5, "role": "Anna"}, {"start": 2.0, "end": 3.25, "role": None}]
    words = [
        {"word": "Hi", "start": 0.1, "end": 0.4, "segment": 0},
        {"word": "<you>", "start": 0.5, "end": 1.4, "segment": 0},
        {"word": "Bye.", "start": 2.1, "end": 3.0, "segment": 1},
    ]
    text = webvtt(segments, words)
    assert text.startswith("WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.500\n<v Anna> Hi <00:00:00.500>&lt;you&gt;\n")
    assert "2\n00:00:02.000 --> 00:00:03.250\nBye.\n" in text
