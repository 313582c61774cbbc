"""Data source query filters and sorts, evaluated the way Notion evaluates them.

A filter is validated against the schema before any page is looked at, so a filter on a
missing property or with the wrong type key is a 400 even on an empty data source. Timestamp
filters compare the minute-rounded last_edited_time / created_time, which is what makes
same-minute edits invisible to a naive incremental cursor.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cmp_to_key
from typing import Any, Final

from .properties import comparable, find_property
from .shapes import JSON, floor_minute, parse_time, validation_error

TEXT_TYPES: Final = frozenset({"title", "rich_text", "url", "email", "phone_number"})
RELATIVE_DATE_OPERATORS: Final = (
    "past_week",
    "past_month",
    "past_year",
    "next_week",
    "next_month",
    "next_year",
    "this_week",
)
"""The date filter operators whose answer depends on when the query is asked."""
# Which filter keys each property type accepts.
FILTER_KEY: Final = {
    "title": ("title", "rich_text"),
    "rich_text": ("rich_text",),
    "url": ("url", "rich_text"),
    "email": ("email", "rich_text"),
    "phone_number": ("phone_number", "rich_text"),
    "number": ("number",),
    "checkbox": ("checkbox",),
    "select": ("select",),
    "status": ("status",),
    "multi_select": ("multi_select",),
    "people": ("people",),
    "created_by": ("created_by", "people"),
    "last_edited_by": ("last_edited_by", "people"),
    "relation": ("relation",),
    "date": ("date",),
    "created_time": ("created_time", "date"),
    "last_edited_time": ("last_edited_time", "date"),
    "formula": ("formula",),
    "rollup": ("rollup",),
    "unique_id": ("unique_id",),
    "files": ("files",),
}
MAX_COMPOUND_DEPTH: Final = 2
_NUMBER_OPS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "equals": operator.eq,
    "does_not_equal": operator.ne,
    "greater_than": operator.gt,
    "less_than": operator.lt,
    "greater_than_or_equal_to": operator.ge,
    "less_than_or_equal_to": operator.le,
}


@dataclass
class PageView:
    """What filters and sorts see of one page: full (untruncated) values and rounded times.

    Values are rendered on first use only (`render` takes a schema property), so a filter on
    one timestamp does not render every property of every page.
    """

    page_id: str
    schema: dict[str, JSON]
    created_time: datetime
    last_edited_time: datetime
    render: Callable[[JSON], JSON]
    _cache: dict[str, JSON] = field(default_factory=dict)

    def value(self, key: str) -> JSON | None:
        prop = find_property(self.schema, key)
        if prop is None:
            return None
        if prop["id"] not in self._cache:
            self._cache[prop["id"]] = self.render(prop)
        return self._cache[prop["id"]]


def validate_filter(spec: Any, schema: dict[str, JSON], depth: int = 0) -> None:
    """Raise a 400 validation_error for a filter Notion would refuse."""
    if not isinstance(spec, dict):
        raise validation_error("body failed validation: body.filter should be an object.")
    for compound in ("and", "or"):
        if compound in spec:
            if depth >= MAX_COMPOUND_DEPTH:
                raise validation_error(
                    "body failed validation: filters can only be nested two levels deep."
                )
            if not isinstance(spec[compound], list):
                raise validation_error(
                    f"body failed validation: body.filter.{compound} should be an array."
                )
            for part in spec[compound]:
                validate_filter(part, schema, depth + 1)
            return
    if "timestamp" in spec:
        stamp = spec["timestamp"]
        if stamp not in ("created_time", "last_edited_time") or not isinstance(
            spec.get(stamp), dict
        ):
            raise validation_error(
                "body failed validation: body.filter.timestamp should be created_time or "
                "last_edited_time, with a condition object under that key."
            )
        return
    key = spec.get("property")
    if not isinstance(key, str):
        raise validation_error("body failed validation: body.filter.property should be defined.")
    prop = find_property(schema, key)
    if prop is None:
        raise validation_error(f"Could not find property with name or id: {key}")
    conditions = [k for k in spec if k not in ("property", "type")]
    allowed = FILTER_KEY.get(prop["type"], (prop["type"],))
    if len(conditions) != 1 or conditions[0] not in allowed:
        given = conditions[0] if conditions else "nothing"
        raise validation_error(f"database property {prop['type']} does not match filter {given}")
    if not isinstance(spec[conditions[0]], dict):
        raise validation_error(
            f"body failed validation: body.filter.{conditions[0]} should be an object."
        )


def _as_moment(value: Any) -> datetime | None:
    if value is None:
        return None
    return parse_time(str(value))


def _is_date_only(text: Any) -> bool:
    return isinstance(text, str) and len(text.strip()) == 10


def _date_condition(actual: datetime | None, condition: JSON, now: datetime) -> bool:
    for op, raw in condition.items():
        if op == "is_empty":
            return actual is None
        if op == "is_not_empty":
            return actual is not None
        if actual is None:
            return False
        if op in RELATIVE_DATE_OPERATORS:
            spans = {"week": 7, "month": 31, "year": 365}
            if op == "this_week":
                start = (now - timedelta(days=now.weekday())).replace(
                    hour=0, minute=0, second=0, microsecond=0
                )
                return start <= actual < start + timedelta(days=7)
            days = spans[op.split("_")[1]]
            if op.startswith("past"):
                return now - timedelta(days=days) <= actual <= now
            return now <= actual <= now + timedelta(days=days)
        bound = parse_time(str(raw))
        left: datetime | date = actual
        right: datetime | date = bound
        if _is_date_only(raw):
            left, right = actual.date(), bound.date()
        result = {
            "equals": left == right,
            "before": left < right,
            "after": left > right,
            "on_or_before": left <= right,
            "on_or_after": left >= right,
        }.get(op)
        if result is None:
            raise validation_error(f"Unsupported date filter condition {op!r}.")
        return result
    return True


def _text_condition(actual: str, condition: JSON) -> bool:
    for op, raw in condition.items():
        expected = str(raw) if raw is not None else ""
        low, wanted = actual.lower(), expected.lower()
        if op == "equals":
            return actual == expected
        if op == "does_not_equal":
            return actual != expected
        if op == "contains":
            return wanted in low
        if op == "does_not_contain":
            return wanted not in low
        if op == "starts_with":
            return low.startswith(wanted)
        if op == "ends_with":
            return low.endswith(wanted)
        if op == "is_empty":
            return actual == ""
        if op == "is_not_empty":
            return actual != ""
        raise validation_error(f"Unsupported text filter condition {op!r}.")
    return True


def _number_condition(actual: Any, condition: JSON) -> bool:
    for op, expected in condition.items():
        if op == "is_empty":
            return actual is None
        if op == "is_not_empty":
            return actual is not None
        if op not in _NUMBER_OPS:
            raise validation_error(f"Unsupported number filter condition {op!r}.")
        if actual is None:
            return op == "does_not_equal"
        return bool(_NUMBER_OPS[op](actual, expected))
    return True


def _option_condition(actual: Any, condition: JSON) -> bool:
    for op, expected in condition.items():
        if op == "equals":
            return bool(actual == expected)
        if op == "does_not_equal":
            return bool(actual != expected)
        if op == "is_empty":
            return actual is None
        if op == "is_not_empty":
            return actual is not None
        raise validation_error(f"Unsupported select filter condition {op!r}.")
    return True


def _list_condition(actual: list[Any], condition: JSON) -> bool:
    for op, expected in condition.items():
        if op == "contains":
            return expected in actual
        if op == "does_not_contain":
            return expected not in actual
        if op == "is_empty":
            return not actual
        if op == "is_not_empty":
            return bool(actual)
        raise validation_error(f"Unsupported list filter condition {op!r}.")
    return True


def _typed_condition(kind: str, value: JSON | None, condition: JSON, now: datetime) -> bool:
    plain = comparable(value) if value is not None else None
    if kind in TEXT_TYPES or kind in ("rich_text", "title"):
        return _text_condition(str(plain or ""), condition)
    if kind in ("number", "unique_id"):
        return _number_condition(plain, condition)
    if kind == "checkbox":
        for op, expected in condition.items():
            return bool(plain == expected) if op == "equals" else bool(plain != expected)
        return True
    if kind in ("select", "status"):
        return _option_condition(plain, condition)
    if kind in ("multi_select", "people", "relation"):
        items = list(plain or [])
        if kind in ("people", "relation"):
            condition = {
                op: (str(v).replace("-", "") if isinstance(v, str) else v)
                for op, v in condition.items()
            }
            items = [str(i).replace("-", "") for i in items]
        return _list_condition(items, condition)
    if kind in ("created_by", "last_edited_by"):
        user = value[value["type"]]["id"] if value is not None else None
        return _list_condition([user] if user else [], condition)
    if kind in ("date", "created_time", "last_edited_time"):
        moment = _as_moment(plain)
        if kind == "last_edited_time" and moment is not None:
            moment = floor_minute(moment)
        return _date_condition(moment, condition, now)
    if kind in ("formula", "rollup"):
        inner = value[value["type"]] if value is not None else {}
        for sub, sub_condition in condition.items():
            if sub in ("any", "every", "none"):
                items = inner.get("array", []) if isinstance(inner, dict) else []
                results = [
                    _typed_condition(
                        item.get("type", ""),
                        {"id": "", **item},
                        next(iter(sub_condition.values())),
                        now,
                    )
                    for item in items
                ]
                if sub == "any":
                    return any(results)
                if sub == "every":
                    return all(results)
                return not any(results)
            target = {"string": "rich_text"}.get(sub, sub)
            stored_key = {"checkbox": "boolean"}.get(sub, sub)
            sub_value = (
                {"id": "", "type": target, target: inner.get(stored_key)}
                if isinstance(inner, dict)
                else None
            )
            if target == "rich_text" and sub_value is not None:
                text = sub_value["rich_text"] or ""
                return _text_condition(str(text), sub_condition)
            return _typed_condition(target, sub_value, sub_condition, now)
        return True
    return True


def matches(spec: JSON, view: PageView, now: datetime) -> bool:
    """Whether a page passes a (validated) filter."""
    if "and" in spec:
        return all(matches(part, view, now) for part in spec["and"])
    if "or" in spec:
        return any(matches(part, view, now) for part in spec["or"])
    if "timestamp" in spec:
        stamp = spec["timestamp"]
        moment = view.last_edited_time if stamp == "last_edited_time" else view.created_time
        return _date_condition(moment, spec[stamp], now)
    prop = find_property(view.schema, spec["property"])
    assert prop is not None  # validate_filter ran first
    condition_key = next(k for k in spec if k not in ("property", "type"))
    value = view.value(prop["name"])
    return _typed_condition(prop["type"], value, spec[condition_key], now)


def _sort_key_value(view: PageView, sort: JSON) -> Any:
    if "timestamp" in sort:
        return (
            view.last_edited_time if sort["timestamp"] == "last_edited_time" else view.created_time
        )
    value = view.value(str(sort["property"]))
    if value is None:
        return None
    plain = comparable(value)
    if isinstance(plain, list):
        return ",".join(str(p) for p in plain) or None
    return plain


def validate_sorts(sorts: Any, schema: dict[str, JSON]) -> list[JSON]:
    """Check a `sorts` array and return it."""
    if sorts is None:
        return []
    if not isinstance(sorts, list):
        raise validation_error("body failed validation: body.sorts should be an array.")
    for sort in sorts:
        if not isinstance(sort, dict):
            raise validation_error("body failed validation: body.sorts[] should be an object.")
        if sort.get("direction", "ascending") not in ("ascending", "descending"):
            raise validation_error(
                "body failed validation: sort direction should be ascending or descending."
            )
        if "timestamp" in sort:
            if sort["timestamp"] not in ("created_time", "last_edited_time"):
                raise validation_error("body failed validation: sort timestamp is invalid.")
        elif find_property(schema, str(sort.get("property"))) is None:
            raise validation_error(
                f"Could not find sort property with name or id: {sort.get('property')}"
            )
    return sorts


def sort_views(views: list[PageView], sorts: list[JSON]) -> list[PageView]:
    """Sort pages; empty values go last whatever the direction, as in Notion."""
    if not sorts:
        return views

    def compare(a: PageView, b: PageView) -> int:
        for sort in sorts:
            left, right = _sort_key_value(a, sort), _sort_key_value(b, sort)
            if left == right:
                continue
            if left is None:
                return 1
            if right is None:
                return -1
            if isinstance(left, str) and isinstance(right, str):
                left, right = left.lower(), right.lower()
            order = -1 if left < right else 1
            return order if sort.get("direction", "ascending") == "ascending" else -order
        return 0

    return sorted(views, key=cmp_to_key(compare))
