"""The mapping against the live Notion schema: what `check()` reports and what setup adds.

Kept apart from the connector so the rules ("a relation cannot feed a number", "Score must be a
number property") are plain functions over a data source's schema, testable without Notion.
"""

from __future__ import annotations

from typing import Any, Final

from okrsync.connector import Collection, FieldInfo, Problem
from okrsync.i18n import Translator
from okrsync.mapping.schema import Mapping as MappingFile
from okrsync.mapping.schema import OutputMap
from okrsync.model import Frozen
from okrsync.render.figures import ENGLISH

from .blocks import health_options
from .reader import PSEUDO_PREFIX, DataSource

NEVER_READABLE: Final = frozenset({"button", "files"})
PEOPLE_LIKE: Final = frozenset({"people", "created_by", "last_edited_by"})
TIME_LIKE: Final = frozenset({"date", "created_time", "last_edited_time"})

_NUMBER_FIELDS: Final = frozenset({"start", "target", "current", "weight", "confidence", "value"})
_ID_FIELDS: Final = frozenset({"objective", "parents", "key_result"})
_DATE_FIELDS: Final = frozenset({"due", "at", "updated_at", "end"})
_PERSON_FIELDS: Final = frozenset({"owners"})

# canonical field group -> Notion types that can never feed it
_INCOMPATIBLE: Final[dict[str, frozenset[str]]] = {
    "number": NEVER_READABLE
    | PEOPLE_LIKE
    | TIME_LIKE
    | {"relation", "checkbox", "multi_select", "url", "email", "phone_number"},
    "ids": NEVER_READABLE | PEOPLE_LIKE | TIME_LIKE | {"number", "checkbox"},
    "date": NEVER_READABLE | PEOPLE_LIKE | {"relation", "checkbox", "multi_select"},
    "people": NEVER_READABLE | TIME_LIKE | {"number", "checkbox"},
    "text": NEVER_READABLE,
}

OUTPUT_TYPES: Final[dict[str, str]] = {
    "score": "number",
    "health": "select",
    "warnings": "rich_text",
    "last_synced": "date",
}


def field_group(collection: str, canonical: str) -> str:
    """Which kind of value a canonical field needs."""
    if collection == "cycles" and canonical in ("start", "end"):
        return "date"
    if canonical in _NUMBER_FIELDS:
        return "number"
    if canonical in _ID_FIELDS:
        return "ids"
    if canonical in _DATE_FIELDS:
        return "date"
    if canonical in _PERSON_FIELDS:
        return "people"
    return "text"


class MissingOutput(Frozen):
    """An output property the mapping writes that the data source does not have yet."""

    collection: Collection
    data_source_id: str
    database: str
    property: str
    type: str

    def definition(
        self, t: Translator = ENGLISH, outputs: OutputMap | None = None
    ) -> dict[str, Any]:
        """The `data_sources.update` property definition that adds it (a Health select gets
        its options in the language of `t`, or the names of the mapping's `health_options`)."""
        if self.type == "number":
            return {"number": {"format": "number"}}
        if self.type == "select":
            return {"select": {"options": health_options(t, outputs)}}
        return {self.type: {}}


def mapped_property_problems(
    mapping: MappingFile, collection: Collection, source: DataSource
) -> list[Problem]:
    """Mapped properties that are missing or of a type that cannot feed their field."""
    coll = mapping.collections.get(collection)
    if coll is None:
        return []
    problems: list[Problem] = []
    available = ", ".join(sorted(source.properties)) or "none"
    specs = list(coll.fields.items())
    specs_where = [("where", (coll.where.field,))] if coll.where is not None else []
    wanted = [(canonical, spec.names) for canonical, spec in specs if spec.field] + specs_where
    for canonical, names in wanted:
        if not names or names[0].startswith(PSEUDO_PREFIX):
            continue
        # With aliases, the database needs one of the names; the first it has is checked.
        name = next((n for n in names if n in source.properties), names[0])
        prop = source.properties.get(name)
        if prop is None:
            problems.append(
                Problem(
                    severity="error",
                    subject=f"{source.label} / {name}",
                    message=f"collections.{collection}.fields.{canonical} reads property "
                    f"{name!r}, which database {source.label!r} does not have",
                    hint=f"use one of: {available}; or add the property in Notion",
                )
            )
            continue
        kind = str(prop.get("type"))
        group = "text" if canonical == "where" else field_group(collection, canonical)
        if kind == "rollup":
            problems.append(
                Problem(
                    severity="warning",
                    subject=f"{source.label} / {name}",
                    message=f"collections.{collection}.fields.{canonical} reads the rollup "
                    f"{name!r}; Notion computes rollups from the first 25 related pages only, so "
                    "on larger relations its value is wrong",
                    hint="map the related pages' own values (okrsync rolls them up itself), or "
                    "keep the rollup only where the relation stays under 25 pages",
                )
            )
        if kind in _INCOMPATIBLE[group]:
            problems.append(
                Problem(
                    severity="error",
                    subject=f"{source.label} / {name}",
                    message=f"property {name!r} is a {kind} property, which cannot feed "
                    f"{collection}.{canonical} (needs a {group} value)",
                    hint=f"map {collection}.{canonical} to a property of a fitting type",
                )
            )
    return problems


