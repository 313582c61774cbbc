"""Reading through the real notion-client against the sandbox emulator over loopback HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from okrsync_notion.client import NotionApi
from okrsync_notion.options import NotionOptions
from okrsync_notion.reader import is_trashed

from okrsync.connector import SourceRecord
from okrsync.errors import ConfigError
from okrsync.mapping.schema import CollectionMap, FieldSpec, Mapping
from okrsync_sandbox.kit.clock import ManualClock
from okrsync_sandbox.notion import NotionSandbox

from .conftest import TOKEN, ConnectorFactory


def _title(text: str) -> dict[str, Any]:
    return {"title": [{"type": "text", "text": {"content": text}}]}


def _objectives_only(database: str, **fields: str) -> Mapping:
    return Mapping(
        collections={
            "objectives": CollectionMap(
                source=database,
                fields={k: FieldSpec(field=v) for k, v in {"title": "Name", **fields}.items()},
            )
        }
    )


def _by_collection(records: list[SourceRecord]) -> dict[str, list[SourceRecord]]:
    grouped: dict[str, list[SourceRecord]] = {}
    for record in records:
        grouped.setdefault(record.collection, []).append(record)
    return grouped


def test_every_property_type_flattens_to_plain_values(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    store = sandbox.store
    ada = store.create_user("Ada Lovelace", email="ada@example.com")
    _, targets = store.create_database("Targets", properties={"Name": {"title": {}}})
    target_ids = [store.create_page({"data_source_id": targets}, _title(f"T{i}")) for i in range(3)]
    db, source = store.create_database(
        "Everything",
        properties={
            "Name": {"title": {}},
            "Text": {"rich_text": {}},
            "Num": {"number": {"format": "number"}},
            "Sel": {"select": {"options": [{"name": "Company"}, {"name": "Team"}]}},
            "Stat": {"status": {}},
            "Multi": {"multi_select": {"options": [{"name": "a"}, {"name": "b"}]}},
            "People": {"people": {}},
            "Rel": {"relation": {"data_source_id": targets, "single_property": {}}},
            "When": {"date": {}},
            "Range": {"date": {}},
            "Done": {"checkbox": {}},
            "Link": {"url": {}},
            "Mail": {"email": {}},
            "Phone": {"phone_number": {}},
            "ID": {"unique_id": {"prefix": "OKR"}},
            "Created": {"created_time": {}},
            "Edited": {"last_edited_time": {}},
            "Creator": {"created_by": {}},
            "Editor": {"last_edited_by": {}},
            "Count": {
                "rollup": {
                    "relation_property_name": "Rel",
                    "rollup_property_name": "Name",
                    "function": "count",
                }
            },
        },
    )
    page_id = store.create_page(
        {"data_source_id": source},
        {
            **_title("Grow revenue"),
            "Text": {
                "rich_text": [{"text": {"content": "Hello "}}, {"text": {"content": "world"}}]
            },
            "Num": {"number": 42.5},
            "Sel": {"select": {"name": "Company"}},
            "Stat": {"status": {"name": "In progress"}},
            "Multi": {"multi_select": [{"name": "a"}, {"name": "b"}]},
            "People": {"people": [{"id": ada}]},
            "Rel": {"relation": [{"id": t} for t in target_ids]},
            "When": {"date": {"start": "2025-07-01"}},
            "Range": {"date": {"start": "2025-07-01", "end": "2025-09-30"}},
            "Done": {"checkbox": True},
            "Link": {"url": "https://example.com/okr"},
            "Mail": {"email": "team@example.com"},
            "Phone": {"phone_number": "+49 30 1234"},
        },
    )
    mapping = Mapping(
        collections={
            "objectives": CollectionMap(
                source=db,
                fields={
                    "title": FieldSpec(field="Name"),
                    "description": FieldSpec(field="Text"),
                    "level": FieldSpec(field="Sel"),
                    "team": FieldSpec(field="Stat"),
                    "owners": FieldSpec(field="People"),
                    "cycle": FieldSpec(field="Editor"),
                    "parents": FieldSpec(field="Rel"),
                    "kind": FieldSpec(field="Multi"),
                    "status": FieldSpec(field="Link"),
                    "ignore_rules": FieldSpec(field="Mail"),
                },
            ),
            "key_results": CollectionMap(
                source=db,
                fields={
                    "title": FieldSpec(field="Name"),
                    "objective": FieldSpec(field="Rel"),
                    "kind": FieldSpec(field="Phone"),
                    "target": FieldSpec(field="Count"),
                    "current": FieldSpec(field="ID"),
                    "start": FieldSpec(field="Num"),
                    "due": FieldSpec(field="Created"),
                    "updated_at": FieldSpec(field="Edited"),
                    "owners": FieldSpec(field="Creator"),
                    "unit": FieldSpec(field="When"),
                    "ignore_rules": FieldSpec(field="Range"),
                    "done": FieldSpec(field="Done"),
                },
            ),
        }
    )
    connector = make_connector(mapping)
    records = list(connector.pull(None))

    # one database serving two collections is read and queried once, a record for each
    assert connector.stats().by_endpoint == {
        "databases.retrieve": 1,
        "data_sources.retrieve": 1,
        "data_sources.query": 1,
    }
    assert sorted(r.collection for r in records) == ["key_results", "objectives"]
    assert records[0].fields == records[1].fields
    fields = records[0].fields
    assert records[0].external_id == page_id
    assert fields["@id"] == page_id
    assert fields["@title"] == "Grow revenue"
    assert fields["@url"] == records[0].url
    assert fields["Name"] == "Grow revenue"
    assert fields["Text"] == "Hello world"
    assert fields["Num"] == 42.5
    assert fields["Sel"] == "Company"
    assert fields["Stat"] == "In progress"
    assert fields["Multi"] == ["a", "b"]
    assert fields["People"] == [{"id": ada, "name": "Ada Lovelace", "email": "ada@example.com"}]
    assert fields["Rel"] == target_ids
    assert fields["When"] == "2025-07-01"
    assert fields["Range"] == {"start": "2025-07-01", "end": "2025-09-30"}
    assert fields["Done"] is True
    assert fields["Link"] == "https://example.com/okr"
    assert fields["Mail"] == "team@example.com"
    assert fields["Phone"] == "+49 30 1234"
    assert fields["ID"] == "OKR-1"
    assert fields["Count"] == 3
    assert fields["Created"].startswith("2025-08-01T10:00")
    assert fields["Edited"].startswith("2025-08-01T10:00")
    assert fields["Creator"]["id"] == fields["Editor"]["id"]
    assert set(fields["Creator"]) == {"id", "name", "email"}
    # filter_properties cut the response to mapped properties: nothing unmapped came back
    assert set(fields) - {"@id", "@title", "@url", "@parent"} <= {
        "Name", "Text", "Num", "Sel", "Stat", "Multi", "People", "Rel", "When", "Range",
        "Done", "Link", "Mail", "Phone", "ID", "Created", "Edited", "Creator", "Editor", "Count",
    }  # fmt: skip
    assert records[0].updated_at == datetime(2025, 8, 1, 10, 0, tzinfo=UTC)
    assert not records[0].trashed


def test_filter_properties_leaves_out_unmapped_properties(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    store = sandbox.store
    db, source = store.create_database(
        "Objectives", properties={"Name": {"title": {}}, "Secret": {"rich_text": {}}}
    )
    store.create_page(
        {"data_source_id": source},
        {**_title("O1"), "Secret": {"rich_text": [{"text": {"content": "x"}}]}},
    )
    connector = make_connector(_objectives_only(db))
    (record,) = list(connector.pull(None))
    assert record.fields["Name"] == "O1"
    assert "Secret" not in record.fields


def test_a_relation_of_60_references_is_read_in_full(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    store = sandbox.store
    _, krs = store.create_database("Key Results", properties={"Name": {"title": {}}})
    kr_ids = [store.create_page({"data_source_id": krs}, _title(f"KR {i}")) for i in range(60)]
    db, objectives = store.create_database(
        "Objectives",
        properties={
            "Name": {"title": {}},
            "Key Results": {"relation": {"data_source_id": krs, "single_property": {}}},
        },
    )
    store.create_page(
        {"data_source_id": objectives},
        {**_title("Big"), "Key Results": {"relation": [{"id": k} for k in kr_ids]}},
    )
    connector = make_connector(_objectives_only(db, description="Key Results"))
    (record,) = list(connector.pull(None))
    assert record.fields["Key Results"] == kr_ids
    assert connector.stats().by_endpoint["pages.properties.retrieve"] == 1


def test_more_than_25_people_are_read_in_full(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    store = sandbox.store
    people = [store.create_user(f"Person {i}", email=f"p{i}@example.com") for i in range(30)]
    db, source = store.create_database(
        "Objectives", properties={"Name": {"title": {}}, "Owner": {"people": {}}}
    )
    store.create_page(
        {"data_source_id": source},
        {**_title("Shared"), "Owner": {"people": [{"id": p} for p in people]}},
    )
    connector = make_connector(_objectives_only(db, owners="Owner"))
    (record,) = list(connector.pull(None))
    assert [p["id"] for p in record.fields["Owner"]] == people
    assert record.fields["Owner"][29] == {
        "id": people[29], "name": "Person 29", "email": "p29@example.com"
    }  # fmt: skip
    assert connector.stats().by_endpoint["pages.properties.retrieve"] == 1


def test_250_pages_are_read_in_three_pages_of_results(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    store = sandbox.store
    db, source = store.create_database("Objectives", properties={"Name": {"title": {}}})
    created = {store.create_page({"data_source_id": source}, _title(f"O{i}")) for i in range(250)}
    connector = make_connector(_objectives_only(db))
    records = list(connector.pull(None))
    assert len(records) == 250
    assert {r.external_id for r in records} == created
    assert connector.stats().by_endpoint["data_sources.query"] == 3
    assert "pages.properties.retrieve" not in connector.stats().by_endpoint


def test_a_query_read_page_by_page_sees_the_edits_made_between_its_pages(
    sandbox: NotionSandbox, clock: ManualClock
) -> None:
    """The emulator keeps a query's order for its next pages only until something changes:
    a page edited out of the filter, or to sort last, after the first page is answered, is
    left out of the next pages, or found at the end, as computing the query again answers
    (what Notion answers there is not documented: docs/sandbox-notion.md)."""
    store = sandbox.store
    _, source = store.create_database(
        "Objectives", properties={"Name": {"title": {}}, "Score": {"number": {}}}
    )
    ids = [
        store.create_page({"data_source_id": source}, {**_title(f"O{i}"), "Score": {"number": i}})
        for i in range(250)
    ]
    options = NotionOptions.model_validate(
        {"base_url": sandbox.base_url, "token_env": "NOTION_TEST_TOKEN"}
    )
    api = NotionApi(options, TOKEN, clock=clock.now, sleep=clock.sleep)
    try:
        responses = api.query_responses(
            source,
            filter={"property": "Score", "number": {"greater_than_or_equal_to": 0}},
            sorts=[{"property": "Score", "direction": "ascending"}],
        )
        assert [p["id"] for p in next(responses)["results"]] == ids[:100]
        store.update_page(ids[150], {"Score": {"number": -1}})  # no longer matches
        store.update_page(ids[0], {"Score": {"number": 1000}})  # now sorts last
        rest = [p["id"] for response in responses for p in response["results"]]
    finally:
        api.close()
    assert rest == ids[100:150] + ids[151:] + [ids[0]]


def test_a_database_with_two_data_sources_is_chosen_by_name_never_guessed(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    store = sandbox.store
    db, first = store.create_database(
        "OKRs", properties={"Name": {"title": {}}}, data_source_title="Archive"
    )
    second = store.create_data_source(db, "Current", properties={"Name": {"title": {}}})
    store.create_page({"data_source_id": first}, _title("old"))
    store.create_page({"data_source_id": second}, _title("new"))

    with pytest.raises(ConfigError) as err:
        list(make_connector(_objectives_only(db)).pull(None))
    text = str(err.value)
    assert "2 data sources" in text
    assert "Archive" in text and "Current" in text
    assert "data_sources.objectives" in text

    by_name = make_connector(_objectives_only(db), data_sources={"objectives": "Current"})
    assert [r.fields["Name"] for r in by_name.pull(None)] == ["new"]
    by_id = make_connector(_objectives_only(db), data_sources={"objectives": first})
    assert [r.fields["Name"] for r in by_id.pull(None)] == ["old"]
    # a data source given by id is read directly: no databases.retrieve at all
    assert by_id.stats().by_endpoint == {"data_sources.retrieve": 1, "data_sources.query": 1}
    with pytest.raises(ConfigError, match="no data source 'Nope'"):
        list(make_connector(_objectives_only(db), data_sources={"objectives": "Nope"}).pull(None))


def test_a_database_is_found_by_its_title(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    store = sandbox.store
    _, source = store.create_database("Team Objectives", properties={"Name": {"title": {}}})
    store.create_page({"data_source_id": source}, _title("O1"))
    connector = make_connector(_objectives_only("Team Objectives"))
    assert [r.fields["Name"] for r in connector.pull(None)] == ["O1"]
    with pytest.raises(ConfigError, match="no database titled 'Missing'"):
        list(make_connector(_objectives_only("Missing")).pull(None))


def test_an_unshared_database_says_how_to_share_it(make_connector: ConnectorFactory) -> None:
    connector = make_connector(_objectives_only("0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f"))
    with pytest.raises(ConfigError) as err:
        list(connector.pull(None))
    assert "not shared with the integration" in str(err.value)
    assert "Connections" in str(err.value)


def test_incremental_reads_keep_same_minute_edits(
    sandbox: NotionSandbox, make_connector: ConnectorFactory, clock: ManualClock
) -> None:
    store = sandbox.store
    db, source = store.create_database(
        "Objectives", properties={"Name": {"title": {}}, "Text": {"rich_text": {}}}
    )
    clock.advance(10)  # 10:00:10
    a = store.create_page({"data_source_id": source}, _title("A"))
    connector = make_connector(_objectives_only(db, description="Text"))
    assert [r.external_id for r in connector.pull(None)] == [a]
    cursor = connector.cursor()
    assert cursor == datetime(2025, 8, 1, 10, 0, 10, tzinfo=UTC)  # Notion's time, pull start

    clock.advance(30)  # 10:00:40: same minute as the cursor, stamped 10:00 like A was
    store.update_page(a, {"Text": {"rich_text": [{"text": {"content": "edited"}}]}})
    b = store.create_page({"data_source_id": source}, _title("B"))
    again = list(connector.pull(cursor))
    assert sorted(r.external_id for r in again) == sorted([a, b])
    assert len(again) == 2  # de-duplicated: each page once
    assert {r.external_id: r.fields["Text"] for r in again}[a] == "edited"
    assert connector.cursor() == datetime(2025, 8, 1, 10, 0, 40, tzinfo=UTC)

    clock.advance(300)  # 10:05:40
    c = store.create_page({"data_source_id": source}, _title("C"))
    third = list(connector.pull(connector.cursor()))
    assert {r.external_id for r in third} == {a, b, c}  # from 09:59: A and B once more
    cursor = connector.cursor()
    assert cursor == datetime(2025, 8, 1, 10, 5, 40, tzinfo=UTC)

    clock.advance(5)
    assert [r.external_id for r in connector.pull(cursor)] == [c]  # older edits left out
    clock.advance(600)
    assert [r.external_id for r in connector.pull(cursor)] == [c]
    assert connector.cursor() == datetime(2025, 8, 1, 10, 15, 45, tzinfo=UTC)
    assert list(connector.pull(connector.cursor())) == []  # nothing since


def test_an_edit_during_the_pull_in_the_same_minute_is_read_next_time(
    sandbox: NotionSandbox, make_connector: ConnectorFactory, clock: ManualClock
) -> None:
    """A page edited after the pull read it (same minute) comes back in the next pull."""
    store = sandbox.store
    db, source = store.create_database(
        "Objectives", properties={"Name": {"title": {}}, "Text": {"rich_text": {}}}
    )
    pages = [store.create_page({"data_source_id": source}, _title(f"P{i}")) for i in range(3)]
    clock.advance(20)  # 10:00:20
    connector = make_connector(_objectives_only(db, description="Text"))
    seen: list[str] = []
    for record in connector.pull(None):
        seen.append(record.external_id)
        if len(seen) == 1:  # the query has answered; a person edits a page it already read
            clock.advance(30)
            store.update_page(pages[0], {"Text": {"rich_text": [{"text": {"content": "late"}}]}})
    cursor = connector.cursor()
    assert cursor is not None and cursor <= datetime(2025, 8, 1, 10, 0, 21, tzinfo=UTC)
    clock.advance(5)
    later = {r.external_id: r for r in connector.pull(cursor)}
    assert later[pages[0]].fields["Text"] == "late"


def test_nothing_new_moves_the_cursor_to_the_pull_and_an_empty_source_too(
    sandbox: NotionSandbox, make_connector: ConnectorFactory, clock: ManualClock
) -> None:
    db, source = sandbox.store.create_database("Objectives", properties={"Name": {"title": {}}})
    connector = make_connector(_objectives_only(db))
    clock.advance(60)  # 10:01:00
    assert list(connector.pull(None)) == []
    assert connector.cursor() == datetime(2025, 8, 1, 10, 1, tzinfo=UTC)
    clock.advance(1)
    page = sandbox.store.create_page({"data_source_id": source}, _title("New"))
    assert [r.external_id for r in connector.pull(connector.cursor())] == [page]
    clock.advance(600)  # the last pull began in the page's minute: it comes once more
    assert [r.external_id for r in connector.pull(connector.cursor())] == [page]
    assert connector.cursor() == datetime(2025, 8, 1, 10, 11, 1, tzinfo=UTC)
    assert list(connector.pull(connector.cursor())) == []


def test_trashed_pages_drop_out_of_full_reads(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    store = sandbox.store
    db, source = store.create_database("Objectives", properties={"Name": {"title": {}}})
    keep = store.create_page({"data_source_id": source}, _title("keep"))
    gone = store.create_page({"data_source_id": source}, _title("gone"))
    connector = make_connector(_objectives_only(db))
    assert {r.external_id for r in connector.pull(None)} == {keep, gone}
    store.trash_page(gone)
    records = list(connector.pull(None))
    assert [r.external_id for r in records] == [keep]
    assert not records[0].trashed


def test_a_page_marked_in_trash_or_archived_counts_as_trashed(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    """Both API versions' flags mark a record trashed (2025-09-03 archived, 2026 in_trash)."""
    store = sandbox.store
    db, source = store.create_database("Objectives", properties={"Name": {"title": {}}})
    store.create_page({"data_source_id": source}, _title("kept"))
    connector = make_connector(_objectives_only(db))
    (record,) = list(connector.pull(None))
    assert record.trashed is False
    assert is_trashed({"id": "p", "in_trash": True})
    assert is_trashed({"id": "p", "in_trash": False, "archived": True})
    assert not is_trashed({"id": "p", "in_trash": False, "archived": False})
