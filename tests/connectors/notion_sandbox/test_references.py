"""Relations and people past Notion's 25-reference cut, dual relations, rollups over the cut."""

from __future__ import annotations

from typing import Any

import pytest
from notion_client import Client

from okrsync_sandbox.notion import NotionSandbox


def _title(text: str) -> list[dict[str, Any]]:
    return [{"text": {"content": text}}]


@pytest.fixture
def layout(sandbox: NotionSandbox) -> dict[str, str]:
    """Objectives and Key Results joined by a dual relation, plus 60 KRs and 30 people."""
    store = sandbox.store
    root = store.create_page({"workspace": True}, {"title": _title("Root")})
    _, krs = store.create_database(
        "Key Results",
        parent_page_id=root,
        properties={"Key Result": {"title": {}}, "Current Value": {"number": {}}},
    )
    _, objectives = store.create_database(
        "Objectives",
        parent_page_id=root,
        properties={
            "Objective": {"title": {}},
            "Owner": {"people": {}},
            "Key Results": {
                "relation": {
                    "data_source_id": krs,
                    "type": "dual_property",
                    "dual_property": {"synced_property_name": "Objective"},
                }
            },
        },
    )
    store.update_data_source(
        objectives,
        properties={
            "Total": {
                "rollup": {
                    "relation_property_name": "Key Results",
                    "rollup_property_name": "Current Value",
                    "function": "sum",
                }
            }
        },
    )
    return {"krs": krs, "objectives": objectives}


def test_sixty_references_are_cut_at_25_and_paginated(
    client: Client, sandbox: NotionSandbox, layout: dict[str, str]
) -> None:
    store = sandbox.store
    kr_ids = [
        store.create_page(
            {"data_source_id": layout["krs"]},
            {"Key Result": _title(f"KR {i}"), "Current Value": {"number": 1}},
        )
        for i in range(60)
    ]
    people = [store.create_user(f"Person {i}", email=f"p{i}@example.com") for i in range(30)]
    objective = client.pages.create(
        parent={"data_source_id": layout["objectives"]},
        properties={
            "Objective": {"title": _title("Big")},
            "Key Results": {"relation": [{"id": k} for k in kr_ids[:50]]},
            "Owner": {"people": [{"id": p} for p in people]},
        },
    )
    # a second write appends past the 100-per-write limit's reach: 60 in total
    client.pages.update(
        objective["id"],
        properties={"Key Results": {"relation": [{"id": k} for k in kr_ids]}},
    )
    listed = client.data_sources.query(layout["objectives"])["results"][0]["properties"]
    assert len(listed["Key Results"]["relation"]) == 25
    assert listed["Key Results"]["has_more"] is True
    assert len(listed["Owner"]["people"]) == 25
    assert listed["Owner"]["has_more"] is True
    # Notion's own rollup sees only the first 25 related pages
    assert listed["Total"]["rollup"]["number"] == 25

    property_id = listed["Key Results"]["id"]
    collected: list[str] = []
    cursor = None
    calls = 0
    while True:
        kwargs: dict[str, Any] = {"page_size": 25}
        if cursor:
            kwargs["start_cursor"] = cursor
        chunk = client.pages.properties.retrieve(objective["id"], property_id, **kwargs)
        calls += 1
        collected += [item["relation"]["id"] for item in chunk["results"]]
        if chunk["property_item"]["next_url"] is not None:
            assert chunk["has_more"] is True
        cursor = chunk["next_cursor"]
        if not chunk["has_more"]:
            break
    assert collected == kr_ids
    assert calls == 3

    people_items = client.pages.properties.retrieve(objective["id"], listed["Owner"]["id"])
    assert [u["people"]["id"] for u in people_items["results"]] == people


def test_relation_writes_over_100_are_refused(
    client: Client, sandbox: NotionSandbox, layout: dict[str, str]
) -> None:
    kr_ids = [
        sandbox.store.create_page({"data_source_id": layout["krs"]}, {"Key Result": _title(str(i))})
        for i in range(101)
    ]
    objective = sandbox.store.create_page(
        {"data_source_id": layout["objectives"]}, {"Objective": _title("O")}
    )
    from notion_client import APIResponseError

    with pytest.raises(APIResponseError) as caught:
        client.pages.update(
            objective, properties={"Key Results": {"relation": [{"id": k} for k in kr_ids]}}
        )
    assert caught.value.code == "validation_error"


def test_dual_relation_updates_the_other_side(
    client: Client, sandbox: NotionSandbox, layout: dict[str, str], clock: Any
) -> None:
    store = sandbox.store
    objective = store.create_page(
        {"data_source_id": layout["objectives"]}, {"Objective": _title("O")}
    )
    clock.advance(minutes=5)
    kr = client.pages.create(
        parent={"data_source_id": layout["krs"]},
        properties={
            "Key Result": {"title": _title("KR")},
            "Objective": {"relation": [{"id": objective}]},
        },
    )
    other_side = client.pages.retrieve(objective)
    assert other_side["properties"]["Key Results"]["relation"] == [{"id": kr["id"]}]
    assert other_side["last_edited_time"] == kr["last_edited_time"]
    client.pages.update(kr["id"], properties={"Objective": {"relation": []}})
    assert client.pages.retrieve(objective)["properties"]["Key Results"]["relation"] == []
    assert client.pages.retrieve(kr["id"])["properties"]["Objective"]["has_more"] is False


def test_relations_only_accept_pages_of_the_related_data_source(
    client: Client, sandbox: NotionSandbox, layout: dict[str, str]
) -> None:
    from notion_client import APIResponseError

    objective = sandbox.store.create_page(
        {"data_source_id": layout["objectives"]}, {"Objective": _title("O")}
    )
    other_objective = sandbox.store.create_page(
        {"data_source_id": layout["objectives"]}, {"Objective": _title("P")}
    )
    with pytest.raises(APIResponseError) as caught:
        client.pages.update(
            objective, properties={"Key Results": {"relation": [{"id": other_objective}]}}
        )
    assert caught.value.code == "validation_error" and "Key Results" in str(caught.value)


def test_concurrent_writers_all_land(sandbox: NotionSandbox, layout: dict[str, str]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    pages = [
        sandbox.store.create_page({"data_source_id": layout["krs"]}, {"Key Result": _title(str(i))})
        for i in range(40)
    ]

    def write(index: int) -> int:
        notion = Client(auth=sandbox.token, base_url=sandbox.base_url, retry=False)
        try:
            for page in pages[index::4]:
                notion.pages.update(page, properties={"Current Value": {"number": index}})
            return index
        finally:
            notion.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert sorted(pool.map(write, range(4))) == [0, 1, 2, 3]
    values = {
        page: sandbox.store.property_item_value(page, "Current Value")[1]["number"]
        for page in pages
    }
    assert values == {page: i % 4 for i, page in enumerate(pages)}
    assert sandbox.stats()["by_endpoint"]["PATCH /v1/pages/{id}"] == 40
