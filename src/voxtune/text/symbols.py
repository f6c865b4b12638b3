"""Phoneme ↔ id maps in Piper's layout: pad ``_`` = 0, bos ``^`` = 1, eos ``$`` = 2, a pad after every phoneme.

A voice's own ``phoneme_id_map`` always decides the ids; this module only applies it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

PAD = "_"
BOS = "^"
EOS = "$"


def phonemes_to_ids(phonemes: Sequence[str], id_map: Mapping[str, Sequence[int]]) -> tuple[list[int], list[str]]:
    """Phonemes → ids ``[BOS, PAD, p1, PAD, p2, PAD, ..., EOS]``, as Piper builds them.

    Phonemes the map does not know are left out; they are returned (in order, with repeats) so the caller can
    warn about them or, for cross-language transfer, extend the map.
    """
    for required in (PAD, BOS, EOS):
        if required not in id_map:
            raise ValueError(f"phoneme_id_map lacks the required symbol {required!r}")
    pad = list(id_map[PAD])
    ids: list[int] = [*id_map[BOS], *pad]
    missing: list[str] = []
    for phoneme in phonemes:
        if phoneme not in id_map:
            missing.append(phoneme)
            continue
        ids.extend(id_map[phoneme])
        ids.extend(pad)
    ids.extend(id_map[EOS])
    return ids, missing


def vits_phonemes_to_ids(
    phonemes: Sequence[str], id_map: Mapping[str, Sequence[int]], add_blank: bool = True
) -> tuple[list[int], list[str]]:
    """Original VITS layout: the symbols' ids, with a blank (id 0) before, between and after them if ``add_blank``."""
    ids: list[int] = []
    missing: list[str] = []
    for phoneme in phonemes:
        if phoneme in id_map:
            ids.extend(id_map[phoneme])
        else:
            missing.append(phoneme)
    if add_blank:
        spaced = [0] * (2 * len(ids) + 1)
        spaced[1::2] = ids
        ids = spaced
    return ids, missing


# Original VITS's symbol inventory (178 symbols: pad, punctuation, Latin letters, IPA). Two apostrophes occur in
# it; as in VITS, the later index wins when mapping symbols to ids.
_VITS_PAD = "_"
_VITS_PUNCTUATION = ';:,.!?¡¿—…"«»“” '
_VITS_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_VITS_IPA = (
    "ɑɐɒæɓʙβɔɕçɗɖðʤəɘɚɛɜɝɞɟʄɡɠɢʛɦɧħɥʜɨɪʝɭɬɫɮʟɱɯɰŋɳɲɴøɵɸθœɶʘɹɺɾɻʀʁɽʂʃʈʧʉʊʋⱱʌɣɤʍχʎʏʑʐʒʔʡʕʢǀǁǂǃˈˌːˑʼʴʰʱʲʷˠˤ˞↓↑→↗↘'̩'ᵻ"
)
VITS_SYMBOLS: tuple[str, ...] = (_VITS_PAD, *_VITS_PUNCTUATION, *_VITS_LETTERS, *_VITS_IPA)


def vits_symbol_map() -> dict[str, list[int]]:
    """The original VITS symbol → id map."""
    return {symbol: [index] for index, symbol in enumerate(VITS_SYMBOLS)}


def id_to_phoneme(id_map: Mapping[str, Sequence[int]]) -> dict[int, str]:
    """Inverse map for single-id symbols (Piper maps every symbol to exactly one id)."""
    return {ids[0]: symbol for symbol, ids in id_map.items() if len(ids) == 1}
