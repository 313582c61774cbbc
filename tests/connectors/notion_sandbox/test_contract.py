"""Contract: the emulator answers with the same keys and value types as the real Notion API.

Each test drives the emulator through the real notion-client and compares the body with a
response recorded against api.notion.com (tests/fixtures/recorded/notion/). Values and ids differ;
keys and types must not. The 2026-03-11 recordings (ultimate-notion) no longer carry
`archived`, which 2025-09-03 (our version) still sends, so that key may be extra there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from notion_client import APIResponseError, Client

from okrsync_sandbox.notion import NotionSandbox
from tests.recorded import NOTION_SDK_PY, ULTIMATE_NOTION, load_cassette, recorded

from .conftest import shape_differences

NEWER = frozenset({"archived"})


@pytest.fixture
def sdk() -> Path:
    return NOTION_SDK_PY


@pytest.fixture
def un() -> Path:
    return ULTIMATE_NOTION


def _root(sandbox: NotionSandbox) -> str:
    return sandbox.store.create_page(
        {"workspace": True}, {"title": [{"text": {"content": "Root"}}]}
    )


def _title(text: str) -> list[dict[str, Any]]:
    return [{"text": {"content": text}}]


def test_database_retrieve(sandbox: NotionSandbox, client: Client, sdk: Path) -> None:
    database_id, source_id = sandbox.store.create_database("Tasks", parent_page_id=_root(sandbox))
    ours = client.databases.retrieve(database_id)
    theirs = recorded(sdk / "test_databases_retrieve.json", "GET", "/v1/databases/")
    assert shape_differences(ours, theirs) == []
    assert ours["data_sources"] == [{"id": source_id, "name": "Tasks"}]


def test_database_update(sandbox: NotionSandbox, client: Client, sdk: Path) -> None:
    database_id, _ = sandbox.store.create_database("Tasks", parent_page_id=_root(sandbox))
    ours = client.databases.update(database_id, icon={"type": "emoji", "emoji": "🔥"})
    theirs = recorded(sdk / "test_databases_update.json", "PATCH", "/v1/databases/")
    assert shape_differences(ours, theirs) == []
    assert ours["icon"] == {"type": "emoji", "emoji": "🔥"}


def test_data_source_retrieve_and_update(sandbox: NotionSandbox, client: Client, sdk: Path) -> None:
    _, source_id = sandbox.store.create_database("Tasks", parent_page_id=_root(sandbox))
    ours = client.data_sources.retrieve(source_id)
    theirs = recorded(sdk / "test_data_sources_retrieve.json", "GET", "/v1/data_sources/")
    assert shape_differences(ours, theirs) == []
    updated = client.data_sources.update(source_id, title=_title("Updated DataSource"))
    theirs_updated = recorded(sdk / "test_data_sources_update.json", "PATCH", "/v1/data_sources/")
    assert shape_differences(updated, theirs_updated) == []
    assert updated["title"][0]["plain_text"] == "Updated DataSource"


def test_data_source_query_envelope(sandbox: NotionSandbox, client: Client, sdk: Path) -> None:
    _, source_id = sandbox.store.create_database("Tasks", parent_page_id=_root(sandbox))
    ours = client.data_sources.query(source_id)
    theirs = recorded(sdk / "test_data_sources_query.json", "POST", "/query")
    assert shape_differences(ours, theirs) == []
    assert ours["results"] == [] and ours["type"] == "page_or_data_source"


def test_page_create_retrieve_update(sandbox: NotionSandbox, client: Client, sdk: Path) -> None:
    root = _root(sandbox)
    created = client.pages.create(
        parent={"page_id": root}, properties={"title": _title("Test page")}, children=[]
    )
    assert (
        shape_differences(created, recorded(sdk / "test_pages_create.json", "POST", "/v1/pages"))
        == []
    )
    fetched = client.pages.retrieve(created["id"])
    theirs = recorded(sdk / "test_pages_retrieve.json", "GET", "/v1/pages/")
    assert shape_differences(fetched, theirs) == []
    assert fetched["parent"] == {"type": "page_id", "page_id": root}
    updated = client.pages.update(created["id"], icon={"type": "emoji", "emoji": "🛴"})
    assert (
        shape_differences(updated, recorded(sdk / "test_pages_update.json", "PATCH", "/v1/pages/"))
        == []
    )
    assert updated["icon"]["emoji"] == "🛴"


def _customers_and_items(sandbox: NotionSandbox, count: int) -> tuple[str, str, list[str]]:
    """The ultimate-notion layout: Items related to a Customer through a dual relation."""
    store = sandbox.store
    root = _root(sandbox)
    _, items = store.create_database(
        "Items", parent_page_id=root, properties={"Name": {"title": {}}, "Price": {"number": {}}}
    )
    _, customers = store.create_database(
        "Customers",
        parent_page_id=root,
        properties={
            "Name": {"title": {}},
            "Items Purchased": {
                "relation": {"data_source_id": items, "type": "dual_property", "dual_property": {}}
            },
        },
    )
    customer = store.create_page({"data_source_id": customers}, {"Name": _title("Customer 1")})
    relation_name = next(
        name
        for name, prop in store.data_sources[items]["properties"].items()
        if prop["type"] == "relation"
    )
    item_ids = [
        store.create_page(
            {"data_source_id": items},
            {
                "Name": _title(f"Item {i}"),
                "Price": {"number": i * 10},
                relation_name: {"relation": [{"id": customer}]},
            },
        )
        for i in range(1, count + 1)
    ]
    return customers, customer, item_ids


def test_data_source_with_dual_relation(sandbox: NotionSandbox, client: Client, un: Path) -> None:
    customers, _, _ = _customers_and_items(sandbox, 1)
    cassette = un / "test_page" / "test_more_than_max_refs_per_relation_property.json"
    theirs = recorded(cassette, "GET", "/v1/data_sources/846dab72")
    ours = client.data_sources.retrieve(customers)
    assert shape_differences(ours, theirs, extra_ok=NEWER) == []
    relation = ours["properties"]["Items Purchased"]["relation"]
    assert relation["type"] == "dual_property"
    assert relation["dual_property"]["synced_property_name"].startswith("Related to Customers")


def test_page_with_more_than_25_references(
    sandbox: NotionSandbox, client: Client, un: Path
) -> None:
    _, customer, item_ids = _customers_and_items(sandbox, 30)
    cassette = un / "test_page" / "test_more_than_max_refs_per_relation_property.json"
    ours = client.pages.retrieve(customer)
    theirs = recorded(cassette, "GET", "/v1/pages/38c9ce7b-60a4-8156-a1b7-cf948b230f66")
    assert shape_differences(ours, theirs, extra_ok=NEWER) == []
    relation = ours["properties"]["Items Purchased"]
    assert [r["id"] for r in relation["relation"]] == item_ids[:25]
    assert relation["has_more"] is True

    items = client.pages.properties.retrieve(customer, relation["id"], page_size=100)
    theirs_items = recorded(cassette, "GET", "/properties/o_yF")
    assert shape_differences(items, theirs_items) == []
    assert [r["relation"]["id"] for r in items["results"]] == item_ids
    assert items["has_more"] is False


def test_title_property_item(sandbox: NotionSandbox, client: Client, sdk: Path) -> None:
    page = client.pages.create(
        parent={"page_id": _root(sandbox)}, properties={"title": _title("T")}
    )
    ours = client.pages.properties.retrieve(page["id"], "title")
    theirs = recorded(sdk / "test_pages_properties_retrieve.json", "GET", "/properties/title")
    assert shape_differences(ours, theirs) == []
    assert ours["results"][0]["title"]["plain_text"] == "T"


def _property_samples(un: Path) -> dict[str, dict[str, Any]]:
    """One recorded property value per type (formula/rollup per result type), non-empty first."""
    samples: dict[str, tuple[dict[str, Any], bool]] = {}
    for cassette in sorted(un.rglob("*.json")):
        for item in load_cassette(cassette):
            body = item.body
            if not isinstance(body, dict):
                continue
            pages = body.get("results", []) if body.get("object") == "list" else [body]
            for page in pages:
                if not isinstance(page, dict) or page.get("object") != "page":
                    continue
                for value in page["properties"].values():
                    kind = value["type"]
                    inner = value.get(kind)
                    key = f"{kind}:{inner.get('type')}" if kind in ("formula", "rollup") else kind
                    empty = inner in (None, [], {})
                    if key not in samples or (samples[key][1] and not empty):
                        samples[key] = (value, empty)
    return {key: value for key, (value, _) in samples.items()}


def test_every_property_type_has_the_recorded_shape(
    sandbox: NotionSandbox, client: Client, un: Path
) -> None:
    store = sandbox.store
    root = _root(sandbox)
    _, targets = store.create_database(
        "Targets", parent_page_id=root, properties={"Size": {"number": {}}}
    )
    target = store.create_page(
        {"data_source_id": targets}, {"Name": _title("t"), "Size": {"number": 4}}
    )
    _, source = store.create_database(
        "All",
        parent_page_id=root,
        properties={
            "Title": {"title": {}},
            "Text": {"rich_text": {}},
            "Number": {"number": {}},
            "Select": {"select": {"options": [{"name": "Done"}]}},
            "Status": {"status": {}},
            "Tags": {"multi_select": {}},
            "People": {"people": {}},
            "Relation": {"relation": {"data_source_id": targets, "single_property": {}}},
            "Date": {"date": {}},
            "Checkbox": {"checkbox": {}},
            "Url": {"url": {}},
            "Email": {"email": {}},
            "Phone": {"phone_number": {}},
            "Files": {"files": {}},
            "Created": {"created_time": {}},
            "Edited": {"last_edited_time": {}},
            "Creator": {"created_by": {}},
            "Editor": {"last_edited_by": {}},
            "ID": {"unique_id": {"prefix": None}},
        },
    )
    store.update_data_source(
        source,
        properties={
            "Sum": {
                "rollup": {
                    "relation_property_name": "Relation",
                    "rollup_property_name": "Size",
                    "function": "max",
                }
            },
            "Original": {
                "rollup": {
                    "relation_property_name": "Relation",
                    "rollup_property_name": "Size",
                    "function": "show_original",
                }
            },
            "F string": {"formula": {"expression": "format(1)"}},
            "F number": {"formula": {"expression": "1"}},
            "F boolean": {"formula": {"expression": "true"}},
            "F date": {"formula": {"expression": "now()"}},
        },
    )
    person = store.create_user("Ada", email="ada@example.com")
    page = client.pages.create(
        parent={"data_source_id": source},
        properties={
            "Title": {"title": _title("Page 1")},
            "Text": {"rich_text": _title("Text 2")},
            "Number": {"number": 1},
            "Select": {"select": {"name": "Done"}},
            "Status": {"status": {"name": "Not started"}},
            "Tags": {"multi_select": [{"name": "Done"}, {"name": "In Progress"}]},
            "People": {"people": [{"id": person}]},
            "Relation": {"relation": [{"id": target}]},
            "Date": {"date": {"start": "2024-11-25T14:08:00.000+00:00"}},
            "Checkbox": {"checkbox": True},
            "Url": {"url": "https://example.com/"},
            "Email": {"email": "a@example.com"},
            "Phone": {"phone_number": "+1 234"},
            "Files": {
                "files": [
                    {"name": "f", "type": "external", "external": {"url": "https://example.com/f"}}
                ]
            },
        },
    )
    for name, result in (
        ("F string", {"type": "string", "string": "x"}),
        ("F number", {"type": "number", "number": 1}),
        ("F boolean", {"type": "boolean", "boolean": True}),
        (
            "F date",
            {"type": "date", "date": {"start": "2024-11-25", "end": None, "time_zone": None}},
        ),
    ):
        store.set_computed(page["id"], name, result)
    ours = client.data_sources.query(source)["results"][0]["properties"]
    assert ours["Title"]["title"][0]["plain_text"] == "Page 1"
    assert page["properties"]["Sum"]["rollup"] == {
        "type": "number",
        "number": 4.0,
        "function": "max",
    }
    samples = _property_samples(un)
    compared = 0
    for name, value in ours.items():
        kind = value["type"]
        inner = value[kind]
        key = f"{kind}:{inner.get('type')}" if kind in ("formula", "rollup") else kind
        assert key in samples, f"no recorded sample for {key}"
        assert shape_differences(value, samples[key]) == [], name
        compared += 1
    assert compared == len(ours) == 25


def test_block_children_list_append_retrieve_delete(
    sandbox: NotionSandbox, client: Client, sdk: Path
) -> None:
    page = client.pages.create(
        parent={"page_id": _root(sandbox)}, properties={"title": _title("T")}
    )
    empty = client.blocks.children.list(page["id"])
    assert (
        shape_differences(
            empty, recorded(sdk / "test_blocks_children_list.json", "GET", "/children")
        )
        == []
    )
    appended = client.blocks.children.append(
        page["id"], children=[{"paragraph": {"rich_text": _title("I'm a paragraph.")}}]
    )
    theirs = recorded(sdk / "test_blocks_children_create.json", "PATCH", "/children")
    assert shape_differences(appended, theirs) == []
    block_id = appended["results"][0]["id"]
    fetched = client.blocks.retrieve(block_id)
    theirs_block = recorded(
        sdk / "test_blocks_retrieve.json", "GET", "/v1/blocks/393abc1e-edcd-8181"
    )
    assert shape_differences(fetched, theirs_block) == []
    deleted = client.blocks.delete(block_id)
    theirs_deleted = recorded(
        sdk / "test_blocks_delete.json", "DELETE", "/v1/blocks/393abc1e-edcd-8173"
    )
    assert shape_differences(deleted, theirs_deleted) == []
    assert deleted["in_trash"] is True and deleted["archived"] is True
    assert client.blocks.children.list(page["id"])["results"] == []


def test_users(sandbox: NotionSandbox, client: Client, sdk: Path) -> None:
    ours = client.users.list()
    theirs = recorded(sdk / "test_users_list.json", "GET", "/v1/users")
    by_type = {user["type"]: user for user in theirs["results"]}
    assert shape_differences({**ours, "results": []}, {**theirs, "results": []}) == []
    assert {u["type"] for u in ours["results"]} == {"bot", "person"}
    for user in ours["results"]:
        assert shape_differences(user, by_type[user["type"]]) == []
    me = client.users.me()
    assert shape_differences(me, recorded(sdk / "test_users_me.json", "GET", "/v1/users/me")) == []
    assert me["id"] == sandbox.store.bot_id


def test_search(sandbox: NotionSandbox, client: Client, sdk: Path, un: Path) -> None:
    sandbox.store.create_database("All Properties DB", parent_page_id=_root(sandbox))
    nothing = client.search(
        query="no such thing", sort={"direction": "descending", "timestamp": "last_edited_time"}
    )
    assert (
        shape_differences(nothing, recorded(sdk / "test_search.json", "POST", "/v1/search")) == []
    )
    assert nothing["results"] == []
    found = client.search(
        query="All Properties DB", filter={"property": "object", "value": "data_source"}
    )
    theirs = recorded(un / "fixtures" / "mod_all_props_db.json", "POST", "/v1/search")
    assert [r["object"] for r in found["results"]] == ["data_source"]
    ours_source, their_source = found["results"][0], theirs["results"][0]
    # property names are data, not shape: compare the title property entries by type instead
    assert (
        shape_differences(
            {**ours_source, "properties": {}}, {**their_source, "properties": {}}, extra_ok=NEWER
        )
        == []
    )
    assert (
        shape_differences(ours_source["properties"]["Name"], their_source["properties"]["Name"])
        == []
    )


def test_error_bodies(sandbox: NotionSandbox, client: Client, sdk: Path) -> None:
    with httpx.Client(base_url=sandbox.base_url) as raw:
        headers = {"Authorization": f"Bearer {sandbox.token}", "Notion-Version": "2025-09-03"}
        invalid = raw.get("/v1/invalid", headers=headers)
        theirs_400 = recorded(
            sdk / "test_api_response_error.json", "GET", "/v1/invalid", status=400
        )
        assert invalid.status_code == 400
        assert shape_differences(invalid.json(), theirs_400) == []
        unauthorized = raw.get("/v1/users", headers={**headers, "Authorization": "Bearer nope"})
        theirs_401 = recorded(sdk / "test_api_response_error.json", "GET", "/v1/users", status=401)
        assert unauthorized.status_code == 401
        assert shape_differences(unauthorized.json(), theirs_401) == []
        assert unauthorized.json()["code"] == "unauthorized"
    missing = "00000000-0000-0000-0000-000000000000"
    with pytest.raises(APIResponseError) as caught:
        client.pages.retrieve(missing)
    theirs_404 = recorded(
        sdk / "test_build_request_error_integration.json", "GET", "/v1/pages/", status=404
    )
    assert caught.value.status == 404
    assert caught.value.code == "object_not_found"
    assert shape_differences(json.loads(caught.value.body), theirs_404) == []


def test_database_and_data_source_create(sandbox: NotionSandbox, client: Client, sdk: Path) -> None:
    root = _root(sandbox)
    database = client.databases.create(
        parent={"type": "page_id", "page_id": root},
        title=_title("Test Database"),
        initial_data_source={"properties": {"Name": {"type": "title", "title": {}}}},
    )
    theirs = recorded(sdk / "test_databases_create.json", "POST", "/v1/databases")
    assert shape_differences(database, theirs) == []
    source = client.data_sources.create(
        parent={"type": "database_id", "database_id": database["id"]},
        properties={"Name": {"type": "title", "title": {}}, "Score": {"number": {}}},
        title=_title("Second"),
        icon={"type": "emoji", "emoji": "⚙️"},
    )
    theirs_source = recorded(sdk / "test_data_sources_create.json", "POST", "/v1/data_sources")
    assert (
        shape_differences({**source, "properties": {}}, {**theirs_source, "properties": {}}) == []
    )
    assert (
        shape_differences(source["properties"]["Name"], theirs_source["properties"]["Name"]) == []
    )
    assert source["properties"]["Score"]["type"] == "number"
    names = [d["name"] for d in client.databases.retrieve(database["id"])["data_sources"]]
    assert names == ["Test Database", "Second"]


def test_block_update_and_restore(sandbox: NotionSandbox, client: Client, sdk: Path) -> None:
    page = client.pages.create(
        parent={"page_id": _root(sandbox)}, properties={"title": _title("T")}
    )
    block = client.blocks.children.append(
        page["id"], children=[{"paragraph": {"rich_text": _title("before")}}]
    )["results"][0]
    client.blocks.delete(block["id"])
    restored = client.blocks.update(block["id"], archived=False)
    theirs = recorded(sdk / "test_blocks_delete.json", "PATCH", "/v1/blocks/393abc1e-edcd-8173")
    assert shape_differences(restored, theirs) == []
    assert restored["in_trash"] is False
    changed = client.blocks.update(block["id"], paragraph={"rich_text": _title("after")})
    assert changed["paragraph"]["rich_text"][0]["plain_text"] == "after"
    listed = client.blocks.children.list(page["id"])["results"]
    assert [b["paragraph"]["rich_text"][0]["plain_text"] for b in listed] == ["after"]
