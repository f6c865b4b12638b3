"""Money: a currency sign with an amount.

Rules:
- Signs before the amount: $ € £ ¥ ₹; € and £ may also follow it ("20 €"); ¢ follows it ("50¢").
- "$5.50" -> "five dollars and fifty cents", "$0.99" -> "ninety-nine cents", "$5.00" -> "five dollars",
  "$1" -> "one dollar", "£1.01" -> "one pound and one penny". One decimal digit counts tens of cents
  ("$5.5" -> "five dollars and fifty cents"); three or more are read as a decimal ("$1.005" -> "one point
  zero zero five dollars"), as is any amount in a currency without a minor unit (yen).
- A scale word or letter after the amount multiplies it and is read before the currency:
  "£3m" -> "three million pounds", "$2.5 billion" -> "two point five billion dollars", "$5k" -> "five
  thousand dollars" (k/K thousand, m/M/mn million, bn/B billion, tn/T trillion).
- A minus before the sign is read: "-$5" -> "minus five dollars".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voxtune.text.normalize_common import NUMBER, NUMBER_END, NUMBER_START, SIGN, sign_words, substitute
from voxtune.text.numbers import is_one, quantity


@dataclass(frozen=True)
class _Currency:
    one: str
    many: str
    minor_one: str | None = None
    minor_many: str | None = None


_CURRENCIES: dict[str, _Currency] = {
    "$": _Currency("dollar", "dollars", "cent", "cents"),
    "€": _Currency("euro", "euros", "cent", "cents"),
    "£": _Currency("pound", "pounds", "penny", "pence"),
    "¥": _Currency("yen", "yen"),
    "₹": _Currency("rupee", "rupees", "paisa", "paise"),
}
_SCALES: dict[str, str] = {
    "thousand": "thousand",
    "k": "thousand",
    "K": "thousand",
    "million": "million",
    "m": "million",
    "M": "million",
    "mn": "million",
    "billion": "billion",
    "bn": "billion",
    "B": "billion",
    "trillion": "trillion",
    "tn": "trillion",
    "T": "trillion",
}
_SCALE = "|".join(sorted(_SCALES, key=len, reverse=True))
_SIGNS = "".join(_CURRENCIES)

_PREFIXED = re.compile(
    rf"{SIGN}(?P<currency>[{_SIGNS}])\s?(?P<amount>{NUMBER}){NUMBER_END}"
    rf"(?:\s?(?P<scale>{_SCALE})(?![\w-]))?"
)
_SUFFIXED = re.compile(rf"{SIGN}{NUMBER_START}(?P<amount>{NUMBER}){NUMBER_END}\s?(?P<currency>[€£])")
_CENTS = re.compile(rf"{SIGN}{NUMBER_START}(?P<amount>{NUMBER}){NUMBER_END}\s?¢")


def _count(number: str, one: str, many: str) -> str:
    return f"{quantity(number)} {one if is_one(number) else many}"


def _amount(amount: str, currency: _Currency) -> str:
    whole, _, fraction = amount.partition(".")
    if currency.minor_one is None or currency.minor_many is None or len(fraction) > 2:
        return _count(amount, currency.one, currency.many)
    minor = int(fraction.ljust(2, "0")) if fraction else 0
    whole_value = int(whole.replace(",", "")) if whole else 0
    if not minor:
        return _count(whole or "0", currency.one, currency.many)
    minor_words = _count(str(minor), currency.minor_one, currency.minor_many)
    if not whole_value:
        return minor_words
    return f"{_count(whole, currency.one, currency.many)} and {minor_words}"


def _prefixed(match: re.Match[str]) -> str:
    currency = _CURRENCIES[match["currency"]]
    amount = match["amount"]
    if match["scale"]:
        words = f"{quantity(amount)} {_SCALES[match['scale']]} {currency.many}"
    else:
        words = _amount(amount, currency)
    return sign_words(match["sign"]) + words


def _suffixed(match: re.Match[str]) -> str:
    return sign_words(match["sign"]) + _amount(match["amount"], _CURRENCIES[match["currency"]])


def _cents(match: re.Match[str]) -> str:
    return sign_words(match["sign"]) + _count(match["amount"], "cent", "cents")


def expand_money(text: str) -> str:
    """Example: "It costs $5.50, or £3m in total." -> "It costs five dollars and fifty cents, or three million
    pounds in total."."""
    text = substitute(_PREFIXED, text, _prefixed)
    # The other two patterns start at any digit; skip their scan when their sign is absent.
    if "€" in text or "£" in text:
        text = substitute(_SUFFIXED, text, _suffixed)
    if "¢" in text:
        text = substitute(_CENTS, text, _cents)
    return text
