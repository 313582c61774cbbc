"""Pure parsers that turn flattened source values into canonical values.

Connectors hand over plain values (strings, numbers, ISO dates, lists of ids, people dicts; see
docs/architecture.md); people type OKR data by hand, so the same number arrives as `27`,
`"27%"`, `"$500K"`, `"1.234,5"` or `"4.5 stars"`. Each parser here accepts the forms people
actually write and raises `ValueParseError` saying what it expected otherwise. Nothing here
reads a clock or any global state: "this year" never enters a parse.

Percent and fraction (`ParsedNumber` modes):

- `number`: the number as written; `"27%"` is 27 with unit `"%"`, `0.27` stays 0.27.
- `percent`: the result is in percent points. Bare numbers are fractions and are multiplied by
  100 (`0.27` -> 27; this is what a Notion number property formatted as percent stores), and
  numbers written with `%` are taken as written (`"27%"` -> 27). The unit is always `"%"`.
- `fraction`: the result is a fraction. Numbers written with `%` are divided by 100
  (`"27%"` -> 0.27); bare numbers are taken as written (`0.27` -> 0.27).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Mapping as AnyMapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final, Literal, NamedTuple

from okrsync.i18n import N_, SOURCE_LANGUAGE, translator
from okrsync.i18n.message import Clause, Glossed, Phrase, clause, say
from okrsync.input_files import MAX_MAGNITUDE
from okrsync.mapping.schema import Locale
from okrsync.model import LEVELS, KeyResultKind, Level, ObjectiveKind

NumberMode = Literal["number", "percent", "fraction"]
ConfidenceScale = Literal["auto", "unit", "ten", "percent"]

_DEFAULT_LOCALE: Final = Locale()
_ENGLISH: Final = translator(SOURCE_LANGUAGE)
_MAX_SHOWN: Final = 60


class ValueParseError(ValueError):
    """A value could not be read; the message says what was seen and what was expected.

    `expected` is a catalogue phrase or clause (said in a reader's language by the findings
    that report it, `expected_words`), and the English words of it (`expected`).
    """

    def __init__(self, value: Any, expected: Phrase | Clause) -> None:
        self.value = value
        self.expected_words = expected
        self.expected: str = say(expected, _ENGLISH)
        super().__init__(f"{show(value)} is not {self.expected}")


def show(value: Any) -> str:
    """A short, quoted rendering of a source value for messages (long text is cut)."""
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 4] + '..."'


def is_empty(value: Any) -> bool:
    """True for values that mean "nothing entered": None, blank text, empty list or dict."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict | set):
        return len(value) == 0
    return False


# --------------------------------------------------------------------------------------------
# Numbers


class ParsedNumber(NamedTuple):
    """A number read from a value, and the unit written with it (None when none was)."""

    value: float
    unit: str | None


_CURRENCY_SYMBOLS: Final = {"$": "$", "€": "€", "£": "£", "¥": "¥", "₹": "₹", "CHF": "CHF"}
_CURRENCY_CODES: Final = ("USD", "EUR", "GBP", "CHF", "JPY", "CAD", "AUD", "SEK", "NOK", "DKK")
_MAGNITUDES: Final = {
    "k": 1e3,
    "K": 1e3,
    "tsd": 1e3,
    "tsd.": 1e3,
    "thousand": 1e3,
    "tausend": 1e3,
    "M": 1e6,
    "MM": 1e6,
    "mio": 1e6,
    "mio.": 1e6,
    "million": 1e6,
    "millionen": 1e6,
    "B": 1e9,
    "bn": 1e9,
    "mrd": 1e9,
    "mrd.": 1e9,
    "billion": 1e9,
    "milliarden": 1e9,
}
_PERCENT_WORDS: Final = ("%", "percent", "prozent", "pct", "pct.")
_SPACES: Final = re.compile(r"[\s\u00a0\u2009\u202f\u2007]+")
_NUMBER_CORE: Final = re.compile(r"[0-9][0-9.,' ]*")
_PREFIX: Final = re.compile(
    r"(?P<sign1>[+-]?)(?P<currency>[$€£¥₹]|CHF|USD|EUR|GBP|JPY|CAD|AUD|SEK|NOK|DKK)?(?P<sign2>[+-]?)"
)
_EXPECTED_NUMBER: Final = Phrase(
    N_('a number (like 27, "27%", "$500K", "1.2M", "1,234.5" or "4.5 stars")')
)
_SPACES_GROUP: Final = N_("{number}; spaces may only group thousands")
_SEVERAL_MARKS: Final = N_(
    "{number}; it has several {mark!r} decimal marks (set locale.decimal to {other!r} if that "
    "is how your source writes numbers)"
)
_GROUP_AFTER_MARK: Final = N_(
    "{number}; {other!r} after the decimal mark {mark!r} (set locale.decimal to {other!r} if "
    "your source writes numbers like 1.234,5)"
)
_GROUPS_OF_THREE: Final = N_(
    "{number}; {other!r} separates thousands here, so groups of 3 digits must follow it (set "
    "locale.decimal to {other!r} if your source writes decimals with {other!r})"
)
_NOT_A_UNIT: Final = N_("{number}; {rest!r} after the number is not a unit (like %, k, M, stars)")
_NOT_A_CHECKBOX: Final = N_("{number}, not a checkbox")
_ONE_UNIT: Final = N_("{number} with one unit")
_FINITE: Final = Phrase(N_("a finite number"))
_SENSIBLE_SIZE: Final = Phrase(N_("a number of a sensible size"))


