"""Data source queries: filters, sorts, pagination, filter_properties, trash, timestamps."""

from __future__ import annotations

import json
from typing import Any

import pytest
from notion_client import APIResponseError, Client
from notion_client.helpers import collect_paginated_api

from okrsync_sandbox.kit.clock import ManualClock
from okrsync_sandbox.notion import NotionSandbox
from okrsync_sandbox.notion.query import RELATIVE_DATE_OPERATORS
from okrsync_sandbox.notion.routes import _relative


def _title(text: str) -> list[dict[str, Any]]:
    return [{"text": {"content": text}}]


@pytest.fixture
def krs(sandbox: NotionSandbox) -> str:
    root = sandbox.store.create_page({"workspace": True}, {"title": _title("Root")})
    _, source = sandbox.store.create_database(
        "Key Results",
        parent_page_id=root,
        properties={
            "Key Result": {"title": {}},
            "Current Value": {"number": {}},
            "Unit": {"select": {}},
            "Done": {"checkbox": {}},
            "Notes": {"rich_text": {}},
            "Due": {"date": {}},
        },
    )
    rows = [
        ("Revenue", 10, "EUR", False, "okrsync: ignore KR002", "2026-03-31"),
        ("Churn", 3, "%", True, "", "2026-01-15"),
        ("NPS", 42, None, False, "ask customers", None),
        ("Signups", 10, "count", True, "", "2026-06-30"),
    ]
    for title, value, unit, done, notes, due in rows:
        sandbox.store.create_page(
            {"data_source_id": source},
            {
                "Key Result": _title(title),
                "Current Value": {"number": value},
                "Unit": {"select": {"name": unit} if unit else None},
                "Done": {"checkbox": done},
                "Notes": {"rich_text": _title(notes) if notes else []},
                "Due": {"date": {"start": due} if due else None},
            },
        )
    return source


def _titles(response: dict[str, Any]) -> list[str]:
    return [r["properties"]["Key Result"]["title"][0]["plain_text"] for r in response["results"]]


def test_property_filters(client: Client, krs: str) -> None:
    def titles(spec: dict[str, Any]) -> set[str]:
        return set(_titles(client.data_sources.query(krs, filter=spec)))

    assert titles({"property": "Current Value", "number": {"greater_than": 9}}) == {
        "Revenue",
        "NPS",
        "Signups",
    }
    assert titles({"property": "Unit", "select": {"equals": "%"}}) == {"Churn"}
    assert titles({"property": "Unit", "select": {"is_empty": True}}) == {"NPS"}
    assert titles({"property": "Done", "checkbox": {"equals": True}}) == {"Churn", "Signups"}
    assert titles({"property": "Notes", "rich_text": {"contains": "OKRSYNC: IGNORE"}}) == {
        "Revenue"
    }
    assert titles({"property": "Key Result", "title": {"starts_with": "s"}}) == {"Signups"}
    assert titles({"property": "Due", "date": {"on_or_before": "2026-03-31"}}) == {
        "Revenue",
        "Churn",
    }


def test_compound_filters(client: Client, krs: str) -> None:
    spec = {
        "or": [
            {"property": "Unit", "select": {"equals": "EUR"}},
            {
                "and": [
                    {"property": "Done", "checkbox": {"equals": True}},
                    {"property": "Current Value", "number": {"less_than": 5}},
                ]
            },
        ]
    }
    assert set(_titles(client.data_sources.query(krs, filter=spec))) == {"Revenue", "Churn"}


def test_bad_filters_are_refused_even_on_matching_nothing(client: Client, krs: str) -> None:
    for spec in (
        {"property": "Nope", "number": {"equals": 1}},
        {"property": "Unit", "status": {"equals": "EUR"}},
        {"timestamp": "edited", "edited": {"after": "2026-01-01"}},
    ):
        with pytest.raises(APIResponseError) as caught:
            client.data_sources.query(krs, filter=spec)
        assert (caught.value.status, caught.value.code) == (400, "validation_error")


