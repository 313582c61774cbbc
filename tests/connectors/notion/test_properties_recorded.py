"""Every page in the real recorded Notion responses flattens, with the right plain values.

The responses under tests/fixtures/recorded/notion/ were recorded against api.notion.com by two
other projects; they carry every property type the API has, so they keep our flattening honest about
shapes we did not invent.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from okrsync_notion.properties import (
    flatten_property_items,
    flatten_value,
    title_of,
    truncated,
)

from tests.recorded import NOTION_RECORDED, recorded_pages, recorded_responses

EXPECTED_TYPES = {
    "title",
    "rich_text",
    "number",
    "select",
    "status",
    "multi_select",
    "people",
    "relation",
    "date",
    "checkbox",
    "url",
    "email",
    "phone_number",
    "unique_id",
    "created_time",
    "last_edited_time",
    "created_by",
    "last_edited_by",
    "formula",
    "rollup",
    "files",
}


@pytest.fixture
def notion_fixtures() -> Path:
    return NOTION_RECORDED


def _props_by_name(notion_fixtures: Path, cassette: str, name: str) -> list[dict[str, Any]]:
    return [
        page["properties"][name]
        for rec, page in recorded_pages(notion_fixtures)
        if rec.cassette == cassette and name in page.get("properties", {})
    ]


def test_every_recorded_page_flattens_without_unreadable_values(notion_fixtures: Path) -> None:
    seen: Counter[str] = Counter()
    pages = 0
    for rec, page in recorded_pages(notion_fixtures):
        pages += 1
        for name, prop in page.get("properties", {}).items():
            value = flatten_value(prop)
            kind = prop["type"]
            seen[kind] += 1
            assert not (isinstance(value, dict) and "unreadable" in value), (
                f"{rec.cassette}: page {page['id']} property {name!r} ({kind}) -> {value}"
            )
            _assert_plain(kind, prop, value)
    assert pages > 500
    assert set(seen) >= EXPECTED_TYPES, f"types not covered: {EXPECTED_TYPES - set(seen)}"


def _assert_plain(kind: str, prop: dict[str, Any], value: Any) -> None:
    """The flattened value has the type docs/architecture.md promises for `kind`."""
    if kind in ("title", "rich_text"):
        assert isinstance(value, str)
    elif kind == "number":
        assert value is None or isinstance(value, int | float)
    elif kind in ("select", "status"):
        assert value is None or value == prop[kind]["name"]
    elif kind == "multi_select":
        assert value == [o["name"] for o in prop[kind]]
    elif kind == "relation":
        assert value == [r["id"] for r in prop[kind]]
    elif kind == "people":
        assert [p["id"] for p in value] == [u["id"] for u in prop[kind]]
        assert all(set(p) == {"id", "name", "email"} for p in value)
    elif kind == "checkbox":
        assert isinstance(value, bool)
    elif kind in ("created_time", "last_edited_time"):
        assert value == prop[kind]
    elif kind in ("created_by", "last_edited_by"):
        assert value["id"] == prop[kind]["id"]
    elif kind == "rollup" and prop[kind]["type"] == "array":
        assert isinstance(value, list)
        assert len(value) == len(prop[kind]["array"])


def test_recorded_values_flatten_to_the_documented_plain_values(notion_fixtures: Path) -> None:
    id_props = {
        name: prop
        for rec, page in recorded_pages(notion_fixtures)
        if rec.cassette == "test_id_prop.json"
        for name, prop in page["properties"].items()
    }
    assert flatten_value(id_props["ID"]) == str(id_props["ID"]["unique_id"]["number"])
    assert flatten_value(id_props["Status"]) == "Not started"
    assert flatten_value(id_props["Created by"]) == {
        "id": "00000000-0000-4000-8000-0000000000f1",
        "name": "Ultimate Notion Tests",
        "email": None,
    }
    assert flatten_value(id_props["Button"]) is None

    people = _props_by_name(notion_fixtures, "test_people_relation_query.json", "People")
    flattened = [flatten_value(p) for p in people if p["people"]]
    assert {"id": "00000000-0000-4000-8000-0000000000fa", "name": "Adam Dangoor",
            "email": "adamdangoor@gmail.com"} in [v[0] for v in flattened]  # fmt: skip

    formulas = {
        name: [flatten_value(p) for p in _props_by_name(notion_fixtures, "test_query_formula.json",
                                                        name)]
        for name in ("Date", "Checkbox", "Number")
    }  # fmt: skip
    assert "2024-11-25T14:08:00.000+00:00" in formulas["Date"]
    assert {True, False} <= set(formulas["Checkbox"])
    assert {1, 2} <= set(formulas["Number"])

    rollup_titles = [
        flatten_value(p)
        for p in _props_by_name(notion_fixtures, "test_query_rollup.json", "Rollup Title")
    ]
    assert ["Item 1"] in rollup_titles
    rollup_dates = [
        flatten_value(p)
        for p in _props_by_name(notion_fixtures, "test_query_rollup.json", "Rollup Date")
    ]
    assert "1981-11-23T07:02:00.000+00:00" in rollup_dates


def test_recorded_truncated_relation_reads_complete_from_the_property_endpoint(
    notion_fixtures: Path,
) -> None:
    cassette = "test_more_than_max_refs_per_relation_property.json"
    truncated_props = [
        (page, prop)
        for rec, page in recorded_pages(notion_fixtures)
        if rec.cassette == cassette
        for prop in page["properties"].values()
        if truncated(prop)
    ]
    assert truncated_props, "the cassette holds a relation with has_more"
    page, prop = truncated_props[0]
    assert title_of(page["properties"]) == "Customer 1"
    assert len(flatten_value(prop)) == 25

    items = [
        rec.body
        for rec in recorded_responses(notion_fixtures)
        if rec.cassette == cassette and "/properties/" in rec.uri
    ]
    assert len(items) == 1
    complete = flatten_property_items("relation", items[0]["results"])
    assert len(complete) == 30
    assert complete[:25] == flatten_value(prop)
    assert len(set(complete)) == 30