def _split_number(text: str) -> tuple[str, str, str]:
    """Split `text` into prefix, digits-with-separators, suffix (spaces normalised)."""
    match = _NUMBER_CORE.search(text)
    if match is None:
        return text, "", ""
    core = match.group(0).rstrip(" .,'")
    end = match.start() + len(core)
    return text[: match.start()], core, text[end:]


def _digits(core: str, locale: Locale, original: Any) -> Decimal:
    """Read digits with thousands separators and a decimal mark per `locale`."""
    decimal_mark = locale.decimal
    group_mark = "," if decimal_mark == "." else "."
    core = core.replace("'", " ")
    parts = core.split(" ")
    if len(parts) > 1 and not all(len(p) == 3 and p.isdigit() for p in parts[1:-1]):
        raise ValueParseError(original, clause(_SPACES_GROUP, number=_EXPECTED_NUMBER))
    if len(parts) > 1:
        last = parts[-1]
        head = last.split(decimal_mark)[0]
        if len(head) != 3:
            raise ValueParseError(original, clause(_SPACES_GROUP, number=_EXPECTED_NUMBER))
    core = "".join(parts)
    if core.count(decimal_mark) > 1:
        raise ValueParseError(
            original,
            clause(_SEVERAL_MARKS, number=_EXPECTED_NUMBER, mark=decimal_mark, other=group_mark),
        )
    integer, _, fraction = core.partition(decimal_mark)
    if group_mark in fraction:
        raise ValueParseError(
            original,
            clause(_GROUP_AFTER_MARK, number=_EXPECTED_NUMBER, mark=decimal_mark, other=group_mark),
        )
    if group_mark in integer:
        groups = integer.split(group_mark)
        if not groups[0] or len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:]):
            raise ValueParseError(
                original, clause(_GROUPS_OF_THREE, number=_EXPECTED_NUMBER, other=group_mark)
            )
        integer = "".join(groups)
    if not integer.isdigit() or (fraction and not fraction.isdigit()):
        raise ValueParseError(original, _EXPECTED_NUMBER)
    return Decimal(f"{integer}.{fraction}" if fraction else integer)


