"""The check-ins database: okrsync's value history kept in Notion, next to the key results.

A check-ins database holds one row per check-in: the key result (a relation), the date, the
value, the confidence, a note and who checked in. People may add rows by hand; okrsync reads
them through the mapping's `check_ins` collection and appends a row for every value it observed
changing that the database does not hold yet (`Review.unrecorded_check_ins`), so the history
survives the state store and is rebuilt from it after a loss.

`plan_check_in_writes` is pure; `row_properties` turns a planned row into Notion properties
against the live schema (a property the database lacks, or of a type okrsync cannot write, is
left out); `database_definition` is what `okrsync mapping infer --apply` creates.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from okrsync.connector import Write
from okrsync.mapping.schema import FieldSpec
from okrsync.mapping.schema import Mapping as MappingFile
from okrsync.model import OBSERVER, CheckIn
from okrsync.records import content_hash
from okrsync.review import Review

from .properties import date_payload, number_payload, rich_text_payload, title_payload

DATABASE_TITLE: Final = "Check-ins"
PROPERTY_NAMES: Final[dict[str, str]] = {
    "key_result": "Key Result",
    "at": "Date",
    "value": "Value",
    "confidence": "Confidence",
    "note": "Note",
    "who": "By",
}
TITLE_PROPERTY: Final = "Check-in"

MAPPING_BLOCK: Final = """\
  check_ins:
    # okrsync's check-in history, kept in Notion: one row per value okrsync saw change, and the
    # rows people add by hand (with a note). Created by `okrsync mapping infer --apply`.
    source: {source}
    fields:
      key_result: Key Result      # relation to Key Results
      at: Date                    # date (with time)
      value: Value                # number
      confidence:
        field: Confidence
        parse: scale_10           # 1-10, like the key results' Confidence
      note: Note                  # text
      who: By                     # text or people
"""
"""The `check_ins` collection for the layout `database_definition` creates."""


def database_definition(
    key_results_data_source: str, fields: Mapping[str, FieldSpec] | None = None
) -> dict[str, Any]:
    """The properties of a new check-ins database related to the key results, named as the
    mapping's `check_ins` fields name them ("Datum", "Wert", ... in a German mapping), else
    as `MAPPING_BLOCK` does."""
    names = {
        key: _field((fields or {}).get(key)) or default for key, default in PROPERTY_NAMES.items()
    }
    return {
        TITLE_PROPERTY: {"title": {}},
        names["key_result"]: {
            "relation": {"data_source_id": key_results_data_source, "single_property": {}}
        },
        names["at"]: {"date": {}},
        names["value"]: {"number": {"format": "number"}},
        names["confidence"]: {"number": {"format": "number"}},
        names["note"]: {"rich_text": {}},
        names["who"]: {"rich_text": {}},
    }


def _field(spec: FieldSpec | None) -> str | None:
    if spec is None or spec.field is None or spec.field.startswith("@"):
        return None
    return spec.field


def plan_check_in_writes(review: Review, mapping: MappingFile) -> list[Write]:
    """One new row per check-in okrsync observed that the database lacks, for the key results
    this source read (pure)."""
    collection = mapping.collections.get("check_ins")
    if collection is None or not review.unrecorded_check_ins:
        return []
    fields = {name: _field(spec) for name, spec in collection.fields.items()}
    if not fields.get("key_result") or not fields.get("at"):
        return []  # rows okrsync could not find again: better none than duplicates
    key_results = {kr.id: kr for kr in review.workspace.key_results}
    confidence = collection.fields.get("confidence")
    scale = 10.0 if confidence is not None and confidence.parse == "scale_10" else 1.0
    writes: list[Write] = []
    for check_in in review.unrecorded_check_ins:
        kr = key_results.get(check_in.key_result)
        page_id = kr.source.external_id if kr is not None and kr.source is not None else None
        if kr is None or page_id is None or kr.source is None or kr.source.connector != "notion":
            continue
        row = _row(check_in, page_id, kr.title, fields, scale)
        stamp = check_in.at.isoformat(timespec="minutes")
        writes.append(
            Write(
                target=f"notion:check-in:{page_id}:{stamp}",
                kind="row",
                description=f"check-in of key result {kr.title!r} on {check_in.at.date()}",
                payload={"collection": "check_ins", "row": row},
                changes={name: value for name, value in row.items() if name != "@title"},
                content_hash=content_hash(row),
                about=page_id,
            )
        )
    return writes


def _row(
    check_in: CheckIn, page_id: str, title: str, fields: Mapping[str, str | None], scale: float
) -> dict[str, Any]:
    """Property name -> canonical value (the title under `@title`)."""
    confidence = None if check_in.confidence is None else round(check_in.confidence * scale, 6)
    values: dict[str, Any] = {
        "key_result": [page_id],
        "at": check_in.at.isoformat(),
        "value": check_in.value,
        "confidence": confidence,
        "note": check_in.note,
        "who": check_in.who or OBSERVER,
    }
    row: dict[str, Any] = {"@title": f"{title} · {check_in.at.date().isoformat()}"}
    for name, value in values.items():
        prop = fields.get(name)
        if prop and value not in (None, ""):
            row[prop] = value
    return row


def row_properties(
    row: Mapping[str, Any], schema: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """A planned row as Notion properties, by the live schema's types."""
    properties: dict[str, Any] = {}
    for name, value in row.items():
        if name == "@title":
            title = next((n for n, p in schema.items() if p.get("type") == "title"), None)
            if title is not None:
                properties[title] = title_payload(str(value))
            continue
        kind = (schema.get(name) or {}).get("type")
        if kind == "relation":
            properties[name] = {"relation": [{"id": str(i)} for i in value]}
        elif kind == "date":
            properties[name] = date_payload(datetime.fromisoformat(str(value)))
        elif kind == "number" and isinstance(value, int | float):
            properties[name] = number_payload(float(value))
        elif kind in ("rich_text", "title") and isinstance(value, str):
            properties[name] = rich_text_payload(value)
    return properties
