"""The mapping-file format (YAML, versioned), as pydantic models.

A mapping says, per canonical collection, where its records live (`source`, a locator the
connector understands, which okrsync.toml may override) and which source field feeds each
canonical field, with value maps, defaults and a parse mode. `outputs` names the properties
okrsync writes back. The JSON Schema of this model is exported to `mappings/mapping.schema.json`.
"""

from __future__ import annotations

import difflib
from typing import Any, Final, Literal, get_args

from pydantic import Field, field_validator, model_validator

from okrsync.evaluation import HEALTHS
from okrsync.model import (
    CheckIn,
    Cycle,
    Frozen,
    KeyResult,
    Objective,
    Person,
)

MAPPING_FORMAT_VERSION: Final = 1

ParseMode = Literal[
    "auto",  # by the canonical field's type
    "text",
    "number",  # "27%", "$500K", "1.2M", "1,234.5", "4.5 stars" -> number (unit kept aside)
    "percent",  # like number, and a bare fraction 0.27 is read as 27%
    "fraction",  # like number, and 27% is read as 0.27
    "bool",
    "date",
    "date_range",
    "cycle",  # "Q3 2025", "2025-Q3", "H1 2026", or a relation to a cycles record
    "people",
    "ids",  # relation ids
    "list",
    "suppressions",  # text holding "okrsync: ignore KR002, ALIGN" -> rule codes
    "confidence",  # 0-1, a 1-10 rating or "70%" -> 0-1 (see values.parse_confidence)
    "scale_10",  # a 0-10 rating -> 0-1 (7 -> 0.7; also 1 -> 0.1, which "confidence" reads as 1)
]
PARSE_MODES: tuple[str, ...] = get_args(ParseMode)

FieldKind = Literal[
    "text",
    "number",
    "option",
    "bool",
    "date",
    "date_start",
    "date_end",
    "datetime",
    "people",
    "ids",
    "ref",
    "cycle",
    "confidence",
    "suppressions",
]
"""What a canonical field holds; decides how `parse: auto` reads it and which modes fit."""

FIELD_KINDS: dict[str, dict[str, FieldKind]] = {
    "objectives": {
        "title": "text",
        "description": "text",
        "level": "option",
        "team": "text",
        "owners": "people",
        "cycle": "cycle",
        "parents": "ids",
        "kind": "option",
        "status": "text",
        "ignore_rules": "suppressions",
    },
    "key_results": {
        "objective": "ref",
        "title": "text",
        "kind": "option",
        "start": "number",
        "target": "number",
        "current": "number",
        "unit": "text",
        "weight": "number",
        "confidence": "confidence",
        "owners": "people",
        "due": "date",
        "done": "bool",
        "updated_at": "datetime",
        "ignore_rules": "suppressions",
    },
    "cycles": {"name": "text", "start": "date_start", "end": "date_end"},
    "people": {"name": "text", "email": "text"},
    "check_ins": {
        "key_result": "ref",
        "at": "datetime",
        "value": "number",
        "confidence": "confidence",
        "note": "text",
        "who": "text",
    },
}
"""The kind of every mappable canonical field, per collection."""

OPTION_SETS: dict[tuple[str, str], str] = {
    ("objectives", "level"): "level",
    ("objectives", "kind"): "objective_kind",
    ("key_results", "kind"): "key_result_kind",
}
"""Which canonical option set an `option` field takes (see values.CANONICAL_OPTIONS)."""

ALLOWED_MODES: dict[FieldKind, tuple[str, ...]] = {
    "text": ("auto", "text", "list"),
    "number": ("auto", "number", "percent", "fraction"),
    "option": ("auto", "text"),
    "bool": ("auto", "bool"),
    "date": ("auto", "date", "date_range"),
    "date_start": ("auto", "date", "date_range", "cycle"),
    "date_end": ("auto", "date", "date_range", "cycle"),
    "datetime": ("auto", "date"),
    "people": ("auto", "people"),
    "ids": ("auto", "ids", "list"),
    "ref": ("auto", "ids"),
    "cycle": ("auto", "cycle", "ids"),
    "confidence": ("auto", "confidence", "scale_10", "number", "percent", "fraction"),
    "suppressions": ("auto", "suppressions", "list"),
}
"""Parse modes that make sense for each kind of field (the loader rejects the others)."""


