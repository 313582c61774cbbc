"""Value parsing: every format people write numbers, dates, cycles, people and flags in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from okrsync.mapping.schema import Locale
from okrsync.mapping.values import (
    ParsedNumber,
    PersonValue,
    ValueParseError,
    parse_bool,
    parse_confidence,
    parse_cycle,
    parse_date,
    parse_date_range,
    parse_datetime,
    parse_ids,
    parse_number,
    parse_option,
    parse_people,
    parse_text,
)

DE = Locale(decimal=",")
DAY_FIRST = Locale(day_first=True)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("27%", 27.0, "%"),
        ("27 %", 27.0, "%"),
        ("27 Prozent", 27.0, "%"),
        ("$500K", 500_000.0, "$"),
        ("€1.2M", 1_200_000.0, "€"),
        ("1.2M", 1_200_000.0, None),
        ("1,234.5", 1234.5, None),
        ("1,234,567", 1_234_567.0, None),
        ("4.5 stars", 4.5, "stars"),
        ("-3", -3.0, None),
        ("−3", -3.0, None),
        ("+3", 3.0, None),
        ("1 234", 1234.0, None),
        ("1\u00a0234", 1234.0, None),
        ("1'234", 1234.0, None),
        ("12k", 12_000.0, None),
        ("12 k", 12_000.0, None),
        ("-$500", -500.0, "$"),
        ("$-500", -500.0, "$"),
        ("USD 500", 500.0, "USD"),
        ("500 EUR", 500.0, "EUR"),
        ("500 €", 500.0, "€"),
        ("1.5 Mio. €", 1_500_000.0, "€"),
        ("3 Mrd", 3e9, None),
        ("2bn", 2e9, None),
        ("$1.2m", 1_200_000.0, "$"),
        ("5 m", 5.0, "m"),
        ("6 calls/week", 6.0, "calls/week"),
        ("  42  ", 42.0, None),
        ("0.5", 0.5, None),
    ],
)
def test_numbers_in_the_forms_people_write(text: str, value: float, unit: str | None) -> None:
    assert parse_number(text) == ParsedNumber(value, unit)


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.234,5", 1234.5), ("1,2", 1.2), ("1.234", 1234.0), ("27,5 %", 27.5), ("1 234,5", 1234.5)],
)
def test_numbers_with_a_decimal_comma(text: str, value: float) -> None:
    assert parse_number(text, DE).value == value


@pytest.mark.parametrize("value", [27, 27.0, [27], (27,)])
def test_plain_numbers_and_one_item_rollups(value: Any) -> None:
    assert parse_number(value) == ParsedNumber(27.0, None)


def test_percent_mode_reads_bare_numbers_as_fractions() -> None:
    assert parse_number(0.27, mode="percent") == ParsedNumber(27.0, "%")
    assert parse_number("0.27", mode="percent") == ParsedNumber(27.0, "%")
    assert parse_number("27%", mode="percent") == ParsedNumber(27.0, "%")
    assert parse_number(1, mode="percent") == ParsedNumber(100.0, "%")


def test_fraction_mode_divides_percentages() -> None:
    assert parse_number("27%", mode="fraction") == ParsedNumber(0.27, None)
    assert parse_number(0.27, mode="fraction") == ParsedNumber(0.27, None)


@pytest.mark.parametrize(
    ("text", "locale", "says"),
    [
        ("", Locale(), "a number"),
        ("lots", Locale(), "a number"),
        ("1,5", Locale(), "set locale.decimal to ','"),
        ("1.234,5", Locale(), "set locale.decimal to ','"),
        ("1,234.5", DE, "set locale.decimal to '.'"),
        ("1.2.3", DE, "groups of 3"),
        ("3 4", Locale(), "spaces may only group thousands"),
        ("$", Locale(), "a number"),
        ("- 5 -", Locale(), "a number"),
        ("$500 USD", Locale(), "one unit"),
        ("about 5", Locale(), "a number"),
        ("27 % of users", Locale(), "'% of users' after the number is not a unit"),
    ],
)
def test_bad_numbers_say_what_was_expected(text: str, locale: Locale, says: str) -> None:
    with pytest.raises(ValueParseError) as info:
        parse_number(text, locale)
    assert says in str(info.value)


@pytest.mark.parametrize("value", [True, None, {"a": 1}, [1, 2], float("nan"), float("inf")])
def test_non_numbers_are_rejected(value: Any) -> None:
    with pytest.raises(ValueParseError):
        parse_number(value)


@settings(deadline=None)  # no timing: the machine may be busy
@given(st.text())
def test_number_parser_only_ever_raises_value_parse_error(text: str) -> None:
    try:
        result = parse_number(text)
    except ValueParseError as exc:
        assert str(exc)
    else:
        assert result.value == result.value  # never NaN
        assert abs(result.value) != float("inf")


@settings(deadline=None)
@given(st.text(alphabet="0123456789.,' -+$€%kKMB", max_size=20))
def test_number_parser_on_number_like_text(text: str) -> None:
    for locale in (Locale(), DE):
        try:
            result = parse_number(text, locale)
        except ValueParseError as exc:
            assert exc.expected.startswith("a number")
        else:
            assert isinstance(result.value, float)


@settings(deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_written_numbers_read_back(number: float) -> None:
    assert parse_number(f"{number:.6f}").value == pytest.approx(number, abs=1e-6)
    assert parse_number(f"{number:,.2f}").value == pytest.approx(round(number, 2), abs=1e-6)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("yes", True),
        ("No", False),
        ("ja", True),
        ("Nein", False),
        ("TRUE", True),
        ("false", False),
        ("x", True),
        ("✓", True),
        ("✔", True),
        ("1", True),
        ("0", False),
        (" erledigt ", True),
    ],
)
def test_booleans(value: Any, expected: bool) -> None:
    assert parse_bool(value) is expected


@pytest.mark.parametrize("value", ["maybe", 2, "", None, []])
def test_bad_booleans(value: Any) -> None:
    with pytest.raises(ValueParseError, match="yes or no"):
        parse_bool(value)


JULY_1 = date(2025, 7, 1)


@pytest.mark.parametrize(
    "value",
    [
        "2025-07-01",
        "2025-7-1",
        "2025-07-01T10:30:00Z",
        "2025-07-01T23:30:00-05:00",
        "2025-07-01T10:30:00.000+02:00",
        "01.07.2025",
        "1.7.25",
        "07/01/2025",
        "2025/07/01",
        "1 Jul 2025",
        "1 July 2025",
        "1. Juli 2025",
        "Jul 1, 2025",
        "July 1st, 2025",
        {"start": "2025-07-01", "end": None},
        date(2025, 7, 1),
        datetime(2025, 7, 1, 12, tzinfo=UTC),
    ],
)
def test_dates(value: Any) -> None:
    assert parse_date(value) == JULY_1


def test_slashed_dates_follow_the_locale() -> None:
    assert parse_date("07/01/2025", DAY_FIRST) == date(2025, 1, 7)
    assert parse_date("13/01/2025", DAY_FIRST) == date(2025, 1, 13)
    with pytest.raises(ValueParseError, match=r"month must be in 1\.\.12"):
        parse_date("13/01/2025")


@pytest.mark.parametrize("value", ["2025-13-01", "31.02.2025", "soon", "1 Foo 2025", 20250701, ""])
def test_bad_dates(value: Any) -> None:
    with pytest.raises(ValueParseError, match="a date"):
        parse_date(value)


def test_datetimes_keep_offsets_and_default_to_utc() -> None:
    assert parse_datetime("2025-07-01T10:30:00Z") == datetime(2025, 7, 1, 10, 30, tzinfo=UTC)
    plus2 = timezone(timedelta(hours=2))
    assert parse_datetime("2025-07-01T10:30:00+02:00") == datetime(2025, 7, 1, 10, 30, tzinfo=plus2)
    assert parse_datetime("2025-07-01") == datetime(2025, 7, 1, tzinfo=UTC)
    assert parse_datetime(datetime(2025, 7, 1)) == datetime(2025, 7, 1, tzinfo=UTC)
    with pytest.raises(ValueParseError, match="ISO date-time"):
        parse_datetime("2025-07-01Tnoon")


Q3 = (date(2025, 7, 1), date(2025, 9, 30))


@pytest.mark.parametrize(
    "value",
    [
        {"start": "2025-07-01", "end": "2025-09-30"},
        "2025-07-01..2025-09-30",
        "2025-07-01 – 2025-09-30",
        "2025-07-01 - 2025-09-30",
        "01.07.2025 - 30.09.2025",
        "01.07.2025 bis 30.09.2025",
        "Jul 1, 2025 to Sep 30, 2025",
        "Q3 2025",
    ],
)
def test_date_ranges(value: Any) -> None:
    assert parse_date_range(value) == Q3


def test_date_range_without_end_is_one_day() -> None:
    assert parse_date_range({"start": "2025-07-01", "end": None}) == (JULY_1, JULY_1)


@pytest.mark.parametrize("value", ["2025-09-30..2025-07-01", {"end": "2025-07-01"}, "sometime", 5])
def test_bad_date_ranges(value: Any) -> None:
    with pytest.raises(ValueParseError, match="a date range"):
        parse_date_range(value)


@pytest.mark.parametrize(
    ("value", "cycle_id", "name", "start", "end"),
    [
        ("Q3 2025", "2025-Q3", "Q3 2025", date(2025, 7, 1), date(2025, 9, 30)),
        ("q3 2025", "2025-Q3", "Q3 2025", date(2025, 7, 1), date(2025, 9, 30)),
        ("2025-Q3", "2025-Q3", "Q3 2025", date(2025, 7, 1), date(2025, 9, 30)),
        ("2025 Q3", "2025-Q3", "Q3 2025", date(2025, 7, 1), date(2025, 9, 30)),
        ("Q3/25", "2025-Q3", "Q3 2025", date(2025, 7, 1), date(2025, 9, 30)),
        ("Q3-2025", "2025-Q3", "Q3 2025", date(2025, 7, 1), date(2025, 9, 30)),
        ("Q3 '25", "2025-Q3", "Q3 2025", date(2025, 7, 1), date(2025, 9, 30)),
        ("Q1 2024", "2024-Q1", "Q1 2024", date(2024, 1, 1), date(2024, 3, 31)),
        ("Q4 2025", "2025-Q4", "Q4 2025", date(2025, 10, 1), date(2025, 12, 31)),
        ("H1 2026", "2026-H1", "H1 2026", date(2026, 1, 1), date(2026, 6, 30)),
        ("2026-H2", "2026-H2", "H2 2026", date(2026, 7, 1), date(2026, 12, 31)),
        ("2025", "2025", "2025", date(2025, 1, 1), date(2025, 12, 31)),
        (2025, "2025", "2025", date(2025, 1, 1), date(2025, 12, 31)),
        ("Quartal 3 2025", "2025-Q3", "Q3 2025", date(2025, 7, 1), date(2025, 9, 30)),
        ("3. Quartal 2025", "2025-Q3", "Q3 2025", date(2025, 7, 1), date(2025, 9, 30)),
        ("1. Halbjahr 2026", "2026-H1", "H1 2026", date(2026, 1, 1), date(2026, 6, 30)),
        ("3rd quarter 2025", "2025-Q3", "Q3 2025", date(2025, 7, 1), date(2025, 9, 30)),
        (["Q3 2025"], "2025-Q3", "Q3 2025", date(2025, 7, 1), date(2025, 9, 30)),
    ],
)
def test_cycle_names(value: Any, cycle_id: str, name: str, start: date, end: date) -> None:
    period = parse_cycle(value)
    assert (period.id, period.name, period.start, period.end) == (cycle_id, name, start, end)


@pytest.mark.parametrize(
    ("value", "start_month", "cycle_id", "name", "start", "end"),
    [
        ("FY25 Q1", 1, "2025-Q1", "Q1 2025", date(2025, 1, 1), date(2025, 3, 31)),
        ("FY2025", 1, "2025", "2025", date(2025, 1, 1), date(2025, 12, 31)),
        ("FY25 Q1", 4, "FY2025-Q1", "Q1 FY2025", date(2024, 4, 1), date(2024, 6, 30)),
        ("Q4 FY25", 4, "FY2025-Q4", "Q4 FY2025", date(2025, 1, 1), date(2025, 3, 31)),
        ("FY2026-H2", 10, "FY2026-H2", "H2 FY2026", date(2026, 4, 1), date(2026, 9, 30)),
        ("fy25", 4, "FY2025", "FY2025", date(2024, 4, 1), date(2025, 3, 31)),
        ("GJ 2025 Q2", 7, "FY2025-Q2", "Q2 FY2025", date(2024, 10, 1), date(2024, 12, 31)),
        ("Q3 2025", 4, "2025-Q3", "Q3 2025", date(2025, 7, 1), date(2025, 9, 30)),
    ],
)
def test_fiscal_cycle_names(
    value: str, start_month: int, cycle_id: str, name: str, start: date, end: date
) -> None:
    period = parse_cycle(value, start_month)
    assert (period.id, period.name, period.start, period.end) == (cycle_id, name, start, end)


def test_leap_year_quarter_ends_inclusive() -> None:
    assert parse_cycle("H1 2024").end == date(2024, 6, 30)
    assert parse_cycle("Q1 2024").end == date(2024, 3, 31)


@pytest.mark.parametrize("value", ["Q5 2025", "H3 2025", "FY25 Q5", "next quarter", "", None])
def test_bad_cycle_names(value: Any) -> None:
    with pytest.raises(ValueParseError, match="a cycle name"):
        parse_cycle(value)


def test_people_from_dicts_and_text() -> None:
    assert parse_people([{"id": "u1", "name": "Ada", "email": "ada@example.com"}]) == (
        PersonValue("u1", "Ada", "ada@example.com"),
    )
    assert parse_people({"id": "u2", "name": "Bob", "email": None}) == (
        PersonValue("u2", "Bob", None),
    )
    assert parse_people("Ada Lovelace, bob@example.com; Carl Gauss <carl@example.de>\n@dora") == (
        PersonValue(None, "Ada Lovelace", None),
        PersonValue(None, "bob@example.com", "bob@example.com"),
        PersonValue(None, "Carl Gauss", "carl@example.de"),
        PersonValue(None, "dora", None),
    )
    with pytest.raises(ValueParseError, match="people"):
        parse_people(42)
    with pytest.raises(ValueParseError, match="people"):
        parse_people([{"name": "", "email": None}])


def test_relation_ids() -> None:
    assert parse_ids(["a", "b", "a"]) == ("a", "b")
    assert parse_ids("a, b") == ("a", "b")
    assert parse_ids("single") == ("single",)
    assert parse_ids([{"id": "x"}]) == ("x",)
    with pytest.raises(ValueParseError, match="relation ids"):
        parse_ids(1.5)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.7, 0.7), (7, 0.7), ("7", 0.7), ("70%", 0.7), (70, 0.7), (1, 1.0), (0, 0.0), (10, 1.0)],
)
def test_confidence_is_normalised_to_unit(value: Any, expected: float) -> None:
    assert parse_confidence(value) == pytest.approx(expected)


def test_confidence_scales() -> None:
    assert parse_confidence(1, scale="ten") == pytest.approx(0.1)
    assert parse_confidence(70, scale="percent") == pytest.approx(0.7)
    assert parse_confidence(0.4, scale="unit") == pytest.approx(0.4)
    for bad in (-1, 150, "high"):
        with pytest.raises(ValueParseError):
            parse_confidence(bad)
    with pytest.raises(ValueParseError, match="confidence"):
        parse_confidence(5, scale="unit")


@pytest.mark.parametrize(
    ("value", "options", "expected"),
    [
        ("Company", "level", "company"),
        ("Unternehmen", "level", "company"),
        ("Bereich", "level", "department"),
        ("Abteilung", "level", "department"),
        ("  team ", "level", "team"),
        ("Person", "level", "individual"),
        ("Committed", "objective_kind", "committed"),
        ("Verbindlich", "objective_kind", "committed"),
        ("Stretch", "objective_kind", "aspirational"),
        ("Ambitioniert", "objective_kind", "aspirational"),
        ("At least", "key_result_kind", "at_least"),
        ("at_most", "key_result_kind", "at_most"),
        ("Meilenstein", "key_result_kind", "milestone"),
        (["Increase"], "key_result_kind", "increase"),
    ],
)
def test_options_and_synonyms(value: Any, options: str, expected: str) -> None:
    assert parse_option(value, options) == expected


def test_unknown_option_names_the_choices() -> None:
    with pytest.raises(ValueParseError, match="one of company, department, team, individual"):
        parse_option("Tribe", "level")


def test_text_from_flattened_values() -> None:
    assert parse_text("  hi ") == "hi"
    assert parse_text(["a", "b"]) == "a, b"
    assert parse_text([{"id": "u", "name": "Ada"}]) == "Ada"
    assert parse_text(3) == "3"
    assert parse_text(True) == "yes"
    with pytest.raises(ValueParseError, match="text"):
        parse_text(object())


def test_huge_numbers_are_a_parse_error_not_a_crash() -> None:
    with pytest.raises(ValueParseError, match="sensible size"):
        parse_number(10**400)
    with pytest.raises(ValueParseError, match="sensible size"):
        parse_number("9" * 400)
    with pytest.raises(ValueParseError, match="sensible size"):
        parse_number(1e308, mode="percent")
    # A vendor value past the bound of workspace files (a weight of 1e308 read from Notion)
    # is a finding on that record, not an overflow when weights are summed.
    with pytest.raises(ValueParseError, match="sensible size"):
        parse_number(1e308)
    with pytest.raises(ValueParseError, match="sensible size"):
        parse_number("20,000,000,000,000,000")
    assert parse_number(1e15).value == 1e15
