"""apply_mapping: source records become a workspace; bad values become findings, not crashes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from okrsync.connector import SourceRecord
from okrsync.mapping.apply import MappingResult, apply_mapping, source_value
from okrsync.mapping.loader import parse_mapping
from okrsync.mapping.schema import Mapping
from okrsync.model import Finding

NOTION = """\
version: 1
collections:
  objectives:
    source: Objectives
    fields:
      title: Objective
      owners: Owner
      team: Team
      level:
        field: Level
        values: {" bereich ": department, TRIBE: team}
        default: team
      cycle: Quarter
      kind: {field: Type, values: {Committed: committed, Stretch: aspirational}}
      parents: Aligned to
      status: Status
      ignore_rules: Notes
  key_results:
    source: Key Results
    fields:
      title: Key Result
      objective: Objective
      owners: Owner
      kind: Kind
      start: Start Value
      current: Current Value
      target: Target Value
      weight: {field: Weight, default: 1}
      unit: Unit
      confidence: {field: Confidence, parse: scale_10}
      due: Due
      done: Done
      ignore_rules: Notes
  cycles:
    source: Quarters
    fields:
      name: Name
      start: Dates
      end: Dates
"""

ADA = {"id": "u-ada", "name": "Ada Lovelace", "email": "ada@example.com"}
BOB = {"id": "u-bob", "name": "Bob", "email": None}
EDITED = datetime(2025, 8, 1, 9, 30, tzinfo=UTC)


def rec(collection: str, external_id: str, **fields: Any) -> SourceRecord:
    return SourceRecord(
        collection=collection,
        external_id=external_id,
        url=f"https://example.test/{external_id}",
        updated_at=EDITED,
        fields=fields,
    )


def objective(external_id: str, title: str, **fields: Any) -> SourceRecord:
    return rec("objectives", external_id, Objective=title, **fields)


def key_result(external_id: str, title: str, objective_id: str, **fields: Any) -> SourceRecord:
    return rec(
        "key_results", external_id, **{"Key Result": title, "Objective": [objective_id]}, **fields
    )


def run(records: list[SourceRecord], text: str = NOTION) -> MappingResult:
    return apply_mapping(parse_mapping(text), records, connector="notion")


def codes(findings: tuple[Finding, ...]) -> list[tuple[str, str]]:
    return [(f.code, f.subject) for f in findings]


def test_the_issue_example_maps_to_canonical_values() -> None:
    records = [
        rec("cycles", "q3", Name="Q3 2025", Dates={"start": "2025-07-01", "end": "2025-09-30"}),
        objective(
            "o1",
            "Win more deals",
            Owner=[ADA],
            Quarter=["q3"],
            Level="Team",
            Type="Stretch",
            Team="Sales",
        ),
        key_result(
            "k1",
            "Close rate from 22% to 27%",
            "o1",
            **{"Start Value": "22%", "Current Value": "24.5%", "Target Value": "27%"},
        ),
        key_result(
            "k2",
            "Calls per rep",
            "o1",
            **{"Start Value": 3, "Current Value": 4.2, "Target Value": 6, "Unit": "calls/week"},
        ),
        key_result(
            "k3",
            "Qualified pipeline",
            "o1",
            **{"Kind": "At least", "Current Value": "$420K", "Target Value": "$500K"},
        ),
    ]
    result = run(records)
    assert result.findings == ()
    assert result.dropped == 0
    ws = result.workspace
    (cycle,) = ws.cycles
    assert (cycle.id, cycle.name, cycle.start, cycle.end) == (
        "q3",
        "Q3 2025",
        date(2025, 7, 1),
        date(2025, 9, 30),
    )
    (obj,) = ws.objectives
    assert (obj.id, obj.title, obj.cycle, obj.kind, obj.level, obj.team, obj.owners) == (
        "o1",
        "Win more deals",
        "q3",
        "aspirational",
        "team",
        "Sales",
        ("u-ada",),
    )
    assert obj.source is not None
    assert (
        obj.source.connector,
        obj.source.external_id,
        obj.source.url,
        obj.source.updated_at,
    ) == (
        "notion",
        "o1",
        "https://example.test/o1",
        EDITED,
    )
    krs = {kr.id: kr for kr in ws.key_results}
    assert (krs["k1"].start, krs["k1"].current, krs["k1"].target, krs["k1"].unit) == (
        22.0,
        24.5,
        27.0,
        "%",
    )
    assert krs["k1"].updated_at == EDITED
    assert (krs["k2"].start, krs["k2"].target, krs["k2"].unit) == (3.0, 6.0, "calls/week")
    assert (krs["k3"].kind, krs["k3"].current, krs["k3"].target, krs["k3"].unit) == (
        "at_least",
        420_000.0,
        500_000.0,
        "$",
    )
    assert all(kr.weight == 1.0 and kr.objective == "o1" for kr in krs.values())
    assert ws.people == (ws.person_by_id()["u-ada"],)
    assert ws.people[0].email == "ada@example.com"


def test_value_maps_are_case_insensitive_and_fall_back_to_synonyms_and_defaults() -> None:
    records = [
        objective("o1", "A", Level="BEREICH"),
        objective("o2", "B", Level="tribe"),
        objective("o3", "C", Level="Company"),  # not in the map; a known synonym
        objective("o4", "D", Level=None),  # empty: the default
        objective("o5", "E", Level="Galaxy"),  # unknown: the default, as the map has one
    ]
    result = run(records)
    ws = result.workspace
    assert [o.level for o in ws.objectives] == ["department", "team", "company", "team", "team"]
    # Only the unknown value that fell back to the default is reported, and says so.
    (finding,) = result.findings
    assert (finding.code, finding.subject) == ("DATA003", "o5")
    assert '"Galaxy"' in finding.message and "default" in finding.message


def test_unknown_option_without_default_is_a_finding_and_the_record_still_loads() -> None:
    result = run([objective("o1", "Grow", Type="Moonshot-ish", Status="On track")])
    (finding,) = result.findings
    assert finding.code == "DATA003"
    assert finding.subject == "o1"
    assert finding.family == "data"
    assert finding.severity in ("error", "warning", "info")
    assert finding.hint
    assert 'objective "Grow" (o1)' in finding.message
    assert 'source field "Type" (kind)' in finding.message
    assert '"Moonshot-ish"' in finding.message
    assert '"Committed", "Stretch"' in finding.message
    (obj,) = result.workspace.objectives
    assert obj.kind == "aspirational"  # the model's default
    assert obj.status == "On track"  # the rest of the record loaded


def test_unparseable_values_become_findings_and_the_rest_loads() -> None:
    records = [
        objective("o1", "Grow"),
        key_result(
            "k1",
            "Revenue",
            "o1",
            **{
                "Target Value": "lots",
                "Current Value": "1,5",
                "Start Value": "10.25",  # the record writes both marks: its locale stays "."
                "Due": "soon",
            },
        ),
        key_result("k2", "Churn", "o1", **{"Target Value": "3%"}),
    ]
    result = run(records)
    assert codes(result.findings) == [("DATA001", "k1"), ("DATA001", "k1"), ("DATA001", "k1")]
    messages = " | ".join(f.message for f in result.findings)
    assert (
        'key result "Revenue" (k1): source field "Target Value" (target) holds "lots"' in messages
    )
    assert "set locale.decimal to ','" in messages
    assert '"Due" (due) holds "soon", which is not a date' in messages
    krs = result.workspace.key_results
    assert [(kr.id, kr.start, kr.target, kr.current, kr.due) for kr in krs] == [
        ("k1", 10.25, None, None, None),
        ("k2", None, 3.0, None, None),
    ]


def test_values_the_model_rejects_are_dropped_with_a_finding() -> None:
    records = [
        objective("o1", "Grow"),
        key_result("k1", "Negative weight", "o1", Weight=-2, **{"Target Value": 5}),
    ]
    result = run(records)
    assert codes(result.findings) == [("DATA001", "k1")]
    assert "weight -2.0" in result.findings[0].message
    (kr,) = result.workspace.key_results
    assert (kr.weight, kr.target) == (1.0, 5.0)


def test_missing_title_drops_the_record_with_a_finding() -> None:
    result = run([objective("o1", ""), objective("o2", "Kept")])
    assert codes(result.findings) == [("DATA002", "o1")]
    assert 'no value for source field "Objective" (title)' in result.findings[0].message
    assert [o.id for o in result.workspace.objectives] == ["o2"]


def test_unreadable_values_are_reported() -> None:
    records = [objective("o1", "Grow", Owner={"unreadable": "button", "raw": "Click"})]
    result = run(records)
    assert codes(result.findings) == [("DATA006", "o1")]
    assert 'cannot read the button value "Click"' in result.findings[0].message
    assert result.workspace.objectives[0].owners == ()


def test_dangling_and_ambiguous_relations() -> None:
    records = [
        objective("o1", "One"),
        objective("o2", "Two"),
        key_result("k1", "Orphan", "gone"),
        rec("key_results", "k2", **{"Key Result": "Shared", "Objective": ["o2", "o1"]}),
    ]
    result = run(records)
    assert codes(result.findings) == [("DATA004", "k1"), ("DATA001", "k2")]
    assert "its objective gone is not among the objectives" in result.findings[0].message
    assert "okrsync uses the first, o2" in result.findings[1].message
    assert [(kr.id, kr.objective) for kr in result.workspace.key_results] == [("k2", "o2")]


def test_duplicate_ids_keep_the_first() -> None:
    result = run([objective("o1", "First"), objective("o1", "Second")])
    assert codes(result.findings) == [("DATA005", "o1")]
    assert [o.title for o in result.workspace.objectives] == ["First"]


def test_an_impossible_record_is_skipped_with_a_finding() -> None:
    bad_end = {"start": "2025-09-30", "end": "2025-09-01"}
    records = [rec("cycles", "c1", Name="Backwards", Dates=bad_end)]
    result = run(records)
    assert codes(result.findings) == [("DATA001", "c1"), ("DATA001", "c1"), ("DATA002", "c1")]
    assert result.workspace.cycles == ()


def test_a_cycle_ending_before_it_starts_is_an_invalid_record() -> None:
    text = NOTION.replace(
        "      start: Dates\n      end: Dates\n", "      start: From\n      end: To\n"
    )
    result = run([rec("cycles", "c1", Name="Odd", From="2025-09-30", To="2025-09-01")], text)
    assert codes(result.findings) == [("DATA007", "c1")]
    assert "ends (2025-09-01) before it starts" in result.findings[0].message
    assert result.workspace.cycles == ()


def test_trashed_and_filtered_records_are_dropped_and_counted() -> None:
    text = NOTION.replace(
        "    source: Objectives\n",
        "    source: Objectives\n    where: {field: Kind of page, equals: [objective, Ziel]}\n",
    )
    records = [
        objective("o1", "Kept", **{"Kind of page": " Objective "}),
        objective("o2", "Also kept", **{"Kind of page": ["Ziel", "x"]}),
        objective("o3", "Filtered", **{"Kind of page": "Key Result"}),
        objective("o4", "No kind"),
        SourceRecord(collection="objectives", external_id="o5", trashed=True),
        rec("people", "p1", Name="Not mapped"),  # collection the mapping does not declare
    ]
    result = run(records, text)
    assert [o.id for o in result.workspace.objectives] == ["o1", "o2"]
    assert result.dropped == 3
    assert result.findings == ()


def test_cycle_names_become_cycles_and_match_cycle_records() -> None:
    records = [
        rec(
            "cycles", "q3-page", Name="Q3 2025", Dates={"start": "2025-07-01", "end": "2025-09-30"}
        ),
        objective("o1", "Relation", Quarter=["q3-page"]),
        objective("o2", "Same quarter, written another way", Quarter="2025-Q3"),
        objective("o3", "Named by text", Quarter="H1 2026"),
        objective("o4", "Same half", Quarter=["2026-H1"]),
        objective("o5", "German", Quarter="3. Quartal 2026"),
        objective("o6", "Nonsense", Quarter="someday"),
    ]
    result = run(records)
    cycles = result.workspace.cycle_by_id()
    assert sorted(cycles) == ["2026-H1", "2026-Q3", "q3-page"]
    assert (cycles["2026-H1"].name, cycles["2026-H1"].start, cycles["2026-H1"].end) == (
        "H1 2026",
        date(2026, 1, 1),
        date(2026, 6, 30),
    )
    assert cycles["2026-Q3"].end == date(2026, 9, 30)
    assert [o.cycle for o in result.workspace.objectives] == [
        "q3-page",
        "q3-page",
        "2026-H1",
        "2026-H1",
        "2026-Q3",
        None,
    ]
    assert codes(result.findings) == [("DATA004", "o6")]
    assert '"someday"' in result.findings[0].message


def test_cycle_records_without_dates_take_them_from_their_name() -> None:
    result = run([rec("cycles", "c1", Name="Q4 2025"), rec("cycles", "c2", Name="Sprint 7")])
    assert [(c.id, c.start, c.end) for c in result.workspace.cycles] == [
        ("c1", date(2025, 10, 1), date(2025, 12, 31))
    ]
    assert codes(result.findings) == [("DATA002", "c2")]


def test_cycle_start_and_end_from_separate_fields_and_text_ranges() -> None:
    text = NOTION.replace(
        "      start: Dates\n      end: Dates\n", "      start: From\n      end: To\n"
    )
    records = [rec("cycles", "c1", Name="Summer", From="01.07.2025", To="2025-08-31")]
    (cycle,) = run(records, text).workspace.cycles
    assert (cycle.start, cycle.end) == (date(2025, 7, 1), date(2025, 8, 31))
    (cycle,) = run(
        [rec("cycles", "c2", Name="Range", Dates="2025-07-01..2025-07-31")]
    ).workspace.cycles
    assert (cycle.start, cycle.end) == (date(2025, 7, 1), date(2025, 7, 31))


def test_people_are_collected_once_and_text_names_match_known_people() -> None:
    records = [
        objective("o1", "One", Owner=[ADA, BOB]),
        objective("o2", "Two", Owner="ada lovelace, Carla <carla@example.com>"),
        objective("o3", "Three", Owner="ADA@example.com"),
        key_result(
            "k1", "KR", "o1", Owner=[{"id": "u-bob", "name": "", "email": "bob@example.com"}]
        ),
    ]
    ws = run(records).workspace
    owners = {o.id: o.owners for o in ws.objectives}
    assert owners == {
        "o1": ("u-ada", "u-bob"),
        "o2": ("u-ada", "carla@example.com"),
        "o3": ("u-ada",),
    }
    assert ws.key_results[0].owners == ("u-bob",)
    people = ws.person_by_id()
    assert sorted(people) == ["carla@example.com", "u-ada", "u-bob"]
    assert (people["u-bob"].name, people["u-bob"].email) == ("Bob", "bob@example.com")
    assert people["carla@example.com"].name == "Carla"


def test_people_collection_records_are_people() -> None:
    text = NOTION + "  people:\n    fields:\n      name: Name\n      email: Mail\n"
    records = [
        rec("people", "p1", Name="Dora", Mail="dora@example.com"),
        objective("o1", "One", Owner="Dora"),
    ]
    ws = run(records, text).workspace
    assert ws.objectives[0].owners == ("p1",)
    assert ws.people[0].model_dump() == {"id": "p1", "name": "Dora", "email": "dora@example.com"}


def test_parents_by_id_or_title() -> None:
    records = [
        objective("o1", "Company goal"),
        objective("o2", "Team goal", **{"Aligned to": ["o1"]}),
        objective("o3", "Other", **{"Aligned to": "company GOAL"}),
        objective("o4", "Dangling", **{"Aligned to": ["elsewhere"]}),
    ]
    parents = {o.id: o.parents for o in run(records).workspace.objectives}
    assert parents == {"o1": (), "o2": ("o1",), "o3": ("o1",), "o4": ("elsewhere",)}


def test_suppressions_are_read_from_notes() -> None:
    records = [
        objective("o1", "One", Notes="Reviewed. okrsync: ignore OBJ003, alignment"),
        key_result("k1", "KR", "o1", Notes="OKRSYNC: IGNORE kr002 kr005 because reasons"),
    ]
    ws = run(records).workspace
    assert ws.objectives[0].ignore_rules == ("OBJ003", "alignment")
    assert ws.key_results[0].ignore_rules == ("KR002", "KR005")


def test_confidence_booleans_and_dates() -> None:
    records = [
        objective("o1", "One"),
        key_result(
            "k1", "KR", "o1", Confidence=7, Done=True, Due={"start": "2025-09-30", "end": None}
        ),
        key_result("k2", "KR2", "o1", Confidence="", Done="nein", Due="30.09.2025"),
    ]
    krs = run(records).workspace.key_results
    assert [(kr.confidence, kr.done, kr.due) for kr in krs] == [
        (0.7, True, date(2025, 9, 30)),
        (None, False, date(2025, 9, 30)),
    ]


def test_locale_and_parse_modes() -> None:
    text = """\