def output_problems(
    mapping: MappingFile,
    collection: Collection,
    source: DataSource,
    *,
    source_name: str = "NAME",
    writes: bool = True,
) -> tuple[list[Problem], list[MissingOutput]]:
    """Output properties that are missing (fixable by setup) or of the wrong type.

    When okrsync writes outputs (`writes`), a missing one is an error: every write to that
    database would fail. `source_name` is the source's name in okrsync.toml, for the hint.
    """
    if collection not in ("objectives", "key_results"):
        return [], []
    outputs = mapping.outputs.get(collection)
    if outputs is None:
        return [], []
    problems: list[Problem] = []
    missing: list[MissingOutput] = []
    for kind, wanted_type in OUTPUT_TYPES.items():
        name = getattr(outputs, kind)
        if not name:
            continue
        prop = source.properties.get(name)
        if prop is None:
            missing.append(
                MissingOutput(
                    collection=collection,
                    data_source_id=source.id,
                    database=source.label,
                    property=name,
                    type=wanted_type,
                )
            )
            problems.append(
                Problem(
                    severity="error" if writes else "warning",
                    subject=f"{source.label} / {name}",
                    message=f"output property {name!r} ({wanted_type}) is missing in "
                    f"database {source.label!r}"
                    + ("; every write to it would fail" if writes else ""),
                    hint=f"`okrsync mapping infer --config okrsync.toml --source {source_name} "
                    f"--apply` adds it as a {wanted_type} property; or add {name!r} in Notion, "
                    f"or set outputs.{collection}.{kind} to null in the mapping",
                )
            )
        elif prop.get("type") != wanted_type:
            problems.append(
                Problem(
                    severity="error",
                    subject=f"{source.label} / {name}",
                    message=f"output property {name!r} is a {prop.get('type')} property; "
                    f"okrsync writes a {wanted_type} there",
                    hint=f"change its type to {wanted_type} in Notion, or name another "
                    f"property in outputs.{collection}.{kind}",
                )
            )
        elif kind == "health" and outputs.health_options:
            problems += _unknown_health_options(outputs, collection, source.label, name, prop)
    return problems, missing


def _unknown_health_options(
    outputs: OutputMap, collection: str, database: str, name: str, prop: dict[str, Any]
) -> list[Problem]:
    """A warning for each `health_options` name the select does not have (okrsync would add
    it as a new option the first time it writes it: usually a typo in the mapping)."""
    known = {str(o.get("name")) for o in (prop.get("select") or {}).get("options") or []}
    problems = []
    for health, option in outputs.health_options.items():
        if option in known:
            continue
        choices = ", ".join(sorted(known)) or "none yet"
        problems.append(
            Problem(
                severity="warning",
                subject=f"{database} / {name}",
                message=f"outputs.{collection}.health_options.{health} names {option!r}, which "
                f"is not an option of {name!r} (its options: {choices}); okrsync would add it",
                hint=f"spell it as the select does, or add {option!r} to {name!r} in Notion",
            )
        )
    return problems


def field_infos(
    source: DataSource, targets: dict[str, str], samples: dict[str, list[str]]
) -> tuple[FieldInfo, ...]:
    """The schema of one data source as `FieldInfo`s (relation targets named when known)."""
    infos: list[FieldInfo] = []
    for name, prop in source.properties.items():
        kind = str(prop.get("type"))
        body = prop.get(kind) or {}
        options: tuple[str, ...] = ()
        if kind in ("select", "multi_select", "status") and isinstance(body, dict):
            options = tuple(str(o.get("name")) for o in body.get("options") or [])
        target = None
        if kind == "relation" and isinstance(body, dict):
            related = str(body.get("data_source_id") or body.get("database_id") or "")
            target = targets.get(related, related or None)
        infos.append(
            FieldInfo(
                name=name,
                type=kind,
                options=options,
                target=target,
                samples=tuple(samples.get(name, [])[:3]),
            )
        )
    return tuple(infos)
