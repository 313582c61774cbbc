"""Notion's documented limits and validation, as the real notion-client sees them."""

from __future__ import annotations

from typing import Any

import pytest
from notion_client import APIResponseError, Client

from okrsync_sandbox.notion import NotionSandbox


def _title(text: str) -> list[dict[str, Any]]:
    return [{"text": {"content": text}}]


@pytest.fixture
def source(sandbox: NotionSandbox) -> str:
    root = sandbox.store.create_page({"workspace": True}, {"title": _title("Root")})
    _, source_id = sandbox.store.create_database(
        "KRs",
        parent_page_id=root,
        properties={
            "Key Result": {"title": {}},
            "Score": {"number": {}},
            "Health": {"select": {"options": [{"name": "On track"}]}},
            "Status": {"status": {}},
            "Warnings": {"rich_text": {}},
            "Done": {"checkbox": {}},
            "Created": {"created_time": {}},
        },
    )
    return source_id


@pytest.fixture
def page_id(sandbox: NotionSandbox, source: str) -> str:
    return sandbox.store.create_page({"data_source_id": source}, {"Key Result": _title("KR")})


def _error(call: Any) -> APIResponseError:
    with pytest.raises(APIResponseError) as caught:
        call()
    return caught.value


def test_page_size_over_100_is_refused(client: Client, source: str) -> None:
    error = _error(lambda: client.data_sources.query(source, page_size=101))
    assert (error.status, error.code) == (400, "validation_error")
    assert "page_size" in str(error)
    assert client.data_sources.query(source, page_size=100)["object"] == "list"


def test_rich_text_over_2000_characters_is_refused(client: Client, page_id: str) -> None:
    error = _error(
        lambda: client.pages.update(
            page_id, properties={"Warnings": {"rich_text": _title("x" * 2001)}}
        )
    )
    assert (error.status, error.code) == (400, "validation_error")
    assert "2000" in str(error)
    ok = client.pages.update(page_id, properties={"Warnings": {"rich_text": _title("x" * 2000)}})
    assert ok["properties"]["Warnings"]["rich_text"][0]["plain_text"] == "x" * 2000


def test_more_than_100_rich_text_items_are_refused(client: Client, page_id: str) -> None:
    items = [{"text": {"content": f"{i} "}} for i in range(101)]
    error = _error(
        lambda: client.pages.update(page_id, properties={"Warnings": {"rich_text": items}})
    )
    assert (error.status, error.code) == (400, "validation_error")
    assert "100" in str(error)
    ok = client.pages.update(page_id, properties={"Warnings": {"rich_text": items[:100]}})
    assert len(ok["properties"]["Warnings"]["rich_text"]) == 100


def test_wrong_type_names_the_property_and_changes_nothing(
    client: Client, page_id: str, sandbox: NotionSandbox
) -> None:
    error = _error(
        lambda: client.pages.update(
            page_id,
            properties={"Done": {"checkbox": True}, "Score": {"rich_text": _title("0.7")}},
        )
    )
    assert (error.status, error.code) == (400, "validation_error")
    assert "Score" in str(error) and "number" in str(error)
    page = client.pages.retrieve(page_id)
    assert page["properties"]["Done"]["checkbox"] is False  # all or nothing


def test_unknown_and_read_only_properties_are_refused(client: Client, page_id: str) -> None:
    unknown = _error(lambda: client.pages.update(page_id, properties={"Scroe": {"number": 1}}))
    assert unknown.code == "validation_error" and "Scroe" in str(unknown)
    read_only = _error(
        lambda: client.pages.update(page_id, properties={"Created": {"created_time": "2020-01-01"}})
    )
    assert read_only.code == "validation_error" and "Created" in str(read_only)


def test_select_with_a_new_option_adds_it_but_status_does_not(
    client: Client, page_id: str, source: str
) -> None:
    page = client.pages.update(page_id, properties={"Health": {"select": {"name": "At risk"}}})
    assert page["properties"]["Health"]["select"]["name"] == "At risk"
    schema = client.data_sources.retrieve(source)["properties"]
    assert [o["name"] for o in schema["Health"]["select"]["options"]] == ["On track", "At risk"]
    error = _error(
        lambda: client.pages.update(page_id, properties={"Status": {"status": {"name": "Nope"}}})
    )
    assert error.code == "validation_error"


def test_properties_can_be_addressed_by_id(client: Client, page_id: str, source: str) -> None:
    score_id = client.data_sources.retrieve(source)["properties"]["Score"]["id"]
    page = client.pages.update(page_id, properties={score_id: {"number": 0.7}})
    assert page["properties"]["Score"]["number"] == 0.7


def test_more_than_100_blocks_per_append_are_refused(
    client: Client, page_id: str, sandbox: NotionSandbox
) -> None:
    blocks = [{"paragraph": {"rich_text": _title(str(i))}} for i in range(101)]
    error = _error(lambda: client.blocks.children.append(page_id, children=blocks))
    assert (error.status, error.code) == (400, "validation_error")
    assert "100" in str(error)
    assert sandbox.store.live_children(page_id) == []
    appended = client.blocks.children.append(page_id, children=blocks[:100])
    assert len(appended["results"]) == 100