def test_sorts(client: Client, krs: str) -> None:
    ascending = client.data_sources.query(
        krs, sorts=[{"property": "Current Value", "direction": "ascending"}]
    )
    assert _titles(ascending)[0] == "Churn" and _titles(ascending)[-1] == "NPS"
    both = client.data_sources.query(
        krs,
        sorts=[
            {"property": "Current Value", "direction": "descending"},
            {"property": "Key Result", "direction": "ascending"},
        ],
    )
    assert _titles(both) == ["NPS", "Revenue", "Signups", "Churn"]
    empty_last = client.data_sources.query(
        krs, sorts=[{"property": "Due", "direction": "descending"}]
    )
    assert _titles(empty_last) == ["Signups", "Revenue", "Churn", "NPS"]


def test_filter_properties_cuts_the_returned_properties(client: Client, krs: str) -> None:
    unit_id = client.data_sources.retrieve(krs)["properties"]["Unit"]["id"]
    response = client.data_sources.query(krs, filter_properties=["Current Value", unit_id])
    assert all(set(r["properties"]) == {"Current Value", "Unit"} for r in response["results"])
    page = client.pages.retrieve(response["results"][0]["id"], filter_properties=[unit_id])
    assert set(page["properties"]) == {"Unit"}


def test_pagination_over_250_pages(client: Client, sandbox: NotionSandbox, krs: str) -> None:
    for i in range(246):
        sandbox.store.create_page({"data_source_id": krs}, {"Key Result": _title(f"KR {i}")})
    first = client.data_sources.query(krs, page_size=100)
    assert len(first["results"]) == 100 and first["has_more"] is True
    pages = collect_paginated_api(client.data_sources.query, data_source_id=krs, page_size=100)
    ids = [p["id"] for p in pages]
    assert len(ids) == len(set(ids)) == 250
    assert sandbox.stats()["by_endpoint"]["POST /v1/data_sources/{id}/query"] == 4
    with pytest.raises(APIResponseError) as caught:
        client.data_sources.query(krs, start_cursor="not-a-cursor")
    assert caught.value.code == "validation_error"


def test_trashed_pages_drop_out(client: Client, sandbox: NotionSandbox, krs: str) -> None:
    results = client.data_sources.query(krs)["results"]
    client.pages.update(results[0]["id"], in_trash=True)
    sandbox.store.trash_page(results[1]["id"])
    remaining = client.data_sources.query(krs)["results"]
    assert {r["id"] for r in remaining} == {r["id"] for r in results[2:]}
    trashed = client.pages.retrieve(results[0]["id"])
    assert trashed["in_trash"] is True and trashed["archived"] is True


def test_minute_rounding_and_the_on_or_after_cursor(
    client: Client, sandbox: NotionSandbox, krs: str, clock: ManualClock
) -> None:
    # the clock is at 10:15:42.123456; pages are served at the minute
    page = client.data_sources.query(krs)["results"][0]
    assert page["last_edited_time"] == "2026-03-02T10:15:00.000Z"
    assert page["created_time"] == "2026-03-02T10:15:00.000Z"
    clock.advance(seconds=10)  # 10:15:52, same minute
    edited = client.pages.update(page["id"], properties={"Current Value": {"number": 11}})
    assert edited["last_edited_time"] == "2026-03-02T10:15:00.000Z"

    def since(moment: str) -> set[str]:
        spec = {"timestamp": "last_edited_time", "last_edited_time": {"on_or_after": moment}}
        return {r["id"] for r in client.data_sources.query(krs, filter=spec)["results"]}

    # a cursor taken at the exact edit time misses the edit: Notion filters on the rounded value
    assert since("2026-03-02T10:15:52Z") == set()
    assert page["id"] in since("2026-03-02T10:15:00Z")
    clock.advance(minutes=2)  # 10:17:52
    sandbox.store.update_page(page["id"], {"Done": {"checkbox": True}})
    assert since("2026-03-02T10:16:00Z") == {page["id"]}
    human = client.pages.retrieve(page["id"])
    assert human["last_edited_time"] == "2026-03-02T10:17:00.000Z"
    assert human["last_edited_by"]["id"] == sandbox.store.human_id


