"""mapping infer: drafts from English and German schemas load and map the right fields."""

from __future__ import annotations

from okrsync.connector import Collection, FieldInfo, SourceRecord, SourceSchema
from okrsync.mapping.apply import apply_mapping
from okrsync.mapping.infer import (
    choose_collections,
    health_option_map,
    infer_mapping,
    missing_outputs,
)
from okrsync.mapping.loader import parse_mapping
from okrsync.mapping.schema import FieldSpec, Mapping


def F(name: str, type_: str, **kw: object) -> FieldInfo:
    return FieldInfo(name=name, type=type_, **kw)


ENGLISH = SourceSchema(
    connector="notion",
    collections={
        "ds-objectives": (
            F("Objective", "title"),
            F("Owner", "people"),
            F("Team", "select", options=("Sales", "Marketing")),
            F("Level", "select", options=("Company", "Department", "Team", "Individual", "Tribe")),
            F("Quarter", "relation", target="ds-quarters"),
            F("Type", "select", options=("Committed", "Aspirational")),
            F("Aligned to", "relation", target="ds-objectives"),
            F("Key Results", "relation", target="ds-krs"),
            F("Status", "status", options=("Not started", "On track")),
            F("Notes", "rich_text"),
            F("Score", "number"),
            F("Health", "select"),
        ),
        "ds-krs": (
            F("Key Result", "title"),
            F("Objective", "relation", target="ds-objectives"),
            F("Owner", "people"),
            F(
                "Kind",
                "select",
                options=("Increase", "Decrease", "At least", "At most", "Milestone"),
            ),
            F("Start Value", "number"),
            F("Current Value", "number"),
            F("Target Value", "number"),
            F("Weight", "number"),
            F("Unit", "select", options=("%", "$")),
            F("Confidence", "number", samples=("7", "8", "5")),
            F("Due", "date"),
            F("Done", "checkbox"),
            F("Notes", "rich_text"),
            F("Created by", "created_by"),
        ),
        "ds-quarters": (F("Name", "title"), F("Dates", "date")),
    },
    titles={"ds-objectives": "Objectives", "ds-krs": "Key Results", "ds-quarters": "Quarters"},
)

GERMAN = SourceSchema(
    connector="notion",
    collections={
        "a1": (
            F("Ziel", "title"),
            F("Verantwortlich", "people"),
            F("Bereich", "select", options=("Vertrieb", "Marketing")),
            F("Ebene", "select", options=("Unternehmen", "Abteilung", "Team", "Person")),
            F("Quartal", "select", options=("Q3 2025", "Q4 2025")),
            F("Typ", "select", options=("Verbindlich", "Ambitioniert", "Irgendwas")),
            F("Ausgerichtet auf", "relation", target="a1"),
            F("Notizen", "rich_text"),
        ),
        "b2": (
            F("Schlüsselergebnis", "title"),
            F("Ziel", "relation", target="a1"),
            F("Besitzer", "people"),
            F("Ausgangswert", "number"),
            F("Istwert", "number"),
            F("Zielwert", "number"),
            F("Einheit", "select"),
            F("Gewichtung", "number"),
            F("Zuversicht", "number"),
            F("Fällig", "date"),
            F("Erledigt", "checkbox"),
        ),
    },
    titles={"a1": "Ziele", "b2": "Schlüsselergebnisse"},
)


def fields_of(mapping: Mapping, collection: Collection) -> dict[str, str | None]:
    return {k: s.field for k, s in mapping.collections[collection].fields.items()}


