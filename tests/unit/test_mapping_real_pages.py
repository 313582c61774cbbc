"""Mappings that fit real pages: aliases, keys as people write them, a page's own decimal mark,
and pages the source's query matched that are not objectives."""

from __future__ import annotations

from typing import Any

import pytest

from okrsync.connector import SourceRecord
from okrsync.mapping.apply import MappingResult, apply_mapping
from okrsync.mapping.keys import find_key, key_form
from okrsync.mapping.loader import parse_mapping
from okrsync.mapping.page_locale import decimal_evidence

PAGES = """\
version: 1
collections:
  objectives:
    fields:
      title: "@title"
      owners: [Owner, Verantwortlich]
      cycle:
        field: Quarter
        aliases: [Quartal]
      team: Team
  key_results:
    fields:
      title: [Key Result, Schlüsselergebnis]
      objective: "@page"
      start: [Start, Startwert]
      current: [Current, Istwert]
      target: [Target, Zielwert]
"""


def page(page_id: str, title: str, **fields: Any) -> SourceRecord:
    return SourceRecord(
        collection="objectives", external_id=page_id, fields={"@title": title, **fields}
    )


def row(page_id: str, title_key: str, title: str, **fields: Any) -> SourceRecord:
    return SourceRecord(
        collection="key_results",
        external_id=f"{page_id}#kr-{title.lower()}",
        fields={"@page": page_id, title_key: title, **fields},
    )


def run(records: list[SourceRecord]) -> MappingResult:
    return apply_mapping(parse_mapping(PAGES), records, connector="confluence")


@pytest.mark.parametrize(
    "written",
    ["Owner", "owner", " Owner ", "Owner:", "Owner\xa0", "**Owner**", "OWNER :", "Ｏｗｎｅｒ"],
)
def test_keys_match_as_people_write_them(written: str) -> None:
    assert key_form(written) == "owner"
    assert find_key({written: 1, "Team": 2}, "Owner") == written


def test_pseudo_fields_match_only_exactly() -> None:
    assert find_key({"@title": "x"}, "@TITLE") is None


def test_aliases_read_an_english_and_a_german_page_with_one_mapping() -> None:
    result = run(
        [
            page("1", "Grow", **{"Owner:": "Ada", "Quarter": "Q4 2026"}),
            page("2", "Wachsen", **{"Verantwortlich": "Bea", "quartal": "Q4 2026"}),
            row("1", "Key Result", "Revenue", Start="0", Current="50", Target="100"),
            row("2", "Schlüsselergebnis", "Umsatz", Startwert="10", Istwert="15", Zielwert="20"),
        ]
    )
    assert result.findings == ()
    owners = {o.title: o.owners for o in result.workspace.objectives}
    assert owners == {"Grow": ("Ada",), "Wachsen": ("Bea",)}
    assert {o.cycle for o in result.workspace.objectives} == {"2026-Q4"}
    krs = {k.title: (k.start, k.current, k.target) for k in result.workspace.key_results}
    assert krs == {"Revenue": (0.0, 50.0, 100.0), "Umsatz": (10.0, 15.0, 20.0)}


def test_the_first_alias_holding_a_value_is_read() -> None:
    result = run([page("1", "Grow", Owner="", Verantwortlich="Bea")])
    assert result.workspace.objectives[0].owners == ("Bea",)


def test_a_list_in_yaml_is_the_field_then_its_aliases() -> None:
    spec = parse_mapping(PAGES).collections["objectives"].fields["owners"]
    assert (spec.field, spec.aliases) == ("Owner", ("Verantwortlich",))
    assert "Verantwortlich" in parse_mapping(PAGES).source_fields("objectives")


@pytest.mark.parametrize(
    ("text", "marks"),
    [
        ("71,5 %", {","}),
        ("1.234,5 €", {","}),
        ("1,234.5", {"."}),
        ("0.25", {"."}),
        ("1.234.567", {","}),
        ("1,234", set()),
        ("1.234", set()),
        ("42", set()),
    ],
)
def test_decimal_evidence(text: str, marks: set[str]) -> None:
    assert decimal_evidence(text) == marks


def test_a_german_page_in_an_english_space_reads_its_own_numbers() -> None:
    result = run(
        [
            page("1", "Grow", Owner="Ada"),
            row("1", "Key Result", "Revenue", Start="1,000", Current="1,500.5", Target="2,000"),
            page("2", "Wachsen", Verantwortlich="Bea"),
            row("2", "Schlüsselergebnis", "Quote", Startwert="0", Istwert="71,5 %"),
            row("2", "Schlüsselergebnis", "Umsatz", Startwert="1.000", Zielwert="1.234,5 €"),
        ]
    )
    assert result.findings == ()
    krs = {k.title: (k.start, k.current, k.target) for k in result.workspace.key_results}
    assert krs["Revenue"] == (1000.0, 1500.5, 2000.0)
    assert krs["Quote"] == (0.0, 71.5, None)
    assert krs["Umsatz"] == (1000.0, None, 1234.5), "1.000 follows the page's decimal comma"


def test_a_page_writing_both_marks_keeps_the_mapping_locale_and_says_so() -> None:
    result = run(
        [
            page("1", "Grow", Owner="Ada"),
            row("1", "Key Result", "Revenue", Start="0.5", Current="71,5"),
        ]
    )
    assert [f.code for f in result.findings] == ["DATA001"]
    assert '"71,5"' in result.findings[0].message


def test_meeting_notes_with_the_label_are_skipped_with_an_info_finding() -> None:
    result = run(
        [
            page("1", "Grow", Owner="Ada"),
            page("9", "OKR weekly sync 2026-11-02"),
            page("3", "Child-page objective"),
            row("3", "Key Result", "NPS", Start="30", Target="45"),
        ]
    )
    assert {o.id for o in result.workspace.objectives} == {"1", "3"}
    (finding,) = result.findings
    assert (finding.code, finding.severity, finding.subject) == ("DATA009", "info", "9")
    assert "OKR weekly sync" in finding.message and "never writes on it" in finding.message


def test_output_named_like_an_input_alias_is_refused() -> None:
    from okrsync.errors import ConfigError

    text = PAGES + "outputs:\n  objectives:\n    health: quartal\n"
    with pytest.raises(ConfigError) as info:
        parse_mapping(text)
    assert '"quartal" is both read (as cycle) and written' in str(info.value.problems)