version: 1
locale: {decimal: ","}
collections:
  objectives:
    fields:
      title: "@title"
      level: {value: Company}
      kind: {value: committed}
  key_results:
    fields:
      title: KR
      objective: "@page"
      current: {field: Progress, parse: percent}
      target: {value: 100}
      start: {field: Baseline}
      confidence: {field: Conf, parse: percent}
"""
    records = [
        rec("objectives", "p1", **{"@title": "Page title"}),
        rec(
            "key_results",
            "p1#kr-a",
            KR="A",
            Progress=0.45,
            Baseline="1.234,5",
            Conf=80,
            **{"@page": "p1"},
        ),
    ]
    result = run(records, text)
    assert result.findings == ()
    (obj,) = result.workspace.objectives
    assert (obj.title, obj.level, obj.kind) == ("Page title", "company", "committed")
    (kr,) = result.workspace.key_results
    assert (kr.objective, kr.current, kr.target, kr.start, kr.confidence) == (
        "p1",
        45.0,
        100.0,
        1234.5,
        0.8,
    )


def test_confluence_pseudo_fields() -> None:
    text = """\
version: 1
collections:
  objectives:
    where: {field: "@labels", equals: okr}
    fields:
      title: "@title"
      parents: "@parent"
      status: "@url"
      description: "@id"
  key_results:
    fields:
      title: Key Result
      objective: "@page"