class FieldSpec(Frozen):
    """How one canonical field is read. A bare string in YAML means `{field: <string>}`, a
    list `[Owner, Verantwortlich]` means `{field: Owner, aliases: [Verantwortlich]}`."""

    field: str | None = Field(default=None, description="Source field (property, key, column).")
    aliases: tuple[str, ...] = Field(
        default=(),
        description="Other names the same source field goes by on some pages or databases (any "
        "language); a record is read from the first of `field` and its aliases it has.",
    )
    parse: ParseMode = "auto"
    values: dict[str, Any] = Field(
        default={}, description="Value map, matched case-insensitively after trimming."
    )
    default: Any = Field(default=None, description="Used when the source value is empty.")
    value: Any = Field(default=None, description="A constant instead of a source field.")

    @model_validator(mode="before")
    @classmethod
    def _field_list(cls, v: Any) -> Any:
        if isinstance(v, dict) and isinstance(v.get("field"), list) and v["field"]:
            names = [str(n) for n in v["field"]]
            aliases = v.get("aliases") or []
            return {**v, "field": names[0], "aliases": [*names[1:], *aliases]}
        return v

    @property
    def names(self) -> tuple[str, ...]:
        """The source field and its aliases, in the order they are tried."""
        return (self.field, *self.aliases) if self.field else ()

    @model_validator(mode="after")
    def _has_source(self) -> FieldSpec:
        if self.field is None and self.value is None and self.default is None:
            raise ValueError("give `field` (the source field), `value` or `default`")
        return self


class Where(Frozen):
    """Keep only records whose `field` equals one of `equals` (one database holding both).

    Compared case-insensitively after trimming; for a multi-select, any item may match.
    """

    field: str
    equals: tuple[str, ...]

    @field_validator("equals", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return (v,) if isinstance(v, str) else v


class CollectionMap(Frozen):
    source: str | None = Field(
        default=None,
        description="Where the records live, as the connector names it (Notion database title "
        "or id, Confluence label or parent page); okrsync.toml may override it.",
    )
    where: Where | None = None
    fields: dict[str, FieldSpec]

    @field_validator("fields", mode="before")
    @classmethod
    def _short_form(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: ({"field": s} if isinstance(s, str | list) else s) for k, s in v.items()}
        return v


HealthOption = Literal[
    "not_started", "on_track", "at_risk", "off_track", "green", "yellow", "red", "no_data", "miss"
]
"""What `health_options` maps: a health value (okrsync.evaluation.Health), or `miss` (a
committed objective that scored below its bar)."""
HEALTH_OPTION_KEYS: tuple[str, ...] = get_args(HealthOption)
assert set(HEALTH_OPTION_KEYS) == {*HEALTHS, "miss"}


class OutputMap(Frozen):
    """Names of the properties okrsync writes on each OKR page (None: do not write that one)."""

    score: str | None = "Score"
    health: str | None = "Health"
    warnings: str | None = "Warnings"
    last_synced: str | None = "Last synced"
    health_options: dict[HealthOption, str] = Field(
        default={},
        description="The option names the health select (or lozenge) already uses, per health "
        "value: {on_track: Im Plan, at_risk: Gefährdet, off_track: Kritisch, red: Verfehlt}. "
        "A value left out is written as okrsync's own label in the source's language; a "
        "committed miss (`miss`) falls back to the option of `red`.",
    )

    @field_validator("health_options")
    @classmethod
    def _option_names(cls, v: dict[HealthOption, str]) -> dict[HealthOption, str]:
        blank = [key for key, name in v.items() if not name.strip()]
        if blank:
            raise ValueError(f"health_options.{blank[0]}: give the option's name (it is empty)")
        return {key: name.strip() for key, name in v.items()}

    def health_option(self, health: str, miss: bool = False) -> str | None:
        """The workspace's own option name for a health value, or None when it has none.

        A committed miss takes `miss`, else the option of `red` (what a miss means)."""
        options: dict[str, str] = {str(k): v for k, v in self.health_options.items()}
        if miss:
            return options.get("miss") or options.get("red")
        return options.get(health)


class Locale(Frozen):
    decimal: Literal[".", ","] = "."
    day_first: bool = Field(default=False, description="Read 03/04/2025 as 3 April.")
    fiscal_year_start: int = Field(
        default=1,
        ge=1,
        le=12,
        description="Month the fiscal year starts in, for cycle names like 'FY25 Q1'; a fiscal "
        "year is named by the calendar year it ends in (with 4, FY2025 is 2024-04 to 2025-03).",
    )


_CANONICAL: dict[str, type[Frozen]] = {
    "objectives": Objective,
    "key_results": KeyResult,
    "cycles": Cycle,
    "people": Person,
    "check_ins": CheckIn,
}
_NOT_MAPPABLE = {"source", "version"}
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "objectives": ("title",),
    "key_results": ("title", "objective"),
    "cycles": ("name",),
    "people": ("name",),
    "check_ins": ("key_result", "at"),
}