def test_database_with_two_data_sources(client: Client, sandbox: NotionSandbox, krs: str) -> None:
    database_id = sandbox.store.data_sources[krs]["database_id"]
    second = sandbox.store.create_data_source(
        database_id, "Archive", properties={"Name": {"title": {}}, "Year": {"number": {}}}
    )
    database = client.databases.retrieve(database_id)
    assert [d["name"] for d in database["data_sources"]] == ["Key Results", "Archive"]
    assert database["data_sources"][1]["id"] == second
    with pytest.raises(APIResponseError):
        client.pages.create(parent={"database_id": database_id}, properties={})
    created = client.pages.create(
        parent={"data_source_id": second}, properties={"Name": {"title": _title("Old")}}
    )
    assert created["parent"] == {
        "type": "data_source_id",
        "data_source_id": second,
        "database_id": database_id,
    }
    assert len(client.data_sources.query(second)["results"]) == 1
    assert len(client.data_sources.query(krs)["results"]) == 4


def test_data_source_update_adds_and_renames_properties(client: Client, krs: str) -> None:
    updated = client.data_sources.update(
        krs,
        properties={
            "Score": {"number": {}},
            "Health": {"select": {"options": [{"name": "On track"}]}},
            "Notes": {"name": "Comments"},
            "Due": None,
        },
    )
    properties = updated["properties"]
    assert {"Score", "Health", "Comments"} <= set(properties) and "Due" not in properties
    assert "Notes" not in properties
    page = client.data_sources.query(krs)["results"][0]
    assert page["properties"]["Score"] == {
        "id": properties["Score"]["id"],
        "type": "number",
        "number": None,
    }


@pytest.fixture
def rich(sandbox: NotionSandbox) -> dict[str, str]:
    """A data source with people, relations, multi-select, formula and rollup columns."""
    store = sandbox.store
    root = store.create_page({"workspace": True}, {"title": _title("Root")})
    _, targets = store.create_database(
        "Targets", parent_page_id=root, properties={"Name": {"title": {}}, "Size": {"number": {}}}
    )
    big = store.create_page(
        {"data_source_id": targets}, {"Name": _title("big"), "Size": {"number": 9}}
    )
    small = store.create_page(
        {"data_source_id": targets}, {"Name": _title("small"), "Size": {"number": 1}}
    )
    _, source = store.create_database(
        "Rich",
        parent_page_id=root,
        properties={
            "Name": {"title": {}},
            "Owner": {"people": {}},
            "Links": {"relation": {"data_source_id": targets, "single_property": {}}},
            "Tags": {"multi_select": {}},
            "Flag": {"formula": {"expression": "true"}},
            "Status": {"status": {}},
        },
    )
    store.update_data_source(
        source,
        properties={
            "Largest": {
                "rollup": {
                    "relation_property_name": "Links",
                    "rollup_property_name": "Size",
                    "function": "max",
                }
            }
        },
    )
    ana = store.create_user("Ana")
    first = store.create_page(
        {"data_source_id": source},
        {
            "Name": _title("first"),
            "Owner": {"people": [{"id": ana}]},
            "Links": {"relation": [{"id": big}, {"id": small}]},
            "Tags": {"multi_select": [{"name": "a"}, {"name": "b"}]},
            "Status": {"status": {"name": "Done"}},
        },
    )
    second = store.create_page(
        {"data_source_id": source},
        {"Name": _title("second"), "Links": {"relation": [{"id": small}]}},
    )
    store.set_computed(first, "Flag", {"type": "boolean", "boolean": True})
    store.set_computed(second, "Flag", {"type": "boolean", "boolean": False})
    return {"source": source, "ana": ana, "big": big, "first": first, "second": second}


