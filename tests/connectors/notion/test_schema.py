"""describe(), check() and adding missing output properties, against the sandbox."""

from __future__ import annotations

from okrsync_notion.schema_check import MissingOutput

from okrsync.connector import Writeback
from okrsync.mapping.schema import CollectionMap, FieldSpec, Mapping, OutputMap
from okrsync_sandbox.notion import NotionSandbox

from .conftest import ConnectorFactory
from .pipeline import small_workspace


def test_describe_lists_every_database_with_types_options_and_relation_targets(
    sandbox: NotionSandbox, make_connector: ConnectorFactory, template_mapping: Mapping
) -> None:
    seeded = sandbox.seed(small_workspace())
    options = {**seeded.options, "token_env": "NOTION_TEST_TOKEN"}
    options.pop("base_url")
    schema = make_connector(template_mapping, **options).describe()
    assert schema.connector == "notion"
    assert set(schema.collections) == {"Objectives", "Key Results", "Quarters", "Check-ins"}
    fields = {f.name: f for f in schema.collections["Objectives"]}
    assert fields["Objective"].type == "title"
    assert fields["Owner"].type == "people"
    assert set(fields["Level"].options) == {"Company", "Department", "Team", "Individual"}
    assert fields["Quarter"].target == "Quarters"
    assert fields["Key Results"].target == "Key Results"
    assert fields["Aligned to"].target == "Objectives"
    assert "Grow revenue" in fields["Objective"].samples or (
        "Win mid-market accounts" in fields["Objective"].samples
    )
    kr_fields = {f.name: f.type for f in schema.collections["Key Results"]}
    assert kr_fields["Current Value"] == "number"


