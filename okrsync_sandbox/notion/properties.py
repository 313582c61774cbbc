"""Data source schemas and page property values: validating writes, serving reads.

Writes arrive in any of the forms Notion accepts (`{"number": 3}`, `{"type": "number", ...}`,
or the bare array shorthand for title, rich text, relation, people and multi-select) and are
stored in a compact internal form (option ids, user ids, page ids). Reads render that form back
into Notion's shapes, cutting relation and people arrays at 25 references with `has_more`, the
way real pages and query results do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Protocol
from urllib.parse import unquote

from .shapes import (
    JSON,
    REFERENCE_LIMIT,
    ApiError,
    IdFactory,
    normalize_id,
    normalize_rich_text,
    parse_time,
    plain_text,
    too_long,
    validation_error,
)

READ_ONLY_TYPES: Final = frozenset(
    {
        "formula",
        "rollup",
        "created_time",
        "created_by",
        "last_edited_time",
        "last_edited_by",
        "unique_id",
        "button",
        "verification",
    }
)
SUPPORTED_TYPES: Final = frozenset(
    {
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
        "files",
        *READ_ONLY_TYPES,
    }
)
MAX_RELATION_WRITE: Final = 100
OPTION_COLORS: Final = (
    "default",
    "gray",
    "brown",
    "orange",
    "yellow",
    "green",
    "blue",
    "purple",
    "pink",
    "red",
)


class ValueContext(Protocol):
    """What the codec needs from the workspace around a value."""

    ids: IdFactory

    def user_object(self, user_id: str) -> JSON | None:
        """The full user object, or None for an unknown user."""
        ...

    def page_exists(self, page_id: str) -> bool: ...

    def page_source(self, page_id: str) -> str | None:
        """The data source a page belongs to (None for pages under pages)."""
        ...

    def rollup_source(self, page_id: str, property_id: str) -> JSON | None:
        """The rendered value of `property_id` on a related page (for rollups)."""
        ...


def _option(ids: IdFactory, raw: Any, index: int) -> JSON:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
        raise validation_error("body failed validation: every option needs a name.")
    return {
        "id": str(raw.get("id") or ids.uuid()),
        "name": str(raw["name"]),
        "color": str(raw.get("color") or OPTION_COLORS[index % len(OPTION_COLORS)]),
        "description": raw.get("description"),
    }


def _default_status(ids: IdFactory) -> JSON:
    options = [
        {"id": ids.uuid(), "name": name, "color": color, "description": None}
        for name, color in (("Not started", "default"), ("In progress", "blue"), ("Done", "green"))
    ]
    groups = [
        {"id": ids.uuid(), "name": group, "color": color, "option_ids": [option["id"]]}
        for group, color, option in zip(
            ("To-do", "In progress", "Complete"), ("gray", "blue", "green"), options, strict=True
        )
    ]
    return {"options": options, "groups": groups}


def property_type_of(raw: JSON, name: str) -> str:
    """The type a schema entry in a request declares (`{"type": ...}` or its single type key)."""
    declared = raw.get("type")
    if isinstance(declared, str):
        return declared
    keys = [k for k in raw if k in SUPPORTED_TYPES]
    if len(keys) != 1:
        raise validation_error(f"body failed validation: property {name!r} has no valid type.")
    return keys[0]


def make_schema_property(
    ids: IdFactory,
    name: str,
    raw: JSON,
    *,
    property_id: str | None = None,
    relation_target: Callable[[str], str] | None = None,
) -> JSON:
    """Build a stored schema property from a request entry like `{"number": {"format": ...}}`.

    `relation_target` maps a target data source id to its database id (and raises for unknown
    ones); dual relations are completed by the caller, which owns both data sources.
    """
    kind = property_type_of(raw, name)
    if kind not in SUPPORTED_TYPES:
        raise validation_error(f"Property type {kind!r} of {name!r} is not supported.")
    given = raw.get(kind) or {}
    if not isinstance(given, dict):
        raise validation_error(f"body failed validation: {name}.{kind} should be an object.")
    config: JSON
    if kind == "number":
        config = {"format": given.get("format", "number")}
    elif kind in ("select", "multi_select"):
        config = {"options": [_option(ids, o, i) for i, o in enumerate(given.get("options", []))]}
    elif kind == "status":
        config = _default_status(ids)
        if given.get("options"):
            config["options"] = [_option(ids, o, i) for i, o in enumerate(given["options"])]
            config["groups"][0]["option_ids"] = [o["id"] for o in config["options"]]
            config["groups"][1]["option_ids"] = []
            config["groups"][2]["option_ids"] = []
    elif kind == "relation":
        target = given.get("data_source_id")
        if not isinstance(target, str):
            raise validation_error(
                f"body failed validation: {name}.relation.data_source_id should be defined."
            )
        target = normalize_id(target)
        database_id = relation_target(target) if relation_target else given.get("database_id")
        relation_kind = given.get("type") or (
            "dual_property" if "dual_property" in given else "single_property"
        )
        config = {"database_id": database_id, "data_source_id": target, "type": relation_kind}
        config[relation_kind] = dict(given.get(relation_kind) or {})
    elif kind == "rollup":
        config = {
            "relation_property_name": given.get("relation_property_name"),
            "relation_property_id": given.get("relation_property_id"),
            "rollup_property_name": given.get("rollup_property_name"),
            "rollup_property_id": given.get("rollup_property_id"),
            "function": given.get("function", "show_original"),
        }
    elif kind == "formula":
        config = {"expression": str(given.get("expression", ""))}
    elif kind == "unique_id":
        config = {"prefix": given.get("prefix")}
    else:
        config = {}
    return {
        "id": "title" if kind == "title" else (property_id or ids.property_id()),
        "name": name,
        "description": raw.get("description"),
        "type": kind,
        kind: config,
    }


def find_property(schema: dict[str, JSON], key: str) -> JSON | None:
    """Look a schema property up by name or by id (ids may arrive URL-encoded or not)."""
    if key in schema:
        return schema[key]
    for prop in schema.values():
        if prop["id"] == key or unquote(prop["id"]) == unquote(key):
            return prop
    return None


def _find_option(config: JSON, raw: Any, ids: IdFactory, name: str, *, may_add: bool) -> str:
    if not isinstance(raw, dict) or not ({"name", "id"} & raw.keys()):
        raise validation_error(f"{name} is expected to be an option with a name or an id.")
    options: list[JSON] = config["options"]
    if raw.get("id") is not None:
        for option in options:
            if option["id"] == raw["id"]:
                return str(option["id"])
        raise validation_error(f"Invalid select option id {raw['id']!r} for {name}.")
    option_name = str(raw["name"])
    if "," in option_name:
        raise validation_error(f"Select option names cannot contain commas ({name}).")
    for option in options:
        if option["name"] == option_name:
            return str(option["id"])
    if not may_add:
        raise validation_error(f"Invalid status option. Status option {option_name!r} not found.")
    created = _option(ids, {"name": option_name, "color": raw.get("color")}, len(options))
    options.append(created)
    return str(created["id"])


def write_value(ctx: ValueContext, prop: JSON, raw: Any, path: str) -> Any:
    """Validate a property value from a request against the schema; return its stored form.

    May add select/multi-select options to `prop` (Notion creates unknown options on write).
    """
    name: str = prop["name"]
    kind: str = prop["type"]
    if kind in READ_ONLY_TYPES:
        raise validation_error(f"{name} is a {kind} property and cannot be updated.")
    value: Any
    if isinstance(raw, list) and kind in (
        "title",
        "rich_text",
        "people",
        "relation",
        "multi_select",
        "files",
    ):
        value = raw
    elif isinstance(raw, dict):
        declared = raw.get("type")
        if declared is not None and declared != kind:
            raise validation_error(f"{name} is expected to be {kind}.")
        if kind not in raw:
            raise validation_error(f"{name} is expected to be {kind}.")
        value = raw[kind]
    else:
        raise validation_error(f"{name} is expected to be {kind}.")
    where = f"{path}.{kind}"
    if kind in ("title", "rich_text"):
        return normalize_rich_text(value, where)
    if kind == "number":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise validation_error(f"{name} is expected to be number.")
        return value
    if kind in ("select", "status"):
        if value is None:
            return None
        return _find_option(prop[kind], value, ctx.ids, name, may_add=kind == "select")
    if kind == "multi_select":
        if not isinstance(value, list):
            raise validation_error(f"{name} is expected to be multi_select.")
        if len(value) > 100:
            raise too_long(where, 100, len(value))
        return [_find_option(prop[kind], o, ctx.ids, name, may_add=True) for o in value]
    if kind in ("people", "relation"):
        if not isinstance(value, list):
            raise validation_error(f"{name} is expected to be {kind}.")
        if kind == "relation" and len(value) > MAX_RELATION_WRITE:
            raise too_long(where, MAX_RELATION_WRITE, len(value))
        result: list[str] = []
        for index, item in enumerate(value):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise validation_error(
                    f"body failed validation: {where}[{index}].id should be defined."
                )
            ref = normalize_id(item["id"])
            if kind == "people" and ctx.user_object(ref) is None:
                raise validation_error(f"{name}: user {ref} does not exist.")
            if kind == "relation" and not ctx.page_exists(ref):
                raise validation_error(f"{name}: related page {ref} does not exist.")
            target = prop["relation"]["data_source_id"] if kind == "relation" else None
            if target is not None and ctx.page_source(ref) != target:
                raise validation_error(
                    f"{name}: page {ref} is not in the related data source {target}."
                )
            if ref not in result:
                result.append(ref)
        return result
    if kind == "date":
        if value is None:
            return None
        if not isinstance(value, dict) or not isinstance(value.get("start"), str):
            raise validation_error(f"{name} is expected to be date.")
        for bound in ("start", "end"):
            if value.get(bound) is not None:
                parse_time(str(value[bound]))  # a 400 naming the bad value
        return {
            "start": value["start"],
            "end": value.get("end"),
            "time_zone": value.get("time_zone"),
        }
    if kind == "checkbox":
        if not isinstance(value, bool):
            raise validation_error(f"{name} is expected to be checkbox.")
        return value
    if kind in ("url", "email", "phone_number"):
        if value is not None and not isinstance(value, str):
            raise validation_error(f"{name} is expected to be {kind}.")
        return value
    return value  # files: kept as given


def empty_value(kind: str) -> Any:
    """The stored value of a property nobody has set."""
    if kind in ("title", "rich_text", "multi_select", "people", "relation", "files"):
        return []
    if kind == "checkbox":
        return False
    return None


def _option_object(config: JSON, option_id: Any) -> JSON | None:
    for option in config.get("options", []):
        if option["id"] == option_id:
            return {"id": option["id"], "name": option["name"], "color": option["color"]}
    return None


def _rollup(ctx: ValueContext, prop: JSON, schema: dict[str, JSON], stored: dict[str, Any]) -> JSON:
    """Compute a rollup from the first 25 related pages only, the way Notion cuts them."""
    config = prop["rollup"]
    relation = find_property(
        schema, str(config.get("relation_property_id") or config.get("relation_property_name"))
    )
    function = str(config.get("function", "show_original"))
    if relation is None or relation["type"] != "relation":
        return {"type": "incomplete", "incomplete": {}, "function": function}
    target_key = str(config.get("rollup_property_id") or config.get("rollup_property_name"))
    related = list(stored.get(relation["id"], []))[:REFERENCE_LIMIT]
    values = [ctx.rollup_source(page_id, target_key) for page_id in related]
    present = [v for v in values if v is not None]
    if function in ("count", "count_all"):
        return {"type": "number", "number": len(related), "function": function}
    numbers = [
        float(v["number"]) for v in present if v.get("type") == "number" and v["number"] is not None
    ]
    if function in ("sum", "average", "min", "max", "median", "range"):
        result: float | None
        if not numbers:
            result = 0 if function == "sum" else None
        elif function == "sum":
            result = sum(numbers)
        elif function == "average":
            result = sum(numbers) / len(numbers)
        elif function == "min":
            result = min(numbers)
        elif function == "max":
            result = max(numbers)
        elif function == "range":
            result = max(numbers) - min(numbers)
        else:
            ordered = sorted(numbers)
            mid = len(ordered) // 2
            result = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
        return {"type": "number", "number": result, "function": function}
    if function in ("earliest_date", "latest_date"):
        dates = [v["date"] for v in present if v.get("type") == "date" and v.get("date")]
        dates.sort(key=lambda d: str(d["start"]))
        chosen = (dates[0] if function == "earliest_date" else dates[-1]) if dates else None
        return {"type": "date", "date": chosen, "function": function}
    items = [{k: v for k, v in value.items() if k != "id"} for value in present]
    return {"type": "array", "array": items, "function": function}


def read_value(
    ctx: ValueContext,
    prop: JSON,
    stored: Any,
    *,
    page: JSON,
    schema: dict[str, JSON],
    render_time: Callable[[str], str],
    truncate: bool = True,
) -> JSON:
    """Render one stored value as the `{id, type, <type>: ...}` a page object carries."""
    kind: str = prop["type"]
    out: JSON = {"id": prop["id"], "type": kind}
    if kind in ("select", "status"):
        out[kind] = _option_object(prop[kind], stored)
    elif kind == "multi_select":
        out[kind] = [o for o in (_option_object(prop[kind], i) for i in stored or []) if o]
    elif kind == "people":
        users = [u for u in (ctx.user_object(i) for i in stored or []) if u]
        out[kind] = users[:REFERENCE_LIMIT] if truncate else users
        if truncate and len(users) > REFERENCE_LIMIT:
            out["has_more"] = True
    elif kind == "relation":
        refs = list(stored or [])
        shown = refs[:REFERENCE_LIMIT] if truncate else refs
        out[kind] = [{"id": ref} for ref in shown]
        out["has_more"] = len(refs) > len(shown)
    elif kind in ("created_time", "last_edited_time"):
        out[kind] = render_time(str(page[kind]))
    elif kind in ("created_by", "last_edited_by"):
        user = ctx.user_object(str(page[kind])) or {"object": "user", "id": page[kind]}
        if user.get("type") == "bot":
            user["bot"] = {}  # property values show bots without their owner details
        out[kind] = user
    elif kind == "unique_id":
        out[kind] = {"prefix": prop[kind].get("prefix"), "number": page.get("unique_number")}
    elif kind == "formula":
        out[kind] = stored if isinstance(stored, dict) else {"type": "string", "string": None}
    elif kind == "rollup":
        out[kind] = (
            stored if isinstance(stored, dict) else _rollup(ctx, prop, schema, page["properties"])
        )
    elif kind in ("title", "rich_text"):
        out[kind] = list(stored or [])
    else:
        out[kind] = stored if stored is not None else empty_value(kind)
    return out


def comparable(value: JSON) -> Any:
    """A plain value of a rendered property for filters and sorts."""
    kind = value["type"]
    inner = value[kind]
    if kind in ("title", "rich_text"):
        return plain_text(inner)
    if kind in ("select", "status"):
        return inner["name"] if inner else None
    if kind == "multi_select":
        return [o["name"] for o in inner]
    if kind in ("people", "relation"):
        return [item["id"] for item in inner]
    if kind == "date":
        return inner["start"] if inner else None
    if kind == "unique_id":
        return inner["number"]
    if kind in ("formula", "rollup"):
        sub = inner.get("type")
        return inner.get(sub) if sub else None
    return inner


def schema_entry_error(name: str) -> ApiError:
    """Writing a property the data source does not have."""
    return validation_error(f"{name} is not a property that exists.")
