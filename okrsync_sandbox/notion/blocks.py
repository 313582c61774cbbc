"""Block children from requests: validation against Notion's limits and the stored form.

Notion accepts at most 100 blocks per append and two levels of nesting below the appended
blocks in one request (toggle > table > table_row is fine, a fourth level is refused). Tables
must arrive with their rows, and every row must have `table_width` cells. Rich text inside
blocks has the same limits as in properties.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from .shapes import JSON, normalize_rich_text, too_long, validation_error

MAX_CHILDREN: Final = 100
MAX_NESTING: Final = 2
MAX_BLOCKS_PER_REQUEST: Final = 1000
TEXT_BLOCKS: Final = frozenset(
    {
        "paragraph",
        "heading_1",
        "heading_2",
        "heading_3",
        "bulleted_list_item",
        "numbered_list_item",
        "to_do",
        "toggle",
        "quote",
        "callout",
        "code",
    }
)
OTHER_BLOCKS: Final = frozenset(
    {
        "divider",
        "table",
        "table_row",
        "table_of_contents",
        "bookmark",
        "embed",
        "image",
        "equation",
        "breadcrumb",
        "column_list",
        "column",
        "synced_block",
    }
)


@dataclass
class BlockSpec:
    """A validated block from a request, with its validated children."""

    type: str
    content: JSON
    children: list[BlockSpec] = field(default_factory=list)


def _text_content(kind: str, given: JSON, where: str) -> JSON:
    rich = normalize_rich_text(given.get("rich_text", []), f"{where}.rich_text")
    color = given.get("color", "default")
    if kind == "paragraph":
        return {"rich_text": rich, "icon": given.get("icon"), "color": color}
    if kind.startswith("heading_"):
        return {
            "rich_text": rich,
            "is_toggleable": bool(given.get("is_toggleable")),
            "color": color,
        }
    if kind == "to_do":
        return {"rich_text": rich, "checked": bool(given.get("checked")), "color": color}
    if kind == "callout":
        return {"rich_text": rich, "icon": given.get("icon"), "color": color}
    if kind == "code":
        caption = normalize_rich_text(given.get("caption", []), f"{where}.caption")
        return {
            "caption": caption,
            "rich_text": rich,
            "language": given.get("language", "plain text"),
        }
    return {"rich_text": rich, "color": color}


def _one_block(raw: Any, where: str, depth: int) -> BlockSpec:
    if not isinstance(raw, dict):
        raise validation_error(f"body failed validation: {where} should be an object.")
    kind = raw.get("type")
    if kind is None:
        known = [k for k in raw if k in TEXT_BLOCKS or k in OTHER_BLOCKS]
        if len(known) != 1:
            raise validation_error(
                f"body failed validation: {where} should have exactly one block type."
            )
        kind = known[0]
    if kind not in TEXT_BLOCKS and kind not in OTHER_BLOCKS:
        raise validation_error(f"body failed validation: {where}.type {kind!r} is not supported.")
    given = raw.get(kind)
    if not isinstance(given, dict):
        raise validation_error(f"body failed validation: {where}.{kind} should be an object.")
    inner_where = f"{where}.{kind}"
    content: JSON
    if kind in TEXT_BLOCKS:
        content = _text_content(kind, given, inner_where)
    elif kind == "table_row":
        cells = given.get("cells")
        if not isinstance(cells, list):
            raise validation_error(
                f"body failed validation: {inner_where}.cells should be an array."
            )
        content = {
            "cells": [
                normalize_rich_text(cell, f"{inner_where}.cells[{i}]")
                for i, cell in enumerate(cells)
            ]
        }
    elif kind == "table":
        width = given.get("table_width")
        if not isinstance(width, int) or width < 1:
            raise validation_error(
                f"body failed validation: {inner_where}.table_width should be a positive number."
            )
        content = {
            "table_width": width,
            "has_column_header": bool(given.get("has_column_header")),
            "has_row_header": bool(given.get("has_row_header")),
        }
    else:
        content = {k: v for k, v in given.items() if k != "children"}
    raw_children = given.get("children", raw.get("children"))
    children: list[BlockSpec] = []
    if raw_children:
        child_where = f"{inner_where}.children"
        if depth >= MAX_NESTING:
            raise validation_error(f"body failed validation: {child_where} should be not present.")
        children = normalize_children(raw_children, child_where, depth + 1)
    if kind == "table":
        if not children:
            raise validation_error(
                f"body failed validation: {inner_where}.children should be defined."
            )
        for index, row in enumerate(children):
            if row.type != "table_row":
                raise validation_error(
                    f"body failed validation: {inner_where}.children[{index}] "
                    "should be a table_row."
                )
            if len(row.content["cells"]) != content["table_width"]:
                raise validation_error(
                    f"Number of cells in table row {index} must match the table width "
                    f"({len(row.content['cells'])} != {content['table_width']})."
                )
    return BlockSpec(kind, content, children)


def normalize_children(raw: Any, path: str = "body.children", depth: int = 0) -> list[BlockSpec]:
    """Validate a `children` array from a request (depth 0 = the top level of the request).

    Blocks at depth 0 and 1 may carry children; children of a depth-2 block are refused, as
    Notion refuses a third level of nesting in one request.
    """
    if not isinstance(raw, list):
        raise validation_error(f"body failed validation: {path} should be an array.")
    if len(raw) > MAX_CHILDREN:
        raise too_long(path, MAX_CHILDREN, len(raw))
    specs = [_one_block(item, f"{path}[{i}]", depth) for i, item in enumerate(raw)]
    if depth == 0:
        total = _count(specs)
        if total > MAX_BLOCKS_PER_REQUEST:
            raise validation_error(
                f"body failed validation: a request may hold at most {MAX_BLOCKS_PER_REQUEST} "
                f"blocks, instead was {total}."
            )
    return specs


def _count(specs: list[BlockSpec]) -> int:
    return sum(1 + _count(spec.children) for spec in specs)
