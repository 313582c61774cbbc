"""Notion property values to plain values and back.

Reading flattens every property type into the plain values listed in docs/architecture.md
("Flattened values"), so the mapping never sees a Notion shape. Writing builds the property
payloads for okrsync's outputs (number, select, rich text, date) within Notion's limits: rich
text is cut into items of at most 2000 characters and at most 100 items, and text that still
does not fit ends with "+N more" instead of making the whole write fail.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final

RICH_TEXT_ITEM_LIMIT: Final = 2000
RICH_TEXT_ITEMS_LIMIT: Final = 100

PersonValue = dict[str, str | None]


def unreadable(vendor_type: str, raw: Any) -> dict[str, str]:
    """The agreed marker for a value that cannot be read (the mapping reports it)."""
    try:
        text = json.dumps(raw, sort_keys=True, ensure_ascii=False)[:500]
    except (TypeError, ValueError):
        text = repr(raw)[:500]
    return {"unreadable": vendor_type, "raw": text}


def plain_text(rich_text: Sequence[Mapping[str, Any]] | None) -> str:
    """Concatenated `plain_text` of a rich-text array ("" when empty or null)."""
    if not rich_text:
        return ""
    parts: list[str] = []
    for item in rich_text:
        text = item.get("plain_text")
        if text is None:
            text = (item.get("text") or {}).get("content", "")
        parts.append(str(text))
    return "".join(parts)


def person(user: Mapping[str, Any] | None) -> PersonValue | None:
    """A Notion user as `{"id", "name", "email"}` (bots and partial users have no email)."""
    if not user:
        return None
    details = user.get("person") or {}
    return {
        "id": str(user.get("id", "")),
        "name": str(user.get("name") or ""),
        "email": details.get("email") if isinstance(details, Mapping) else None,
    }


def flatten_date(value: Mapping[str, Any] | None) -> str | dict[str, str] | None:
    """`"YYYY-MM-DD"` or an ISO datetime for a single date; `{"start", "end"}` for a range."""
    if not value:
        return None
    start = value.get("start")
    end = value.get("end")
    if end:
        return {"start": str(start), "end": str(end)}
    return str(start) if start is not None else None


def flatten_unique_id(value: Mapping[str, Any] | None) -> str | None:
    if not value or value.get("number") is None:
        return None
    prefix = value.get("prefix")
    return f"{prefix}-{value['number']}" if prefix else str(value["number"])


def _option_name(value: Mapping[str, Any] | None) -> str | None:
    if not value:
        return None
    name = value.get("name")
    return str(name) if name is not None else None


def _flatten_formula(value: Mapping[str, Any]) -> Any:
    kind = value.get("type")
    if kind == "string":
        return value.get("string") or ""
    if kind == "number":
        return value.get("number")
    if kind == "boolean":
        return value.get("boolean")
    if kind == "date":
        return flatten_date(value.get("date"))
    return unreadable(f"formula:{kind}", value)


def _flatten_rollup(value: Mapping[str, Any]) -> Any:
    kind = value.get("type")
    if kind == "number":
        return value.get("number")
    if kind == "date":
        return flatten_date(value.get("date"))
    if kind == "array":
        return [flatten_value(item) for item in value.get("array") or []]
    return unreadable(f"rollup:{kind}", value)


def _flatten_files(value: Sequence[Mapping[str, Any]] | None) -> list[str]:
    urls: list[str] = []
    for item in value or []:
        kind = item.get("type")
        inner = item.get(kind) if isinstance(kind, str) else None
        url = inner.get("url") if isinstance(inner, Mapping) else None
        urls.append(str(url or item.get("name") or ""))
    return urls


def _flatten_place(value: Mapping[str, Any] | None) -> str | None:
    if not value:
        return None
    for key in ("name", "address"):
        if value.get(key):
            return str(value[key])
    return json.dumps(value, sort_keys=True)


def flatten_value(prop: Mapping[str, Any]) -> Any:
    """Flatten one property value (or rollup array item) `{type, <type>: value}`.

    Never raises: a shape it does not know becomes `{"unreadable": type, "raw": ...}`.
    """
    kind = prop.get("type")
    if not isinstance(kind, str):
        return unreadable("unknown", prop)
    value = prop.get(kind)
    try:
        return _flatten_typed(kind, value, prop)
    except (AttributeError, TypeError, KeyError, ValueError):
        return unreadable(kind, prop)


def _flatten_typed(kind: str, value: Any, prop: Mapping[str, Any]) -> Any:
    if kind in ("title", "rich_text"):
        return plain_text(value)
    if kind in ("number", "checkbox"):
        return value
    if kind in ("select", "status"):
        return _option_name(value)
    if kind == "multi_select":
        return [str(o.get("name", "")) for o in value or []]
    if kind == "people":
        return [p for p in (person(u) for u in value or []) if p is not None]
    if kind == "relation":
        return [str(r["id"]) for r in value or []]
    if kind == "date":
        return flatten_date(value)
    if kind in ("url", "email", "phone_number", "created_time", "last_edited_time"):
        return str(value) if value is not None else None
    if kind in ("created_by", "last_edited_by"):
        return person(value)
    if kind == "formula":
        return _flatten_formula(value) if value else None
    if kind == "rollup":
        return _flatten_rollup(value) if value else None
    if kind == "unique_id":
        return flatten_unique_id(value)
    if kind == "files":
        return _flatten_files(value)
    if kind == "place":
        return _flatten_place(value)
    if kind == "verification":
        return str(value.get("state")) if isinstance(value, Mapping) else None
    if kind == "button":
        return None
    return unreadable(kind, prop)


def truncated(prop: Mapping[str, Any]) -> bool:
    """Whether a relation/people value was cut at 25 references (`has_more: true`)."""
    return prop.get("type") in ("relation", "people") and bool(prop.get("has_more"))


def flatten_property_items(kind: str, items: Sequence[Mapping[str, Any]]) -> Any:
    """Flatten the `results` of the paginated page-property endpoint for one property."""
    if kind == "relation":
        return [str(item["relation"]["id"]) for item in items if item.get("relation")]
    if kind == "people":
        people = (person(item.get("people")) for item in items)
        return [p for p in people if p is not None]
    if kind in ("title", "rich_text"):
        return "".join(plain_text([item[kind]]) for item in items if item.get(kind))
    return flatten_value({"type": kind, kind: items[0].get(kind) if items else None})


def title_of(properties: Mapping[str, Mapping[str, Any]]) -> str:
    """The plain text of a page's title property."""
    for prop in properties.values():
        if prop.get("type") == "title":
            return plain_text(prop.get("title"))
    return ""


