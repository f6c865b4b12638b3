"""Units of measure and percent after a number.

Rules:
- A unit symbol is expanded only right after a number, with or without one space ("5 km", "5km",
  "−3°C"), and only when it ends there (not followed by a letter, digit or "/"): "5 minutes" and
  "3 mg/kg" are left alone.
- Symbols are case-sensitive ("g" is grams, "G" is not a unit here; "MB" megabytes). Ambiguous symbols
  that collide with words or letters ("in", "A", "W", "V", "K") are not expanded.
- Singular only for exactly "1" ("1 km" -> "one kilometer"); "1.0 km" and "0 km" are plural.
- "s" after a multiple of ten written without a space is a decade ("1980s", "30s"), handled before this
  rule; "30 s" is thirty seconds.
- "50%" / "50 %" -> "fifty percent", "3.5%" -> "three point five percent".
- Signs are read: "-5 °C" / "−5°C" -> "minus five degrees Celsius".
"""

from __future__ import annotations

import re

from voxtune.text.normalize_common import NUMBER, NUMBER_END, NUMBER_START, SIGN, sign_words, substitute
from voxtune.text.numbers import is_one, quantity

_UNITS: dict[str, tuple[str, str]] = {
    "km": ("kilometer", "kilometers"),
    "m": ("meter", "meters"),
    "cm": ("centimeter", "centimeters"),
    "mm": ("millimeter", "millimeters"),
    "km²": ("square kilometer", "square kilometers"),
    "m²": ("square meter", "square meters"),
    "cm²": ("square centimeter", "square centimeters"),
    "m³": ("cubic meter", "cubic meters"),
    "kg": ("kilogram", "kilograms"),
    "g": ("gram", "grams"),
    "mg": ("milligram", "milligrams"),
    "l": ("liter", "liters"),
    "L": ("liter", "liters"),
    "ml": ("milliliter", "milliliters"),
    "mL": ("milliliter", "milliliters"),
    "°C": ("degree Celsius", "degrees Celsius"),
    "°F": ("degree Fahrenheit", "degrees Fahrenheit"),
    "°": ("degree", "degrees"),
    "mph": ("mile per hour", "miles per hour"),
    "km/h": ("kilometer per hour", "kilometers per hour"),
    "kph": ("kilometer per hour", "kilometers per hour"),
    "m/s": ("meter per second", "meters per second"),
    "h": ("hour", "hours"),
    "hr": ("hour", "hours"),
    "hrs": ("hour", "hours"),
    "min": ("minute", "minutes"),
    "mins": ("minute", "minutes"),
    "s": ("second", "seconds"),
    "sec": ("second", "seconds"),
    "ms": ("millisecond", "milliseconds"),
    "ft": ("foot", "feet"),
    "mi": ("mile", "miles"),
    "yd": ("yard", "yards"),
    "lb": ("pound", "pounds"),
    "lbs": ("pound", "pounds"),
    "oz": ("ounce", "ounces"),
    "Hz": ("hertz", "hertz"),
    "kHz": ("kilohertz", "kilohertz"),
    "MHz": ("megahertz", "megahertz"),
    "GHz": ("gigahertz", "gigahertz"),
    "kW": ("kilowatt", "kilowatts"),
    "kWh": ("kilowatt hour", "kilowatt hours"),
    "KB": ("kilobyte", "kilobytes"),
    "MB": ("megabyte", "megabytes"),
    "GB": ("gigabyte", "gigabytes"),
    "TB": ("terabyte", "terabytes"),
}
# Longest first: the regex alternation takes the first symbol that fits ("km/h" before "km" before "m").
_UNIT = "|".join(re.escape(symbol) for symbol in sorted(_UNITS, key=len, reverse=True))
_NUMBER = rf"{SIGN}{NUMBER_START}(?P<number>{NUMBER}){NUMBER_END}"

_MEASURE = re.compile(rf"{_NUMBER}\s?(?P<unit>{_UNIT})(?![\w/²³])")
_PERCENT = re.compile(rf"{_NUMBER}\s?%")


def _measure(match: re.Match[str]) -> str:
    one, many = _UNITS[match["unit"]]
    number = match["number"]
    return f"{sign_words(match['sign'])}{quantity(number)} {one if is_one(number) else many}"


def _percent(match: re.Match[str]) -> str:
    return f"{sign_words(match['sign'])}{quantity(match['number'])} percent"


def expand_units(text: str) -> str:
    """Example: "Drive 5 km at 50 km/h; it is −3°C." -> "Drive five kilometers at fifty kilometers per hour; it is
    minus three degrees Celsius."."""
    return substitute(_MEASURE, text, _measure)


def expand_percent(text: str) -> str:
    """Example: "50%" -> "fifty percent"."""
    return substitute(_PERCENT, text, _percent)