def test_english_draft_loads_and_maps_the_template() -> None:
    draft = infer_mapping(ENGLISH)
    mapping = parse_mapping(draft, source="draft")
    assert mapping.connector == "notion"
    assert mapping.collections["objectives"].source == "ds-objectives"
    assert mapping.collections["key_results"].source == "ds-krs"
    assert mapping.collections["cycles"].source == "ds-quarters"
    assert fields_of(mapping, "objectives") == {
        "title": "Objective",
        "level": "Level",
        "team": "Team",
        "owners": "Owner",
        "cycle": "Quarter",
        "parents": "Aligned to",
        "kind": "Type",
        "status": "Status",
        "ignore_rules": "Notes",
    }
    assert fields_of(mapping, "key_results") == {
        "objective": "Objective",
        "title": "Key Result",
        "kind": "Kind",
        "start": "Start Value",
        "target": "Target Value",
        "current": "Current Value",
        "unit": "Unit",
        "weight": "Weight",
        "confidence": "Confidence",
        "owners": "Owner",
        "due": "Due",
        "done": "Done",
        "ignore_rules": "Notes",
    }
    assert fields_of(mapping, "cycles") == {"name": "Name", "start": "Dates", "end": "Dates"}
    level = mapping.collections["objectives"].fields["level"]
    assert level.values == {
        "Company": "company",
        "Department": "department",
        "Team": "team",
        "Individual": "individual",
    }
    assert '# TODO: map "Tribe" to one of company | department | team | individual' in draft
    kind = mapping.collections["key_results"].fields["kind"]
    assert kind.values["At least"] == "at_least"
    assert mapping.collections["key_results"].fields["confidence"].parse == "scale_10"
    assert "Score" not in draft.split("outputs:")[0]  # outputs are never read as inputs
    assert '# Not mapped: "Key Results"' in draft


def test_german_draft_loads_and_maps_the_right_fields() -> None:
    draft = infer_mapping(GERMAN)
    mapping = parse_mapping(draft, source="draft")
    assert fields_of(mapping, "objectives") == {
        "title": "Ziel",
        "level": "Ebene",
        "team": "Bereich",
        "owners": "Verantwortlich",
        "cycle": "Quartal",
        "parents": "Ausgerichtet auf",
        "kind": "Typ",
        "ignore_rules": "Notizen",
    }
    assert fields_of(mapping, "key_results") == {
        "objective": "Ziel",
        "title": "Schlüsselergebnis",
        "start": "Ausgangswert",
        "target": "Zielwert",
        "current": "Istwert",
        "unit": "Einheit",
        "weight": "Gewichtung",
        "confidence": "Zuversicht",
        "owners": "Besitzer",
        "due": "Fällig",
        "done": "Erledigt",
    }
    assert mapping.collections["objectives"].fields["kind"].values == {
        "Verbindlich": "committed",
        "Ambitioniert": "aspirational",
    }
    assert mapping.collections["objectives"].fields["level"].values == {
        "Unternehmen": "company",
        "Abteilung": "department",
        "Team": "team",
        "Person": "individual",
    }
    assert '# TODO: map "Irgendwas" to one of committed | aspirational' in draft
    assert "if rated 1-10, use `parse: scale_10`" in draft  # no samples to tell the scale
    assert "cycles:" not in draft.split("outputs:")[0].replace("# ", "")


def test_a_german_draft_maps_real_records() -> None:
    mapping = parse_mapping(infer_mapping(GERMAN), source="draft")
    records = [
        SourceRecord(
            collection="objectives",
            external_id="z1",
            fields={
                "Ziel": "Mehr Umsatz",
                "Ebene": "Abteilung",
                "Typ": "Verbindlich",
                "Quartal": "Q3 2025",
            },
        ),
        SourceRecord(
            collection="key_results",
            external_id="s1",
            fields={
                "Schlüsselergebnis": "Abschlussquote",
                "Ziel": ["z1"],
                "Istwert": 24.5,
                "Zielwert": 27,
            },
        ),
    ]
    result = apply_mapping(mapping, records, connector="notion")
    assert result.findings == ()
    (obj,) = result.workspace.objectives
    assert (obj.level, obj.kind, obj.cycle) == ("department", "committed", "2025-Q3")
    (kr,) = result.workspace.key_results
    assert (kr.objective, kr.current, kr.target) == ("z1", 24.5, 27.0)


def test_relation_targets_decide_which_database_is_which() -> None:
    schema = SourceSchema(
        connector="notion",
        collections={
            "db-a": (F("Name", "title"), F("Parent goal", "relation", target="db-a")),
            "db-b": (
                F("Name", "title"),
                F("Objective", "relation", target="db-a"),
                F("Target", "number"),
                F("Actual", "number"),
            ),
        },
        titles={"db-a": "Team stuff", "db-b": "Tracking"},
    )
    chosen = choose_collections(schema)
    assert chosen["objectives"].locator == "db-a"
    assert chosen["key_results"].locator == "db-b"
    mapping = parse_mapping(infer_mapping(schema), source="draft")
    assert fields_of(mapping, "key_results")["current"] == "Actual"
    assert fields_of(mapping, "key_results")["objective"] == "Objective"