def test_describe_without_configured_databases_lists_every_shared_one(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    sandbox.store.create_database("Ziele", properties={"Ziel": {"title": {}}})
    sandbox.store.create_database("Schlüsselergebnisse", properties={"Name": {"title": {}}})
    mapping = Mapping(
        collections={"objectives": CollectionMap(fields={"title": FieldSpec(field="Ziel")})}
    )
    schema = make_connector(mapping).describe()
    assert {"Ziele", "Schlüsselergebnisse"} <= set(schema.collections)
    assert [f.name for f in schema.collections["Ziele"]] == ["Ziel"]


def test_check_is_clean_on_the_seeded_template(
    sandbox: NotionSandbox, make_connector: ConnectorFactory, template_mapping: Mapping
) -> None:
    seeded = sandbox.seed(small_workspace())
    options = {**seeded.options, "token_env": "NOTION_TEST_TOKEN"}
    options.pop("base_url")
    assert make_connector(template_mapping, **options).check() == []


def test_check_names_missing_and_mistyped_properties_and_unshared_databases(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    db, _ = sandbox.store.create_database(
        "Objectives",
        properties={"Name": {"title": {}}, "Owner": {"number": {}}, "Score": {"rich_text": {}}},
    )
    mapping = Mapping(
        collections={
            "objectives": CollectionMap(
                source=db,
                fields={
                    "title": FieldSpec(field="Name"),
                    "owners": FieldSpec(field="Owner"),
                    "team": FieldSpec(field="Team"),
                },
            ),
            "key_results": CollectionMap(
                source="0d0d0d0d-0d0d-4d0d-8d0d-0d0d0d0d0d0d",
                fields={"title": FieldSpec(field="Name"), "objective": FieldSpec(field="O")},
            ),
        },
        outputs={"objectives": OutputMap()},
    )
    problems = make_connector(mapping).check()
    by_subject = {p.subject: p for p in problems}
    team = by_subject["Objectives / Team"]
    assert team.severity == "error"
    assert "collections.objectives.fields.team" in team.message
    assert "Name" in team.hint and "Owner" in team.hint
    owner = by_subject["Objectives / Owner"]
    assert "number" in owner.message and "owners" in owner.message
    score = by_subject["Objectives / Score"]
    assert score.severity == "error" and "rich_text" in score.message
    health = by_subject["Objectives / Health"]
    assert health.severity == "error", "okrsync writes outputs, so every write would fail"
    assert "every write to it would fail" in health.message
    assert "mapping infer --config okrsync.toml --source" in health.hint
    assert "--apply" in health.hint and "outputs.objectives.health" in health.hint
    unshared = by_subject["collection key_results"]
    assert "Connections" in unshared.hint


def test_check_warns_about_rollups_over_relations(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    store = sandbox.store
    _, tasks = store.create_database(
        "Tasks", properties={"Name": {"title": {}}, "Done": {"checkbox": {}}}
    )
    db, _ = store.create_database(
        "Key Results",
        properties={
            "Name": {"title": {}},
            "Tasks": {"relation": {"data_source_id": tasks, "single_property": {}}},
            "Progress": {
                "rollup": {
                    "relation_property_name": "Tasks",
                    "rollup_property_name": "Done",
                    "function": "percent_checked",
                }
            },
        },
    )
    mapping = Mapping(
        collections={
            "objectives": CollectionMap(source=db, fields={"title": FieldSpec(field="Name")}),
            "key_results": CollectionMap(
                source=db,
                fields={
                    "title": FieldSpec(field="Name"),
                    "objective": FieldSpec(field="Tasks"),
                    "current": FieldSpec(field="Progress"),
                },
            ),
        }
    )
    (problem,) = make_connector(mapping).check()
    assert problem.severity == "warning"
    assert problem.subject == "Key Results / Progress"
    assert "first 25 related pages" in problem.message


def test_missing_outputs_are_added_to_the_data_source(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    db, source = sandbox.store.create_database("Objectives", properties={"Name": {"title": {}}})
    mapping = Mapping(
        collections={
            "objectives": CollectionMap(source=db, fields={"title": FieldSpec(field="Name")})
        },
        outputs={"objectives": OutputMap(last_synced="Zuletzt synchronisiert")},
    )
    connector = make_connector(mapping, writeback=Writeback(reviews=False))
    missing = connector.missing_outputs()
    assert [(m.property, m.type) for m in missing] == [
        ("Score", "number"),
        ("Health", "select"),
        ("Warnings", "rich_text"),
        ("Zuletzt synchronisiert", "date"),
    ]
    added = connector.add_missing_outputs(
        [*missing[:3], ("objectives", missing[3].property, "date")]
    )
    assert added == missing
    schema = sandbox.store.data_sources[source]["properties"]
    types = {p["name"]: p["type"] for p in schema.values()}
    assert types["Score"] == "number"
    assert types["Health"] == "select"
    assert types["Warnings"] == "rich_text"
    assert types["Zuletzt synchronisiert"] == "date"
    health = next(p for p in schema.values() if p["name"] == "Health")
    assert {o["name"] for o in health["select"]["options"]} >= {"On track", "At risk", "No data"}
    assert connector.missing_outputs() == []
    assert connector.check() == []
    # a second call (or a stale list) adds nothing twice
    assert connector.add_missing_outputs([m.model_dump() for m in missing]) == []
    assert connector.add_missing_outputs([("objectives", "Score", "number")]) == []
    assert isinstance(missing[0], MissingOutput)


def test_pull_refuses_a_mapping_that_does_not_fit_before_reading_any_row(
    sandbox: NotionSandbox, make_connector: ConnectorFactory, template_mapping: Mapping
) -> None:
    import pytest

    from okrsync.errors import ConfigError

    seeded = sandbox.seed(small_workspace())
    options = {**seeded.options, "token_env": "NOTION_TEST_TOKEN"}
    options.pop("base_url")
    krs = template_mapping.collections["key_results"]
    wrong = krs.model_copy(
        update={"fields": {**krs.fields, "title": FieldSpec(field="Key Results")}}
    )
    mapping = template_mapping.model_copy(
        update={"collections": {**template_mapping.collections, "key_results": wrong}}
    )
    connector = make_connector(mapping, **options)
    sandbox.reset_log()
    with pytest.raises(ConfigError) as err:
        connector.pull(None)
    text = str(err.value)
    assert "Key Results / Key Results" in text and "Key Result," in text
    assert not [e for e in sandbox.request_log() if e.path.endswith("/query")]
    # the shipped mapping itself fits, and pulls
    assert list(make_connector(template_mapping, **options).pull(None))


def test_a_field_read_through_an_alias_needs_only_the_alias(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    db, _ = sandbox.store.create_database(
        "Ziele", properties={"Ziel": {"title": {}}, "Verantwortlich": {"people": {}}}
    )
    owners = FieldSpec(field="Owner", aliases=("Verantwortlich",))
    mapping = Mapping(
        collections={
            "objectives": CollectionMap(
                source=db, fields={"title": FieldSpec(field="Ziel"), "owners": owners}
            )
        }
    )
    assert make_connector(mapping).check() == []
    missing = FieldSpec(field="Owner", aliases=("Besitzer",))
    mapping = Mapping(
        collections={
            "objectives": CollectionMap(
                source=db, fields={"title": FieldSpec(field="Ziel"), "owners": missing}
            )
        }
    )
    (problem,) = make_connector(mapping).check()
    assert problem.severity == "error" and "'Owner'" in problem.message


def test_a_german_source_gets_its_health_select_in_german_or_in_its_own_option_names(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    """`--apply` on a German source creates the Health select with German labels, or with
    the names `health_options` gives; check() warns about a mapped name the select lacks."""
    db, source = sandbox.store.create_database("Ziele", properties={"Ziel": {"title": {}}})
    mapped = {"on_track": "Läuft", "off_track": "Brennt"}
    mapping = Mapping(
        collections={
            "objectives": CollectionMap(source=db, fields={"title": FieldSpec(field="Ziel")})
        },
        outputs={"objectives": OutputMap(health="Gesundheit", health_options=mapped)},
    )
    connector = make_connector(mapping, writeback=Writeback(reviews=False), language="de")
    connector.add_missing_outputs()
    schema = sandbox.store.data_sources[source]["properties"]
    health = next(p for p in schema.values() if p["name"] == "Gesundheit")
    names = {o["name"] for o in health["select"]["options"]}
    assert {"Läuft", "Brennt", "Gefährdet", "Keine Daten", "Grün (Zusage verfehlt)"} <= names
    assert not names & {"On track", "Off track", "Im Plan", "Kritisch"}
    assert connector.check() == []
    typo = mapping.model_copy(
        update={
            "outputs": {
                "objectives": OutputMap(health="Gesundheit", health_options={"red": "Rott"})
            }
        }
    )
    (problem,) = make_connector(typo, writeback=Writeback(reviews=False)).check()
    assert problem.severity == "warning"
    assert "'Rott'" in problem.message and "okrsync would add it" in problem.message
