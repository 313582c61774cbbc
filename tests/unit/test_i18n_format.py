"""Numbers, amounts, percentages and dates in German and English (okrsync.i18n.format)."""

from __future__ import annotations

from datetime import date

import pytest

from okrsync.i18n.format import (
    format_amount,
    format_date,
    format_date_range,
    format_number,
    format_percent_value,
    share,
)

NBSP = "\u00a0"
THIN = "\u2009"


@pytest.mark.parametrize(
    ("value", "unit", "english", "german"),
    [
        (27, "%", "27%", f"27{NBSP}%"),
        (27.5, "percent", "27.5%", f"27,5{NBSP}%"),
        (1_200_000, "€", "€1.2M", f"1,2{NBSP}Mio.{NBSP}€"),
        (180_000, "EUR", "€180K", f"180.000{NBSP}€"),
        (95, "€", "€95", f"95{NBSP}€"),
        (95.5, "€", "€95.50", f"95,50{NBSP}€"),
        (2_400_000, "$", "$2.4M", f"2,4{NBSP}Mio.{NBSP}$"),
        (1234.5, "accounts", "1,234.5 accounts", "1.234,5 accounts"),
        (900, "/mo", "900/mo", "900/mo"),
    ],
)
def test_amounts(value: float, unit: str, english: str, german: str) -> None:
    assert format_amount(value, unit) == english
    assert format_amount(value, unit, locale="de") == german


def test_numbers_and_shares() -> None:
    assert format_number(1234.5, locale="de") == "1.234,5"
    assert format_number(12_000_000, locale="de") == f"12{NBSP}Mio."
    assert share(0.49) == "49%"
    assert share(0.49, locale="de") == f"49{NBSP}%"
    assert share(-0.001, locale="de") == f"0{NBSP}%"
    assert format_percent_value(-0.001) == "0%"
    assert share(None) == "–"


def test_dates_and_ranges() -> None:
    assert format_date(date(2026, 12, 6), locale="de") == "6. Dezember 2026"
    assert format_date(date(2026, 12, 6)) == "December 6, 2026"
    quarter = (date(2026, 10, 1), date(2026, 12, 31))
    assert format_date_range(*quarter, locale="de") == f"1. Oktober{THIN}–{THIN}31. Dezember 2026"
    assert format_date_range(*quarter) == f"October 1{THIN}–{THIN}December 31, 2026"
    week = (date(2026, 12, 1), date(2026, 12, 6))
    assert format_date_range(*week, locale="de") == "1.–6. Dezember 2026"
    assert format_date_range(date(2025, 12, 1), date(2026, 1, 31), locale="de") == (
        f"1. Dezember 2025{THIN}–{THIN}31. Januar 2026"
    )
    assert format_date_range(date(2026, 1, 1), date(2026, 1, 1), locale="de") == "1. Januar 2026"


def test_message_parameters_are_said_per_language() -> None:
    from okrsync.i18n import translator
    from okrsync.i18n.message import (
        DAYS,
        Amount,
        Counted,
        Fixed,
        Listing,
        Quoted,
        Share,
        english,
        render,
        say,
    )

    de, en = translator("de"), translator("en")
    assert say(Quoted("Umsatz"), de) == "„Umsatz“" and say(Quoted("Umsatz"), en) == "'Umsatz'"
    assert say(Fixed(0.7), de) == "0,70" and say(Fixed(0.7), en) == "0.70"
    assert say(Share(0.456), de) == f"46{NBSP}%" and say(Share(0.456), en) == "46%"
    assert say(Amount(1_200_000, "€"), de) == f"1,2{NBSP}Mio.{NBSP}€"
    assert say(Counted(DAYS, 1), de) == "1 Tag" and say(Counted(DAYS, 1234), de) == "1.234 Tage"
    assert say(date(2025, 7, 2), de) == "2. Juli 2025" and say(date(2025, 7, 2), en) == "2025-07-02"
    listing = Listing((Quoted("A"), Quoted("B")), more=3)
    assert say(listing, en) == "'A', 'B' and 3 more"
    assert say(listing, de) == "„A“, „B“ und 3 weitere"
    message = "{found} of {total} key results of {objective} were not checked in or updated for more than {limit} (the oldest {idle}, since {last})"  # noqa: E501
    params = {
        "found": 2,
        "total": 3,
        "objective": Quoted("Umsatz"),
        "limit": Counted(DAYS, 14),
        "idle": Counted(DAYS, 20),
        "last": date(2025, 7, 2),
    }
    text, values = english(message, params)
    assert (
        text
        == render(message, values, en)
        == (
            "2 of 3 key results of 'Umsatz' were not checked in or updated for more than 14 days "
            "(the oldest 20 days, since 2025-07-02)"
        )
    )
    assert render(message, values, de) == (
        "Bei „Umsatz“ sind 2 von 3 Schlüsselergebnissen länger als 14 Tage ohne Check-in oder "
        "Aktualisierung (am längsten 20 Tage, seit 2. Juli 2025)"
    )