def test_a_progress_only_key_results_database() -> None:
    schema = SourceSchema(
        connector="notion",
        collections={
            "o": (F("Objective", "title"),),
            "k": (
                F("Key Result", "title"),
                F("Objective", "relation", target="o"),
                F("Progress", "number"),
            ),
        },
        titles={"o": "Objectives", "k": "Key Results"},
    )
    draft = infer_mapping(schema)
    mapping = parse_mapping(draft, source="draft")
    fields = mapping.collections["key_results"].fields
    assert fields["current"] == FieldSpec(field="Progress", parse="percent")
    assert (fields["start"].value, fields["target"].value, fields["unit"].value) == (0, 100, "%")
    assert "TODO: if it holds 45 (not 0.45)" in draft
    assert "Not mapped" not in draft  # Progress is used, and nothing else is left


def test_todos_where_it_cannot_tell() -> None:
    schema = SourceSchema(
        connector="confluence",
        collections={
            "label:okr": (F("Owner", "td"), F("Quarter", "td")),
            "label:okr#table": (F("Key Result", "th"), F("Target", "td"), F("Current", "td")),
        },
    )
    draft = infer_mapping(schema)
    mapping = parse_mapping(draft, source="draft")
    assert fields_of(mapping, "objectives")["owners"] == "Owner"
    assert fields_of(mapping, "objectives")["cycle"] == "Quarter"
    assert "# TODO: no field looked like the title; name it here." in draft
    assert fields_of(mapping, "key_results")["title"] == "Key Result"
    assert "# TODO: no field looked like the relation to the objective; name it here." in draft
    assert "# TODO: no field looked like the start value (baseline)" in draft


def test_an_empty_schema_still_drafts_a_loadable_file() -> None:
    draft = infer_mapping(SourceSchema(connector="notion", collections={}))
    mapping = parse_mapping(draft, source="draft")
    assert fields_of(mapping, "objectives") == {"title": "@title"}
    assert "TODO: the source described no collections" in draft


def test_missing_outputs_lists_what_the_live_schema_lacks() -> None:
    mapping = parse_mapping(infer_mapping(ENGLISH), source="draft")
    assert missing_outputs(mapping, ENGLISH) == [
        ("objectives", "Warnings", "rich_text"),
        ("objectives", "Last synced", "date"),
        ("key_results", "Score", "number"),
        ("key_results", "Health", "select"),
        ("key_results", "Warnings", "rich_text"),
        ("key_results", "Last synced", "date"),
    ]


def test_missing_outputs_honours_names_nulls_titles_and_overrides() -> None:
    text = """\
version: 1
collections:
  objectives:
    source: Objectives
    fields: {title: Objective}
  key_results:
    source: somewhere-else
    fields: {title: Key Result, objective: Objective}
outputs:
  objectives: {score: Score, health: Gesundheit, warnings: null, last_synced: null}
"""
    mapping = parse_mapping(text, source="inline")
    assert missing_outputs(mapping, ENGLISH) == [("objectives", "Gesundheit", "select")]
    assert missing_outputs(mapping, ENGLISH, locators={"key_results": "ds-quarters"}) == [
        ("objectives", "Gesundheit", "select"),
        ("key_results", "Score", "number"),
        ("key_results", "Health", "select"),
        ("key_results", "Warnings", "rich_text"),
        ("key_results", "Last synced", "date"),
    ]


