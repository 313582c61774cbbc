"""Numbers, amounts, percentages and dates as people read them, through Babel's locale data.

Every place that shows a quantity or a date to a person (review pages, OKR page outputs,
finding messages) formats it here, so no format ever prints scientific notation ("2.4e+06"),
large amounts get a compact form ("$2.4M", "1,2 Mio. €"), long numbers get the locale's
separators ("12,000", "12.000"), a currency and a percent sign sit where the locale puts them
("$95" and "27%" in English, "95 €" and "27 %" in German, with a no-break space) and dates read
"December 6, 2026" / "6. Dezember 2026". `locale` is the Babel locale string a `Translator`
carries (`t.locale`); the default is English.
"""

from __future__ import annotations

import math
import re
from datetime import date
from functools import cache, lru_cache
from typing import Final

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.numbers import (
    format_compact_currency,
    format_compact_decimal,
    format_currency,
    format_decimal,
    format_percent,
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


@cache
def _locale(locale: str) -> Locale:
    return Locale.parse(locale)


def _percent_pattern(locale: str, digits: int) -> str:
    """The locale's percent pattern ("#,##0%", "#,##0\u00a0%") with up to `digits` decimals."""
    pattern = str(_locale(locale).percent_formats[None].pattern)
    return pattern.replace("0", "0." + "#" * digits, 1) if digits > 0 else pattern


def _currency_pattern(locale: str, whole: bool) -> str:
    """The locale's currency pattern ("¤#,##0.00", "#,##0.00\u00a0¤"), without cents if whole."""
    pattern = str(_locale(locale).currency_formats["standard"].pattern).split(";", 1)[0]
    return pattern.replace(".00", "") if whole else pattern


def _has_compact_form(number: float, locale: str) -> bool:
    """Whether the locale abbreviates this magnitude (German has no "Tsd." in short form)."""
    text = format_compact_decimal(abs(number), locale=locale, fraction_digits=1)
    return any(not (ch.isdigit() or ch in ".,\u00a0 ") for ch in text)


@lru_cache(maxsize=4096, typed=True)
def format_number(value: float | None, *, digits: int = 2, locale: str = DEFAULT_LOCALE) -> str:
    """A plain number: separators, at most `digits` decimals, never scientific notation.

    Cached: Babel parses the pattern and the locale on every call (about 40 us), and the rules
    format the same few counts (days, key results) for hundreds of thousands of findings.
    """
    number = _finite(value)
    if number is None:
        return DASH
    if abs(number) >= PLAIN_COMPACT_FROM:
        return format_compact_decimal(number, locale=locale, fraction_digits=1)
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
    text = format_decimal(number, format=pattern, locale=locale)
    return "0" if text in ("-0", "−0") else text


def format_fixed(value: float | None, *, digits: int = 2, locale: str = DEFAULT_LOCALE) -> str:
    """A number with exactly `digits` decimals, as scores are shown: "0.70", "0,70"."""
    number = _finite(value)
    if number is None:
        return DASH
    if abs(number) < 0.5 * 10**-digits:
        number = 0.0  # never "-0.00"
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(number, format=pattern, locale=locale)


def format_amount(value: float | None, unit: str | None, *, locale: str = DEFAULT_LOCALE) -> str:
    """A value with its unit: "$2.4M", "$95", "27%", "1,850 accounts", "900/mo"."""
    number = _finite(value)
    if number is None:
        return DASH
    code = currency_code(unit)
    if code is not None:
        if abs(number) >= COMPACT_FROM and _has_compact_form(number, locale):
            return format_compact_currency(number, code, locale=locale, fraction_digits=1)
        pattern = _currency_pattern(locale, whole=number == round(number))
        return format_currency(number, code, format=pattern, locale=locale, currency_digits=False)
    if unit and unit.strip().casefold() in PERCENT_UNITS:
        return format_percent_value(number, locale=locale)
    text = format_number(number, locale=locale)
    if not unit:
        return text
    if unit.startswith("/"):
        return f"{text}{unit}"
    return f"{text} {unit}"


def count(n: int, singular: str, plural: str | None = None) -> str:
    """A count with its noun: "1 day", "14 days", "3 key results"."""
    noun = singular if n == 1 else (plural or singular + "s")
    return f"{format_number(n, digits=0)} {noun}"


def format_percent_value(
    value: float | None, *, digits: int = 2, locale: str = DEFAULT_LOCALE
) -> str:
    """A value already in percent: 27 -> "27%" (English), "27 %" (German, no-break space)."""
    number = _finite(value)
    if number is None:
        return DASH
    if abs(number) >= PLAIN_COMPACT_FROM:
        return format_number(number, locale=locale) + _percent_suffix(locale)
    if abs(number) < 0.5 * 10**-digits:
        number = 0.0  # never "-0 %"
    return format_percent(number / 100, format=_percent_pattern(locale, digits), locale=locale)


def _percent_suffix(locale: str) -> str:
    pattern = str(_locale(locale).percent_formats[None].pattern)
    return pattern[pattern.rfind("0") + 1 :]


def share(value: float | None, *, locale: str = DEFAULT_LOCALE) -> str:
    """A share of 1 as a whole percentage: 0.49 -> "49%" ("49 %" in German)."""
    number = _finite(value)
    if number is None:
        return DASH
    return format_percent(
        round(number * 100) / 100, format=_percent_pattern(locale, 0), locale=locale
    )


_SHORT_MONTH: Final = re.compile(r"(?<!M)MMM(?!M)")


def format_date(value: date, *, locale: str = DEFAULT_LOCALE) -> str:
    """A date with the month written out: "December 6, 2026", "6. Dezember 2026"."""
    return babel_format_date(value, "long", locale=locale)


def format_date_range(start: date, end: date, *, locale: str = DEFAULT_LOCALE) -> str:
    """A period as the locale writes it, the shared parts once, months written out:
    "October 1 – December 31, 2026", "1. Oktober – 31. Dezember 2026", "1.–6. Dezember 2026".
    """
    if end < start:
        start, end = end, start
    if start == end:
        return format_date(start, locale=locale)
    greatest = "y" if start.year != end.year else "M" if start.month != end.month else "d"
    formats = _locale(locale).interval_formats
    parts = formats["yMMMd"][greatest]
    first, second = (_SHORT_MONTH.sub("MMMM", part) for part in parts)
    return babel_format_date(start, first, locale=locale) + babel_format_date(
        end, second, locale=locale
    )
