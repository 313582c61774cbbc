"""Data source queries: filters, sorts, pagination, filter_properties, trash, timestamps."""

from __future__ import annotations

from typing import Any

import pytest
from notion_client import APIResponseError, Client
from notion_client.helpers import collect_paginated_api
from okrsync_notion.sandbox import NotionSandbox

from .conftest import FakeClock


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
    assert sandbox.stats()["per_endpoint"]["POST /v1/data_sources/{id}/query"] == 4
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
    client: Client, sandbox: NotionSandbox, krs: str, clock: FakeClock
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