def _read_suffix(
    suffix: str, has_currency: bool, original: Any
) -> tuple[Decimal, str | None, bool]:
    """Interpret what follows the digits: magnitude, percent sign, currency or a unit word.

    Returns (multiplier, unit, is_percent).
    """
    rest = suffix.strip()
    multiplier = Decimal(1)
    if rest:
        word, _, after = rest.partition(" ")
        glued = suffix[:1] not in (" ", "")
        key = word if word in ("K", "M", "MM", "B", "k") else word.lower()
        # "m" directly after the digits is million only with a currency ("$1.2m"), else a unit.
        if word == "m" and glued and has_currency:
            key = "M"
        if key in _MAGNITUDES and (glued or len(word) > 1 or not after):
            multiplier = Decimal(_MAGNITUDES[key])
            rest = after.strip()
    if not rest:
        return multiplier, None, False
    if rest.lower() in _PERCENT_WORDS:
        return multiplier, "%", True
    for symbol in _CURRENCY_SYMBOLS:
        if rest == symbol:
            return multiplier, _CURRENCY_SYMBOLS[symbol], False
    if rest.upper() in _CURRENCY_CODES and rest.isupper():
        return multiplier, rest, False
    if len(rest) > 30 or not re.fullmatch(r"[^\W\d_][\w/.\-² ]*", rest):
        raise ValueParseError(original, clause(_NOT_A_UNIT, number=_EXPECTED_NUMBER, rest=rest))
    return multiplier, rest, False


def parse_number(
    value: Any, locale: Locale = _DEFAULT_LOCALE, mode: NumberMode = "number"
) -> ParsedNumber:
    """Read a number and the unit written with it.

    Accepts ints and floats, and text such as "27%", "$500K", "€1.2M", "1.2M", "1,234.5",
    "1.234,5" (with `locale.decimal` ","), "4.5 stars", "-3", "1 234", "12k", "USD 500".
    A one-item list (a rollup of one value) is read as its item. See the module docstring for
    `mode`. Raises ValueParseError for anything else, including bools and empty text.
    """
    if isinstance(value, list | tuple) and len(value) == 1:
        return parse_number(value[0], locale, mode)
    if isinstance(value, bool):
        raise ValueParseError(value, clause(_NOT_A_CHECKBOX, number=_EXPECTED_NUMBER))
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueParseError(value, _FINITE)
        exact = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
        return _apply_mode(exact, None, False, mode, value)
    if not isinstance(value, str):
        raise ValueParseError(value, _EXPECTED_NUMBER)
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", value)).strip()
    text = text.replace("\u2212", "-").replace("\u2013", "-")
    if not text:
        raise ValueParseError(value, _EXPECTED_NUMBER)
    prefix, core, suffix = _split_number(text)
    if not core:
        raise ValueParseError(value, _EXPECTED_NUMBER)
    prefix_match = _PREFIX.fullmatch(prefix.replace(" ", ""))
    if prefix_match is None or (prefix_match["sign1"] and prefix_match["sign2"]):
        raise ValueParseError(value, _EXPECTED_NUMBER)
    sign = Decimal(-1) if "-" in prefix_match["sign1"] + prefix_match["sign2"] else Decimal(1)
    currency = prefix_match["currency"] or None
    number = _digits(core, locale, value)
    multiplier, unit, is_percent = _read_suffix(suffix, currency is not None, value)
    if currency is not None:
        if unit is not None:
            raise ValueParseError(value, clause(_ONE_UNIT, number=_EXPECTED_NUMBER))
        unit = currency
    return _apply_mode(sign * number * multiplier, unit, is_percent, mode, value)


def _apply_mode(
    number: Decimal, unit: str | None, is_percent: bool, mode: NumberMode, original: Any
) -> ParsedNumber:
    """Convert between percent points and fractions as the mode asks (module docstring).

    Decimal arithmetic keeps 0.27 -> 27 exact (float would give 27.000000000000004).
    """
    if mode == "percent":
        number, unit = (number if is_percent else number * 100), "%"
    elif mode == "fraction":
        number, unit = (number / 100 if is_percent else number), None
    result = float(number)
    # The bound workspace files have: weights and sums of values this large overflow.
    if not abs(result) <= MAX_MAGNITUDE:
        raise ValueParseError(original, _SENSIBLE_SIZE)
    return ParsedNumber(result, unit)


def _tidy(number: float) -> float:
    """Drop binary noise from scaling a float (0.7 * 10 / 100 and the like)."""
    return float(f"{number:.12g}")


# --------------------------------------------------------------------------------------------
# Confidence


_EXPECTED_CONFIDENCE: Final = Phrase(
    N_("a confidence (0-1, a 1-10 rating, or a percentage like 70%)")
)