# ----------------------------------------------------------------------------- writing


def text_items(text: str, *, max_chars: int = RICH_TEXT_ITEM_LIMIT) -> list[dict[str, Any]]:
    """Rich-text items carrying `text`, each within the per-item character limit."""
    return [
        {"type": "text", "text": {"content": text[i : i + max_chars]}}
        for i in range(0, len(text), max_chars)
    ]


def fit_lines(
    lines: Sequence[str],
    *,
    max_chars: int = RICH_TEXT_ITEM_LIMIT,
    max_items: int = RICH_TEXT_ITEMS_LIMIT,
) -> str:
    """Join `lines` with newlines so the text fits in `max_items` items of `max_chars`.

    Lines that do not fit are dropped from the end and replaced by a final "+N more" line;
    a single overlong line is cut with "…". Packing never splits a line across items unless
    that line alone exceeds an item, so the result reads the same in Notion.
    """
    longest = max_chars - 1  # room for the line break in front of it
    capped = [line if len(line) <= longest else line[: longest - 1] + "…" for line in lines]
    if _items_needed(capped, max_chars) <= max_items:
        return "\n".join(capped)

    def fits(keep: int) -> bool:
        kept = [*capped[:keep], f"+{len(capped) - keep} more"]
        return _items_needed(kept, max_chars) <= max_items

    low, high = 0, len(capped) - 1  # fits(low) holds for any sane limits; find the largest
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return "\n".join([*capped[:low], f"+{len(capped) - low} more"])


def _items_needed(lines: Sequence[str], max_chars: int) -> int:
    """How many items `pack_text` produces for these lines."""
    return len(pack_text("\n".join(lines), max_chars=max_chars)) if lines else 0


def pack_text(text: str, *, max_chars: int = RICH_TEXT_ITEM_LIMIT) -> list[dict[str, Any]]:
    """Rich-text items for multi-line text, each cut at a line break where one fits.

    The items concatenate to exactly `text`; none is empty or longer than `max_chars`.
    """
    chunks: list[str] = []
    rest = text
    while rest:
        if len(rest) <= max_chars:
            chunks.append(rest)
            break
        cut = rest.rfind("\n", 1, max_chars + 1)
        if cut <= 0:
            cut = max_chars
        chunks.append(rest[:cut])
        rest = rest[cut:]
    return [{"type": "text", "text": {"content": chunk}} for chunk in chunks]


def number_payload(value: float | None) -> dict[str, Any]:
    return {"number": value}


def select_payload(name: str | None) -> dict[str, Any]:
    return {"select": {"name": name} if name else None}


def rich_text_payload(text: str) -> dict[str, Any]:
    return {"rich_text": pack_text(text)}


def date_payload(value: date | datetime | None) -> dict[str, Any]:
    return {"date": {"start": value.isoformat()} if value is not None else None}


def title_payload(text: str) -> dict[str, Any]:
    return {"title": text_items(text)}
