"""Numbers, amounts and counts as people read them, through Babel's locale data.

Every place that shows a quantity to a person (review pages, OKR page outputs, finding
messages) formats it here, so no format ever prints scientific notation ("2.4e+06"), large
amounts get a compact form ("$2.4M"), long numbers get thousands separators ("12,000") and a
currency sits where the locale puts it ("$95" in English, "95 €" in German). Only English is
used for now; `locale` is a parameter so that translations can pass theirs.
"""

from __future__ import annotations

import math
from typing import Final

from babel.numbers import (
    format_compact_currency,
    format_compact_decimal,
    format_currency,
    format_decimal,
)

DEFAULT_LOCALE: Final = "en"
DASH: Final = "–"
COMPACT_FROM: Final = 100_000
"""Amounts of money from this size on are shown compact ("$180K", "$2.4M")."""
PLAIN_COMPACT_FROM: Final = 10_000_000
"""Other numbers from this size on are shown compact ("12M"); below, in full with separators."""

CURRENCY_CODES: Final[dict[str, str]] = {
    "$": "USD",
    "usd": "USD",
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "¥": "JPY",
    "jpy": "JPY",
    "chf": "CHF",
}
PERCENT_UNITS: Final = frozenset({"%", "percent", "pct", "percentage", "prozent"})


def currency_code(unit: str | None) -> str | None:
    """The ISO code of a currency unit ("$" -> "USD"), or None when the unit is no currency."""
    if not unit:
        return None
    return CURRENCY_CODES.get(unit.strip().casefold())


def _finite(value: float | None) -> float | None:
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        return None
    return float(value)


def format_number(value: float | None, *, digits: int = 2, locale: str = DEFAULT_LOCALE) -> str:
    """A plain number: separators, at most `digits` decimals, never scientific notation."""
    number = _finite(value)
    if number is None:
        return DASH
    if abs(number) >= PLAIN_COMPACT_FROM:
        return format_compact_decimal(number, locale=locale, fraction_digits=1)
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
    text = format_decimal(number, format=pattern, locale=locale)
    return "0" if text in ("-0", "−0") else text


def format_amount(value: float | None, unit: str | None, *, locale: str = DEFAULT_LOCALE) -> str:
    """A value with its unit: "$2.4M", "$95", "27%", "1,850 accounts", "900/mo"."""
    number = _finite(value)
    if number is None:
        return DASH
    code = currency_code(unit)
    if code is not None:
        if abs(number) >= COMPACT_FROM:
            return format_compact_currency(number, code, locale=locale, fraction_digits=1)
        whole = number == round(number)
        pattern = "¤#,##0" if whole else "¤#,##0.00"
        return format_currency(number, code, format=pattern, locale=locale, currency_digits=False)
    text = format_number(number, locale=locale)
    if not unit:
        return text
    if unit.strip().casefold() in PERCENT_UNITS:
        return f"{text}%"
    if unit.startswith("/"):
        return f"{text}{unit}"
    return f"{text} {unit}"


def count(n: int, singular: str, plural: str | None = None) -> str:
    """A count with its noun: "1 day", "14 days", "3 key results"."""
    noun = singular if n == 1 else (plural or singular + "s")
    return f"{format_number(n, digits=0)} {noun}"


def share(value: float | None) -> str:
    """A share of 1 as a whole percentage: 0.49 -> "49%"."""
    number = _finite(value)
    return DASH if number is None else f"{round(number * 100):d}%"