def parse_confidence(
    value: Any, locale: Locale = _DEFAULT_LOCALE, scale: ConfidenceScale = "auto"
) -> float:
    """Read a confidence and normalise it to 0-1.

    `scale` "unit" takes 0-1 as is, "ten" divides a 0-10 rating by 10, "percent" divides by 100.
    "auto" reads "70%" as 0.7, numbers up to 1 as 0-1, above 1 up to 10 as a 0-10 rating and
    above 10 up to 100 as percent. A rating of exactly 1 on a 1-10 scale is therefore ambiguous
    under "auto": map it with `parse: scale_10` when the source uses a 1-10 scale.
    """
    number = parse_number(value, locale)
    expected = _EXPECTED_CONFIDENCE
    x = number.value
    if x < 0:
        raise ValueParseError(value, expected)
    if number.unit == "%" or scale == "percent":
        result = x / 100
    elif scale == "ten":
        result = x / 10
    elif scale == "unit" or x <= 1:
        result = x
    elif x <= 10:
        result = x / 10
    else:
        result = x / 100
    if result > 1:
        raise ValueParseError(value, expected)
    return _tidy(result)


# --------------------------------------------------------------------------------------------
# Booleans

_EXPECTED_BOOL: Final = Phrase(N_("yes or no (a checkbox, true/false, yes/no, ja/nein, x, ✓, 1/0)"))
_TRUE: Final = frozenset(
    {"yes", "y", "ja", "j", "true", "wahr", "x", "✓", "✔", "☑", "✅", "1", "on", "done", "erledigt"}
)
_FALSE: Final = frozenset(
    {"no", "n", "nein", "false", "falsch", "0", "off", "✗", "✘", "☐", "❌", "-", "open", "offen"}
)


def parse_bool(value: Any) -> bool:
    """Read a checkbox, 1/0, or yes/no/ja/nein/true/false/x/✓ (case-insensitive)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        key = value.strip().lower()
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
    raise ValueParseError(value, _EXPECTED_BOOL)


# --------------------------------------------------------------------------------------------
# Dates

_MONTHS: Final = {
    **{m.lower(): i for i, m in enumerate(calendar.month_name) if m},
    **{m.lower(): i for i, m in enumerate(calendar.month_abbr) if m},
    "sept": 9,
    "januar": 1,
    "jänner": 1,
    "jän": 1,
    "februar": 2,
    "märz": 3,
    "mär": 3,
    "maerz": 3,
    "mai": 5,
    "juni": 6,
    "juli": 7,
    "okt": 10,
    "oktober": 10,
    "dez": 12,
    "dezember": 12,
}
_EXPECTED_DATE: Final = Phrase(
    N_('a date (like 2025-07-01, 01.07.2025, 07/01/2025 or "1 Jul 2025")')
)
_NO_SUCH_DAY: Final = N_("{date} ({problem})")
_NOT_IN_CALENDAR: Final = Phrase(N_("that day is not in the calendar"))
_NOT_A_MONTH: Final = N_("{date}; {name!r} is not a month name")
_EXPECTED_DATETIME: Final = Phrase(N_("an ISO date-time (like 2025-07-01T09:30:00Z)"))
_EXPECTED_RANGE: Final = Phrase(
    N_('a date range (like {start, end}, "2025-07-01..2025-09-30" or "Q3 2025")')
)
_END_BEFORE_START: Final = N_("{range} whose end is not before its start")
_ISO_DATE: Final = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?P<time>[T ].+)?")
_DOTTED: Final = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})")
_SLASHED: Final = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")
_YMD_SLASHED: Final = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_DAY_MONTH_YEAR: Final = re.compile(r"(\d{1,2})\.?\s+([^\W\d_]+)\.?,?\s+(\d{4})")
_MONTH_DAY_YEAR: Final = re.compile(r"([^\W\d_]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")


def _make_date(year: int, month: int, day: int, value: Any) -> date:
    if year < 100:
        year += 2000
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueParseError(
            value,
            clause(_NO_SUCH_DAY, date=_EXPECTED_DATE, problem=Glossed(str(exc), _NOT_IN_CALENDAR)),
        ) from None


def _month(name: str, value: Any) -> int:
    month = _MONTHS.get(name.lower().rstrip("."))
    if month is None:
        raise ValueParseError(value, clause(_NOT_A_MONTH, date=_EXPECTED_DATE, name=name))
    return month


def parse_date(value: Any, locale: Locale = _DEFAULT_LOCALE) -> date:
    """Read a calendar date.

    Accepts date and datetime objects, ISO dates and datetimes (the date as written, whatever the
    offset), "01.07.2025" (always day first), "07/01/2025" (month first unless
    `locale.day_first`), "2025/07/01", "1 Jul 2025", "1. Juli 2025", "Jul 1, 2025", and a
    `{start, end}` dict (its start).
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, AnyMapping) and "start" in value:
        return parse_date(value["start"], locale)
    if not isinstance(value, str):
        raise ValueParseError(value, _EXPECTED_DATE)
    text = " ".join(value.split())
    if m := _ISO_DATE.fullmatch(text):
        if m["time"]:
            return parse_datetime(text).date()
        return _make_date(int(m[1]), int(m[2]), int(m[3]), value)
    if m := _DOTTED.fullmatch(text):
        return _make_date(int(m[3]), int(m[2]), int(m[1]), value)
    if m := _YMD_SLASHED.fullmatch(text):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), value)
    if m := _SLASHED.fullmatch(text):
        first, second = int(m[1]), int(m[2])
        day, month = (first, second) if locale.day_first else (second, first)
        return _make_date(int(m[3]), month, day, value)
    if m := _DAY_MONTH_YEAR.fullmatch(text):
        return _make_date(int(m[3]), _month(m[2], value), int(m[1]), value)
    if m := _MONTH_DAY_YEAR.fullmatch(text):
        return _make_date(int(m[3]), _month(m[1], value), int(m[2]), value)
    raise ValueParseError(value, _EXPECTED_DATE)