def test_reference_option_formula_and_rollup_filters(client: Client, rich: dict[str, str]) -> None:
    def names(spec: dict[str, Any]) -> list[str]:
        results = client.data_sources.query(rich["source"], filter=spec)["results"]
        return [r["properties"]["Name"]["title"][0]["plain_text"] for r in results]

    assert names({"property": "Owner", "people": {"contains": rich["ana"]}}) == ["first"]
    assert names({"property": "Owner", "people": {"is_empty": True}}) == ["second"]
    compact = rich["big"].replace("-", "")  # Notion takes ids with or without dashes
    assert names({"property": "Links", "relation": {"contains": compact}}) == ["first"]
    assert names({"property": "Links", "relation": {"does_not_contain": rich["big"]}}) == ["second"]
    assert names({"property": "Tags", "multi_select": {"contains": "b"}}) == ["first"]
    assert names({"property": "Status", "status": {"equals": "Done"}}) == ["first"]
    assert names({"property": "Flag", "formula": {"checkbox": {"equals": True}}}) == ["first"]
    assert names({"property": "Largest", "rollup": {"number": {"greater_than": 5}}}) == ["first"]
    assert names({"property": "Name", "title": {"does_not_equal": "first"}}) == ["second"]


def test_created_time_and_relative_date_filters(
    client: Client, sandbox: NotionSandbox, krs: str, clock: ManualClock
) -> None:
    clock.advance(days=10)
    late = sandbox.store.create_page({"data_source_id": krs}, {"Key Result": _title("Late")})
    spec = {"timestamp": "created_time", "created_time": {"after": "2026-03-05"}}
    assert [r["id"] for r in client.data_sources.query(krs, filter=spec)["results"]] == [late]

    def due(condition: dict[str, Any]) -> set[str]:
        spec = {"property": "Due", "date": condition}
        return set(_titles(client.data_sources.query(krs, filter=spec)))

    # the sandbox clock says 2026-03-12: Churn was due in January, Revenue on 31 March
    assert due({"past_year": {}}) == {"Churn"}
    assert due({"next_month": {}}) == {"Revenue"}
    assert due({"is_empty": True}) == {"NPS", "Late"}
    sorted_by_time = client.data_sources.query(
        krs, sorts=[{"timestamp": "created_time", "direction": "descending"}]
    )
    assert sorted_by_time["results"][0]["id"] == late


def test_filters_nest_at_most_two_levels(client: Client, krs: str) -> None:
    leaf = {"property": "Done", "checkbox": {"equals": True}}
    with pytest.raises(APIResponseError) as caught:
        client.data_sources.query(krs, filter={"and": [{"or": [{"and": [leaf]}]}]})
    assert caught.value.code == "validation_error"
    assert client.data_sources.query(krs, filter={"and": [{"or": [leaf]}]})["object"] == "list"


def test_property_item_of_a_plain_value_and_bad_cursors(
    client: Client, rich: dict[str, str]
) -> None:
    page = client.pages.retrieve(rich["first"])
    status = client.pages.properties.retrieve(rich["first"], page["properties"]["Status"]["id"])
    assert status["object"] == "property_item"
    assert status["status"]["name"] == "Done"
    links_id = page["properties"]["Links"]["id"]
    with pytest.raises(APIResponseError) as caught:
        client.pages.properties.retrieve(rich["first"], links_id, start_cursor="x")
    assert caught.value.code == "validation_error"
    with pytest.raises(APIResponseError) as missing:
        client.pages.properties.retrieve(rich["first"], "nope")
    assert missing.value.code == "object_not_found"


@pytest.mark.parametrize("operator", RELATIVE_DATE_OPERATORS)
def test_a_query_relative_to_now_never_reuses_a_kept_page_order(operator: str) -> None:
    """The next pages of a query reuse its order unless its answer depends on the clock."""
    relative = {"property": "Due", "date": {operator: {}}}
    fixed = {"property": "Due", "date": {"on_or_after": "2026-10-01"}}
    assert _relative(json.dumps([relative, []], sort_keys=True))
    assert not _relative(json.dumps([fixed, []], sort_keys=True))