def test_nesting_deeper_than_two_levels_is_refused(client: Client, page_id: str) -> None:
    def toggle(text: str, children: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        inner: dict[str, Any] = {"rich_text": _title(text)}
        if children:
            inner["children"] = children
        return {"toggle": inner}

    two_levels = toggle("a", [toggle("b", [toggle("c")])])
    three_levels = toggle("a", [toggle("b", [toggle("c", [toggle("d")])])])
    error = _error(lambda: client.blocks.children.append(page_id, children=[three_levels]))
    assert (error.status, error.code) == (400, "validation_error")
    assert "should be not present" in str(error)
    appended = client.blocks.children.append(page_id, children=[two_levels])
    top = appended["results"][0]
    assert top["has_children"] is True
    level_one = client.blocks.children.list(top["id"])["results"]
    assert [b["toggle"]["rich_text"][0]["plain_text"] for b in level_one] == ["b"]
    level_two = client.blocks.children.list(level_one[0]["id"])["results"]
    assert [b["toggle"]["rich_text"][0]["plain_text"] for b in level_two] == ["c"]


def test_tables_need_rows_of_the_declared_width(client: Client, page_id: str) -> None:
    def row(*cells: str) -> dict[str, Any]:
        return {"table_row": {"cells": [_title(c) for c in cells]}}

    bad = {"table": {"table_width": 2, "children": [row("a", "b"), row("only one")]}}
    assert _error(lambda: client.blocks.children.append(page_id, children=[bad])).status == 400
    no_rows = {"table": {"table_width": 2}}
    assert _error(lambda: client.blocks.children.append(page_id, children=[no_rows])).status == 400
    good = {"table": {"table_width": 2, "has_column_header": True, "children": [row("a", "b")]}}
    table = client.blocks.children.append(page_id, children=[good])["results"][0]
    rows = client.blocks.children.list(table["id"])["results"]
    assert rows[0]["table_row"]["cells"][1][0]["plain_text"] == "b"


def test_block_children_paginate(client: Client, page_id: str) -> None:
    blocks = [{"paragraph": {"rich_text": _title(str(i))}} for i in range(100)]
    client.blocks.children.append(page_id, children=blocks)
    client.blocks.children.append(page_id, children=blocks[:20])
    first = client.blocks.children.list(page_id, page_size=50)
    assert first["has_more"] is True and len(first["results"]) == 50
    seen = [b["id"] for b in first["results"]]
    cursor = first["next_cursor"]
    while cursor:
        more = client.blocks.children.list(page_id, page_size=50, start_cursor=cursor)
        seen += [b["id"] for b in more["results"]]
        cursor = more["next_cursor"]
    assert len(seen) == len(set(seen)) == 120


def test_append_after_a_block_and_delete(client: Client, page_id: str) -> None:
    results = client.blocks.children.append(
        page_id, children=[{"paragraph": {"rich_text": _title(t)}} for t in ("a", "c")]
    )["results"]
    client.blocks.children.append(
        page_id, children=[{"paragraph": {"rich_text": _title("b")}}], after=results[0]["id"]
    )
    texts = [
        b["paragraph"]["rich_text"][0]["plain_text"]
        for b in client.blocks.children.list(page_id)["results"]
    ]
    assert texts == ["a", "b", "c"]
    client.blocks.delete(results[1]["id"])
    remaining = client.blocks.children.list(page_id)["results"]
    assert [b["paragraph"]["rich_text"][0]["plain_text"] for b in remaining] == ["a", "b"]


def test_create_page_with_children_under_a_page(client: Client, sandbox: NotionSandbox) -> None:
    parent = sandbox.store.create_page({"workspace": True}, {"title": _title("OKR Reviews")})
    page = client.pages.create(
        parent={"page_id": parent},
        properties={"title": _title("Review Q1")},
        children=[{"heading_1": {"rich_text": _title("Summary")}}],
    )
    children = client.blocks.children.list(page["id"])["results"]
    assert children[0]["type"] == "heading_1"
    listed = client.blocks.children.list(parent)["results"]
    assert [(b["type"], b["child_page"]["title"]) for b in listed] == [("child_page", "Review Q1")]


def test_more_than_1000_blocks_in_one_request_are_refused(client: Client, page_id: str) -> None:
    def toggle_with(count: int) -> dict[str, Any]:
        rows = [{"paragraph": {"rich_text": _title("x")}} for _ in range(count)]
        return {"toggle": {"rich_text": _title("t"), "children": rows}}

    too_many = [toggle_with(99) for _ in range(11)]  # 11 + 11 * 99 = 1100 blocks
    error = _error(lambda: client.blocks.children.append(page_id, children=too_many))
    assert error.code == "validation_error" and "1000" in str(error)
    fine = [toggle_with(99) for _ in range(10)]  # 1000 blocks
    assert len(client.blocks.children.append(page_id, children=fine)["results"]) == 10


def test_mentions_get_their_plain_text(
    client: Client, sandbox: NotionSandbox, page_id: str
) -> None:
    ana = sandbox.store.create_user("Ana Lima", email="ana@example.com")
    mention = {"type": "mention", "mention": {"type": "user", "user": {"id": ana}}}
    page_mention = {"type": "mention", "mention": {"type": "page", "page": {"id": page_id}}}
    appended = client.blocks.children.append(
        page_id, children=[{"paragraph": {"rich_text": [mention, *_title(" owns "), page_mention]}}]
    )
    rich = appended["results"][0]["paragraph"]["rich_text"]
    assert "".join(item["plain_text"] for item in rich) == "@Ana Lima owns KR"
    assert rich[0]["mention"]["user"]["name"] == "Ana Lima"
    assert rich[2]["href"].endswith(page_id.replace("-", ""))
    unknown = {"type": "mention", "mention": {"type": "user", "user": {"id": page_id}}}
    error = _error(
        lambda: client.pages.update(page_id, properties={"Warnings": {"rich_text": [unknown]}})
    )
    assert error.code == "validation_error"


def test_malformed_schema_requests_are_answered_not_dropped(client: Client, source: str) -> None:
    error = _error(
        lambda: client.data_sources.update(
            source, properties={"Bad": {"select": {"options": [{}]}}}
        )
    )
    assert (error.status, error.code) == (400, "validation_error")
    assert client.data_sources.retrieve(source)["object"] == "data_source"