def parse_datetime(value: Any, locale: Locale = _DEFAULT_LOCALE) -> datetime:
    """Read a point in time; a date alone means its midnight UTC, a naive time is UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, AnyMapping) and "start" in value:
        return parse_datetime(value["start"], locale)
    match = _ISO_DATE.fullmatch(value.strip()) if isinstance(value, str) else None
    if isinstance(value, str) and match is not None and match["time"]:
        text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueParseError(value, _EXPECTED_DATETIME) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    day = parse_date(value, locale)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


_RANGE_SEPARATORS: Final = re.compile(r"\s*(?:\.\.|–|—|→|\s-\s|\sto\s|\sbis\s|\suntil\s)\s*", re.I)


def parse_date_range(value: Any, locale: Locale = _DEFAULT_LOCALE) -> tuple[date, date]:
    """Read an inclusive date range.

    Accepts a `{start, end}` dict (a missing end means the one day), text with two dates joined
    by "..", "–", " - ", " to " or " bis ", or a cycle name such as "Q3 2025" (its dates).
    """
    expected = _EXPECTED_RANGE
    if isinstance(value, AnyMapping):
        if is_empty(value.get("start")):
            raise ValueParseError(value, expected)
        start = parse_date(value["start"], locale)
        end = start if is_empty(value.get("end")) else parse_date(value["end"], locale)
    elif isinstance(value, str):
        parts = _RANGE_SEPARATORS.split(value.strip())
        if len(parts) == 2:
            start, end = parse_date(parts[0], locale), parse_date(parts[1], locale)
        else:
            try:
                period = parse_cycle(value, locale.fiscal_year_start)
            except ValueParseError:
                raise ValueParseError(value, expected) from None
            start, end = period.start, period.end
    else:
        raise ValueParseError(value, expected)
    if end < start:
        raise ValueParseError(value, clause(_END_BEFORE_START, range=expected))
    return start, end


# --------------------------------------------------------------------------------------------
# Cycles


class Period(NamedTuple):
    """A cycle resolved from its name: a stable id, a display name and inclusive dates."""

    id: str
    name: str
    start: date
    end: date


_EXPECTED_CYCLE: Final = Phrase(
    N_(
        'a cycle name (like "Q3 2025", "2025-Q3", "Q3/25", "H1 2026", "2026-H1", "2025", '
        '"Quartal 3 2025", "3. Quartal 2025" or "FY25 Q1")'
    )
)
_TWO_HALVES: Final = N_("{cycle}; a year has two halves")
_YEAR: Final = r"(\d{4}|'?\d{2})"
_FY: Final = r"(?:FY|GJ)\s*'?(\d{4}|\d{2})"
_CYCLE_PATTERNS: Final = (
    # (pattern, period kind group, number group, year group)
    (re.compile(rf"([QH])\s*([1-4])\s*[-/ ]?\s*{_YEAR}", re.I), 1, 2, 3),
    (re.compile(rf"{_YEAR}\s*[-/ ]?\s*([QH])\s*([1-4])", re.I), 2, 3, 1),
    (re.compile(rf"(Quartal|Halbjahr)\s*([1-4])\s*[-/ ]?\s*{_YEAR}", re.I), 1, 2, 3),
    (re.compile(rf"([1-4])\s*\.\s*(Quartal|Halbjahr)\s*[-/ ]?\s*{_YEAR}", re.I), 2, 1, 3),
    (re.compile(rf"{_YEAR}\s*[-/ ]?\s*(Quartal|Halbjahr)\s*([1-4])", re.I), 2, 3, 1),
    (re.compile(rf"([1-4])(?:st|nd|rd|th)?\s+(quarter|half)\s*(?:of\s+)?{_YEAR}", re.I), 2, 1, 3),
)
_FISCAL_PATTERNS: Final = (
    (re.compile(rf"{_FY}\s*[-/ ]?\s*([QH])\s*([1-4])", re.I), 2, 3, 1),
    (re.compile(rf"([QH])\s*([1-4])\s*[-/ ]?\s*{_FY}", re.I), 1, 2, 3),
)


def _year(text: str) -> int:
    digits = text.lstrip("'")
    return int(digits) + 2000 if len(digits) == 2 else int(digits)


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _month_after(year: int, month: int, months: int) -> tuple[int, int]:
    """(year, month) `months` months after (year, month)."""
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def period_of(
    kind: Literal["Q", "H", "Y"], number: int, year: int, fiscal_year_start: int = 1
) -> Period:
    """The Period of quarter/half `number` (or the whole year for "Y") of `year`.

    With `fiscal_year_start` other than 1 (January), `year` is a fiscal year named by the
    calendar year it ends in: with April, FY2025 runs from 2024-04-01 to 2025-03-31, and its
    ids read "FY2025-Q1". With January, fiscal and calendar years are the same.
    """
    fiscal = fiscal_year_start != 1
    first_year, first_month = (year - 1, fiscal_year_start) if fiscal else (year, 1)
    label = f"FY{year}" if fiscal else str(year)
    if kind == "Y":
        end_year, end_month = _month_after(first_year, first_month, 11)
        return Period(
            label, label, date(first_year, first_month, 1), _last_day(end_year, end_month)
        )
    months = 3 if kind == "Q" else 6
    start_year, start_month = _month_after(first_year, first_month, (number - 1) * months)
    end_year, end_month = _month_after(start_year, start_month, months - 1)
    return Period(
        f"{label}-{kind}{number}",
        f"{kind}{number} {label}",
        date(start_year, start_month, 1),
        _last_day(end_year, end_month),
    )


def parse_cycle(value: Any, fiscal_year_start: int = 1) -> Period:
    """Resolve a cycle name to its Period.

    Quarters ("Q3 2025", "2025-Q3", "2025 Q3", "Q3/25", "Q3-2025", "Quartal 3 2025",
    "3. Quartal 2025", "3rd quarter 2025"), halves ("H1 2026", "2026-H1", "1. Halbjahr 2026")
    and whole calendar years ("2025") resolve to ids "2025-Q3", "2026-H1", "2025" and
    inclusive calendar dates. Fiscal names ("FY25", "FY2025 Q1", "Q1 FY25", "GJ 2025 H2")
    count from `fiscal_year_start` (the month the fiscal year starts in; see `period_of`).
    """
    if isinstance(value, list | tuple) and len(value) == 1:
        return parse_cycle(value[0], fiscal_year_start)
    if isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2200:
        return period_of("Y", 1, value)
    if not isinstance(value, str):
        raise ValueParseError(value, _EXPECTED_CYCLE)
    text = " ".join(value.split())
    if m := re.fullmatch(r"(\d{4})", text):
        return period_of("Y", 1, int(m[1]))
    if m := re.fullmatch(_FY, text, re.I):
        return period_of("Y", 1, _year(m[1]), fiscal_year_start)
    patterns = [(p, k, n, y, 1) for p, k, n, y in _CYCLE_PATTERNS]
    patterns += [(p, k, n, y, fiscal_year_start) for p, k, n, y in _FISCAL_PATTERNS]
    for pattern, kind_group, number_group, year_group, start in patterns:
        m = pattern.fullmatch(text)
        if m is None:
            continue
        word = m[kind_group].lower()
        kind: Literal["Q", "H"] = "H" if word in ("h", "halbjahr", "half") else "Q"
        number = int(m[number_group])
        if kind == "H" and number > 2:
            raise ValueParseError(value, clause(_TWO_HALVES, cycle=_EXPECTED_CYCLE))
        return period_of(kind, number, _year(m[year_group]), start)
    raise ValueParseError(value, _EXPECTED_CYCLE)


# --------------------------------------------------------------------------------------------
# People, ids, text, lists


class PersonValue(NamedTuple):
    """A person as seen in a value. `id` is None when only a name or email was written."""

    id: str | None
    name: str
    email: str | None


_EMAIL: Final = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+")
_NAME_WITH_EMAIL: Final = re.compile(r"(.*?)\s*<([^<>]+@[^<>]+)>")


_EXPECTED_PEOPLE: Final = Phrase(
    N_('people (a people property, or names/emails like "Ada Lovelace, bob@example.com")')
)


def parse_people(value: Any) -> tuple[PersonValue, ...]:
    """Read people: `{id, name, email}` dicts (one or a list), or names/emails as text.

    Text may list several people separated by commas, semicolons or new lines, each a name, an
    email, or "Name <email>".
    """
    expected = _EXPECTED_PEOPLE
    if isinstance(value, AnyMapping):
        return (_person_from_dict(value, expected),)
    if isinstance(value, list | tuple):
        people: list[PersonValue] = []
        for item in value:
            people.extend(parse_people(item))
        return tuple(people)
    if not isinstance(value, str):
        raise ValueParseError(value, expected)
    people = []
    for part in re.split(r"[,;\n]", value):
        text = " ".join(part.split())
        if not text:
            continue
        if m := _NAME_WITH_EMAIL.fullmatch(text):
            people.append(PersonValue(None, m[1].strip() or m[2], m[2].strip()))
        elif _EMAIL.fullmatch(text):
            people.append(PersonValue(None, text, text))
        else:
            people.append(PersonValue(None, text.lstrip("@"), None))
    return tuple(people)


def _person_from_dict(value: AnyMapping[str, Any], expected: Phrase) -> PersonValue:
    raw_id = value.get("id")
    name = value.get("name") or ""
    email = value.get("email") or None
    if raw_id is None and not name and not email:
        raise ValueParseError(value, expected)
    if not isinstance(name, str) or (email is not None and not isinstance(email, str)):
        raise ValueParseError(value, expected)
    return PersonValue(str(raw_id) if raw_id is not None else None, name, email)


def parse_ids(value: Any) -> tuple[str, ...]:
    """Read relation ids: a list of ids, one id, or text listing ids separated by commas."""
    if isinstance(value, list | tuple):
        ids: list[str] = []
        for item in value:
            ids.extend(parse_ids(item))
        return tuple(dict.fromkeys(ids))
    if isinstance(value, AnyMapping) and "id" in value:
        return (str(value["id"]),)
    if isinstance(value, str):
        return tuple(dict.fromkeys(p.strip() for p in value.split(",") if p.strip()))
    if isinstance(value, int) and not isinstance(value, bool):
        return (str(value),)
    raise ValueParseError(value, Phrase(N_("relation ids (a relation property or page links)")))


def parse_text(value: Any) -> str:
    """Read plain text; lists are joined with ", ", people become their names."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, AnyMapping):
        if "name" in value:
            return str(value["name"])
        if "start" in value:
            return "..".join(str(value[k]) for k in ("start", "end") if value.get(k))
    if isinstance(value, list | tuple):
        return ", ".join(t for t in (parse_text(v) for v in value) if t)
    raise ValueParseError(value, Phrase(N_("text")))