def test_a_confluence_schema_uses_the_page_title_and_page() -> None:
    def pseudo(*names: str) -> tuple[FieldInfo, ...]:
        return tuple(F(n, "pseudo") for n in names)

    schema = SourceSchema(
        connector="confluence",
        collections={
            "objectives": (
                *(F(n, "text") for n in ("Owner", "Team", "Level", "Quarter", "Type", "Status")),
                F("Aligned to", "page_link"),
                F("Notes", "text", samples=("okrsync: ignore OBJ003",)),
                *pseudo("@id", "@title", "@url", "@labels", "@parent"),
            ),
            "key_results": (
                *(F(n, "text") for n in ("Key Result", "Owner", "Kind", "Start", "Current")),
                *(F(n, "text") for n in ("Target", "Unit", "Confidence", "Due")),
                *pseudo("@id", "@title", "@page"),
            ),
        },
        titles={"objectives": "label = okr", "key_results": "key-result table on label = okr"},
    )
    draft = infer_mapping(schema)
    mapping = parse_mapping(draft, source="draft")
    objectives = fields_of(mapping, "objectives")
    assert objectives["title"] == "@title"
    assert (objectives["owners"], objectives["cycle"], objectives["level"]) == (
        "Owner",
        "Quarter",
        "Level",
    )
    assert objectives["parents"] == "Aligned to"
    assert "description" not in objectives  # "@id" and "@url" are never guessed as content
    key_results = fields_of(mapping, "key_results")
    assert (key_results["title"], key_results["objective"]) == ("Key Result", "@page")
    assert (key_results["start"], key_results["current"], key_results["target"]) == (
        "Start",
        "Current",
        "Target",
    )
    assert "@labels" not in draft.split("outputs:")[0]


def test_one_database_holding_objectives_and_key_results() -> None:
    schema = SourceSchema(
        connector="notion",
        collections={
            "okrs": (
                F("Name", "title"),
                F("Typ", "select", options=("Ziel", "Schlüsselergebnis")),
                F("Übergeordnet", "relation", target="okrs"),
                F("Verantwortlich", "people"),
                F("Quartal", "select", options=("Q1 2026",)),
                F("Zielwert", "number"),
                F("Istwert", "number"),
            ),
        },
        titles={"okrs": "OKRs 2026"},
    )
    draft = infer_mapping(schema)
    mapping = parse_mapping(draft, source="draft")
    objectives = mapping.collections["objectives"]
    key_results = mapping.collections["key_results"]
    assert (objectives.source, key_results.source) == ("okrs", "okrs")
    assert objectives.where is not None and objectives.where.field == "Typ"
    assert objectives.where.equals == ("Ziel",)
    assert key_results.where is not None and key_results.where.equals == ("Schlüsselergebnis",)
    assert fields_of(mapping, "key_results")["objective"] == "Übergeordnet"
    assert fields_of(mapping, "key_results")["target"] == "Zielwert"
    assert "kind" not in objectives.fields  # the discriminator is not the objective's type
    assert "TODO: in a shared database this relation may link key results" in draft
    records = [
        SourceRecord(collection=c, external_id=i, fields={"Name": n, "Typ": t, "Übergeordnet": p})
        for c in ("objectives", "key_results")
        for i, n, t, p in (
            ("a", "Mehr Umsatz", "Ziel", []),
            ("b", "Quote", "Schlüsselergebnis", ["a"]),
        )
    ]
    result = apply_mapping(mapping, records, connector="notion")
    assert [o.id for o in result.workspace.objectives] == ["a"]
    assert [(k.id, k.objective) for k in result.workspace.key_results] == [("b", "a")]
    assert result.dropped == 2


def test_health_option_map_names_the_selects_own_options() -> None:
    proposed, unplaced = health_option_map(["Im Plan", "Gefährdet", "Kritisch", "Verfehlt"])
    by_health = {p.health: p.option for p in proposed}
    assert by_health == {
        "on_track": "Im Plan",
        "at_risk": "Gefährdet",
        "off_track": "Kritisch",
        "green": "Im Plan",  # no own option after the cycle: the one of the same colour
        "yellow": "Gefährdet",
        "red": "Verfehlt",
    }
    assert unplaced == ["not_started", "no_data"]
    traffic_light, _ = health_option_map(["Grün", "Gelb", "Rot"])
    assert {p.health: p.option for p in traffic_light}["off_track"] == "Rot"


def test_health_option_map_proposes_nothing_for_okrsyncs_own_or_unrelated_selects() -> None:
    assert health_option_map(["On track", "At risk", "Off track", "Green (miss)"]) == ([], [])
    assert health_option_map(["Vertrieb", "Marketing"]) == ([], [])
    assert health_option_map([]) == ([], [])
