import pytest

from voxtune.evaluate.wer import EMPTY_REFERENCE, EMPTY_TRANSCRIPT, corpus_errors, utterance_errors


def test_counts_on_known_strings() -> None:
    errors = utterance_errors("press one to play", "press eggs to play now", normalize=False)
    assert (errors.substitutions, errors.deletions, errors.insertions) == (1, 0, 1)
    assert errors.reference_words == 4
    assert errors.wer == pytest.approx(0.5)
    assert errors.cer == pytest.approx(errors.char_errors / errors.reference_chars)
    assert errors.flags == ()


def test_numbers_and_words_score_equal_after_normalization() -> None:
    errors = utterance_errors("Press 1 to repeat.", "press one to repeat")
    assert errors.wer == 0.0 and errors.cer == 0.0


def test_empty_transcript_is_all_deletions_and_flagged() -> None:
    errors = utterance_errors("thank you", "")
    assert errors.wer == 1.0 and errors.cer == 1.0
    assert errors.flags == (EMPTY_TRANSCRIPT,)


def test_empty_reference_is_flagged_not_divided_by() -> None:
    errors = utterance_errors("...", "hello there")
    assert errors.wer is None and errors.cer is None
    assert errors.insertions == 2 and errors.flags == (EMPTY_REFERENCE,)
    assert utterance_errors("", "").flags == (EMPTY_REFERENCE, EMPTY_TRANSCRIPT)


def test_corpus_rate_pools_counts() -> None:
    short = utterance_errors("yes", "no", normalize=False)  # 1 error / 1 word
    long = utterance_errors("a b c d e f g h i", "a b c d e f g h i", normalize=False)  # 0 / 9
    empty = utterance_errors("", "noise", normalize=False)
    pooled = corpus_errors([short, long, empty])
    assert pooled.wer == pytest.approx(1 / 10)  # a mean of rates would say 0.5
    assert pooled.utterances == 2 and pooled.reference_words == 10 and pooled.word_errors == 1
    assert corpus_errors([]).wer is None