def parse_list(value: Any) -> tuple[str, ...]:
    """Read a list of strings (multi-select, labels); text is split at commas."""
    if isinstance(value, list | tuple):
        return tuple(t for t in (parse_text(v) for v in value) if t)
    if isinstance(value, str):
        return tuple(p.strip() for p in value.split(",") if p.strip())
    return (parse_text(value),)


# --------------------------------------------------------------------------------------------
# Options (canonical enums) and suppressions

_LEVEL_SYNONYMS: Final[dict[str, Level]] = {
    "company": "company",
    "org": "company",
    "organisation": "company",
    "organization": "company",
    "unternehmen": "company",
    "firma": "company",
    "gesamtunternehmen": "company",
    "department": "department",
    "dept": "department",
    "division": "department",
    "abteilung": "department",
    "bereich": "department",
    "team": "team",
    "squad": "team",
    "individual": "individual",
    "personal": "individual",
    "person": "individual",
    "individuell": "individual",
    "persönlich": "individual",
    "mitarbeiter": "individual",
}
_OBJECTIVE_KIND_SYNONYMS: Final[dict[str, ObjectiveKind]] = {
    "committed": "committed",
    "commit": "committed",
    "commitment": "committed",
    "verbindlich": "committed",
    "verpflichtend": "committed",
    "aspirational": "aspirational",
    "stretch": "aspirational",
    "ambitious": "aspirational",
    "moonshot": "aspirational",
    "roofshot": "aspirational",
    "ambitioniert": "aspirational",
    "ambitiös": "aspirational",
    "anspruchsvoll": "aspirational",
}
_KR_KIND_SYNONYMS: Final[dict[str, KeyResultKind]] = {
    "increase": "increase",
    "grow": "increase",
    "raise": "increase",
    "steigern": "increase",
    "erhöhen": "increase",
    "decrease": "decrease",
    "reduce": "decrease",
    "lower": "decrease",
    "senken": "decrease",
    "reduzieren": "decrease",
    "at least": "at_least",
    "at_least": "at_least",
    "minimum": "at_least",
    "keep above": "at_least",
    "mindestens": "at_least",
    "at most": "at_most",
    "at_most": "at_most",
    "maximum": "at_most",
    "keep below": "at_most",
    "höchstens": "at_most",
    "milestone": "milestone",
    "binary": "milestone",
    "done/not done": "milestone",
    "meilenstein": "milestone",
}
OPTION_SYNONYMS: Final[dict[str, dict[str, str]]] = {
    "level": dict(_LEVEL_SYNONYMS),
    "objective_kind": dict(_OBJECTIVE_KIND_SYNONYMS),
    "key_result_kind": dict(_KR_KIND_SYNONYMS),
}
CANONICAL_OPTIONS: Final[dict[str, tuple[str, ...]]] = {
    "level": LEVELS,
    "objective_kind": ("committed", "aspirational"),
    "key_result_kind": ("increase", "decrease", "at_least", "at_most", "milestone"),
}


def option_key(value: str) -> str:
    """How option names and value-map keys are compared: trimmed, case-folded, spaces collapsed."""
    return " ".join(value.split()).casefold()


_ONE_OF: Final = N_("one of {choices}")


def parse_option(value: Any, options: str) -> str:
    """Read a canonical option (`options` is "level", "objective_kind" or "key_result_kind").

    Canonical names and common English and German synonyms are recognised ("Bereich" ->
    department, "Stretch" -> aspirational, "Mindestens" -> at_least); a value map in the mapping
    handles any other vocabulary.
    """
    canonical = CANONICAL_OPTIONS[options]
    if isinstance(value, list | tuple) and len(value) == 1:
        value = value[0]
    if isinstance(value, str):
        key = option_key(value)
        found = OPTION_SYNONYMS[options].get(key) or OPTION_SYNONYMS[options].get(
            key.replace("_", " ")
        )
        if found:
            return found
    raise ValueParseError(value, clause(_ONE_OF, choices=", ".join(canonical)))