"""
    records = [
        SourceRecord(
            collection="objectives",
            external_id="100",
            url="https://wiki.test/100",
            fields={"@title": "Grow", "@labels": ["okr", "sales"], "@parent": "99"},
        ),
        SourceRecord(
            collection="objectives",
            external_id="101",
            fields={"@title": "Not an OKR", "@labels": ["meeting-notes"]},
        ),
        SourceRecord(
            collection="key_results",
            external_id="100#kr-revenue",
            fields={"Key Result": "Revenue", "@page": "100"},
        ),
    ]
    result = run(records, text)
    (obj,) = result.workspace.objectives
    assert (obj.title, obj.parents, obj.status, obj.description) == (
        "Grow",
        ("99",),
        "https://wiki.test/100",
        "100",
    )
    assert result.dropped == 1
    assert result.workspace.key_results[0].objective == "100"


def test_source_value_falls_back_for_id_and_url() -> None:
    record = SourceRecord(collection="objectives", external_id="x", url="u", fields={"A": 1})
    assert source_value(record, "@id") == "x"
    assert source_value(record, "@url") == "u"
    assert source_value(record, "A") == 1
    assert source_value(record, "@title") is None


def test_check_ins_link_to_key_results() -> None:
    text = NOTION + (
        "  check_ins:\n    fields:\n      key_result: KR\n      at: When\n      value: Value\n"
        "      note: Note\n"
    )
    records = [
        objective("o1", "One"),
        key_result("k1", "Revenue", "o1"),
        rec("check_ins", "c1", KR=["k1"], When="2025-08-01T10:00:00Z", Value="1.2M", Note="ok"),
        rec("check_ins", "c2", KR="revenue", When="2025-08-08", Value=3),
        rec("check_ins", "c3", KR=["nope"], When="2025-08-08", Value=3),
    ]
    result = run(records, text)
    assert [(c.key_result, c.at, c.value, c.note) for c in result.workspace.check_ins] == [
        ("k1", datetime(2025, 8, 1, 10, tzinfo=UTC), 1_200_000.0, "ok"),
        ("k1", datetime(2025, 8, 8, tzinfo=UTC), 3.0, ""),
    ]
    assert codes(result.findings) == [("DATA004", "c3")]


def test_one_bad_record_never_stops_the_others() -> None:
    records = [
        objective(f"o{i}", f"Objective {i}", Type="???" if i % 2 else "Committed")
        for i in range(10)
    ]
    result = run(records)
    assert len(result.workspace.objectives) == 10
    assert [f.subject for f in result.findings] == ["o1", "o3", "o5", "o7", "o9"]


@pytest.mark.parametrize("mapping_text", [NOTION])
def test_result_is_plain_frozen_data(mapping_text: str) -> None:
    result = run([objective("o1", "One")], mapping_text)
    assert isinstance(parse_mapping(mapping_text), Mapping)
    with pytest.raises(ValueError, match="frozen"):
        result.dropped = 5  # type: ignore[misc]


def test_findings_carry_the_catalogue_words() -> None:
    from okrsync.rules import get_rule

    result = run([objective("o1", "Grow", Type="Moonshot-ish")])
    (finding,) = result.findings
    rule = get_rule("DATA003")
    assert (finding.name, finding.hint, finding.severity, finding.family) == (
        rule.name,
        rule.hint,
        rule.severity,
        "data",
    )


def test_plain_dict_records_are_accepted_and_bad_ones_reported() -> None:
    records: list[Any] = [
        {
            "collection": "objectives",
            "external_id": "o1",
            "url": "https://example.test/o1",
            "updated_at": "2025-08-01T09:30:00Z",
            "fields": {"Objective": "From a dict"},
        },
        {"collection": "objectives", "fields": {"Objective": "No id"}},
        {"collection": "okrs", "external_id": "x9", "fields": {}},
    ]
    result = apply_mapping(parse_mapping(NOTION), records, connector="test")
    (obj,) = result.workspace.objectives
    assert obj.title == "From a dict"
    assert obj.source is not None and obj.source.updated_at == EDITED
    assert codes(result.findings) == [("DATA007", "record #2"), ("DATA007", "x9")]
    assert "external_id: Field required" in result.findings[0].message
    assert "collection: Input should be" in result.findings[1].message


def test_fiscal_year_cycle_names_follow_the_locale() -> None:
    text = NOTION.replace("version: 1\n", "version: 1\nlocale: {fiscal_year_start: 4}\n")
    records = [
        objective("o1", "Fiscal", Quarter="FY26 Q1"),
        objective("o2", "Calendar", Quarter="Q1 2026"),
        rec("cycles", "c1", Name="FY2026 H2"),
    ]
    result = run(records, text)
    assert result.findings == ()
    cycles = result.workspace.cycle_by_id()
    assert (cycles["FY2026-Q1"].start, cycles["FY2026-Q1"].end) == (
        date(2025, 4, 1),
        date(2025, 6, 30),
    )
    assert (cycles["2026-Q1"].start, cycles["2026-Q1"].end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert (cycles["c1"].start, cycles["c1"].end) == (date(2025, 10, 1), date(2026, 3, 31))
    assert [o.cycle for o in result.workspace.objectives] == ["FY2026-Q1", "2026-Q1"]