def mappable_fields(collection: str) -> list[str]:
    """Canonical fields a mapping may feed in `collection` (id comes from the record)."""
    model = _CANONICAL[collection]
    return [f for f in model.model_fields if f not in _NOT_MAPPABLE and f != "id"]


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """' — did you mean "x"?' for the closest choice, or "" when nothing is close."""
    folded = {c.casefold(): c for c in choices}
    close = difflib.get_close_matches(word.casefold(), list(folded), n=1, cutoff=0.6)
    return f' — did you mean "{folded[close[0]]}"?' if close else ""


def unknown_field_message(collection: str, name: str) -> str:
    """The message for a field name that is not a canonical field of `collection`."""
    allowed = mappable_fields(collection)
    hint = did_you_mean(name, allowed)
    return f"not a canonical field{hint} (one of: {', '.join(sorted(allowed))})"


class Mapping(Frozen):
    version: Literal[1] = MAPPING_FORMAT_VERSION
    connector: str | None = Field(default=None, description="The connector this mapping is for.")
    locale: Locale = Locale()
    collections: dict[
        Literal["objectives", "key_results", "cycles", "people", "check_ins"], CollectionMap
    ]
    outputs: dict[Literal["objectives", "key_results"], OutputMap] = {}

    @model_validator(mode="after")
    def _known_fields(self) -> Mapping:
        problems: list[str] = []
        if "objectives" not in self.collections:
            problems.append("collections.objectives is required")
        for name, coll in self.collections.items():
            allowed = set(mappable_fields(name))
            for fname in coll.fields:
                if fname not in allowed:
                    problems.append(
                        f"collections.{name}.fields.{fname}: {unknown_field_message(name, fname)}"
                    )
            for req in REQUIRED_FIELDS[name]:
                if req not in coll.fields:
                    problems.append(f"collections.{name}.fields.{req} is required")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def output_map(self, collection: str) -> OutputMap:
        """The output property names for `collection`; the defaults when `outputs` omits it."""
        return self.outputs.get(collection, OutputMap())  # type: ignore[call-overload,no-any-return]

    def source_fields(self, collection: str) -> list[str]:
        """The source fields a collection reads (for filter_properties and schema checks)."""
        coll = self.collections.get(collection)  # type: ignore[call-overload]
        if coll is None:
            return []
        names = [name for s in coll.fields.values() for name in s.names]
        if coll.where:
            names.append(coll.where.field)
        return list(dict.fromkeys(names))


def export_json_schema() -> dict[str, Any]:
    """The JSON Schema of mapping files, as committed in `mappings/mapping.schema.json`.

    Editors (VS Code's YAML extension, IntelliJ) validate and complete mapping files with it.
    A field spec may also be written as a bare string (the source field name), which the schema
    allows explicitly.
    """
    schema = Mapping.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "okrsync mapping"
    schema["description"] = (
        "An okrsync mapping file (YAML): which source field feeds each canonical OKR field."
    )
    defs = schema.get("$defs", {})
    coll = defs.get("CollectionMap", {})
    fields = coll.get("properties", {}).get("fields")
    if fields is not None:
        fields["additionalProperties"] = {
            "anyOf": [
                {"$ref": "#/$defs/FieldSpec"},
                {"type": "string", "description": "Short form: the source field's name."},
                {
                    "type": "array",
                    "items": {"type": "string"},
                    "minItems": 1,
                    "description": "Short form: the source field's name, then its aliases.",
                },
            ]
        }
    spec = defs.get("FieldSpec", {}).get("properties", {})
    if "field" in spec:
        spec["field"] = {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}, "minItems": 1},
                {"type": "null"},
            ],
            "default": None,
            "description": "Source field (property, key, column); a list names its aliases too.",
        }
    where = defs.get("Where", {}).get("properties", {})
    if "equals" in where:
        where["equals"] = {
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            "description": "One value or a list of values (compared case-insensitively).",
        }
    return schema
