"""The mapping-file format (YAML, versioned), as pydantic models.

A mapping says, per canonical collection, where its records live (`source`, a locator the
connector understands, which okrsync.toml may override) and which source field feeds each
canonical field, with value maps, defaults and a parse mode. `outputs` names the properties
okrsync writes back. The JSON Schema of this model is exported to `mappings/mapping.schema.json`.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import Field, field_validator, model_validator

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
]


class FieldSpec(Frozen):
    """How one canonical field is read. A bare string in YAML means `{field: <string>}`."""

    field: str | None = Field(default=None, description="Source field (property, key, column).")
    parse: ParseMode = "auto"
    values: dict[str, Any] = Field(
        default={}, description="Value map, matched case-insensitively after trimming."
    )
    default: Any = Field(default=None, description="Used when the source value is empty.")
    value: Any = Field(default=None, description="A constant instead of a source field.")

    @model_validator(mode="after")
    def _has_source(self) -> FieldSpec:
        if self.field is None and self.value is None and self.default is None:
            raise ValueError("give `field` (the source field), `value` or `default`")
        return self


class Where(Frozen):
    """Keep only records whose `field` equals one of `equals` (one database holding both)."""

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
            return {k: ({"field": s} if isinstance(s, str) else s) for k, s in v.items()}
        return v


class OutputMap(Frozen):
    """Names of the properties okrsync writes on each OKR page (None: do not write that one)."""

    score: str | None = "Score"
    health: str | None = "Health"
    warnings: str | None = "Warnings"
    last_synced: str | None = "Last synced"


class Locale(Frozen):
    decimal: Literal[".", ","] = "."
    day_first: bool = Field(default=False, description="Read 03/04/2025 as 3 April.")


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
                        f"collections.{name}.fields.{fname}: not a canonical field "
                        f"(one of: {', '.join(sorted(allowed))})"
                    )
            for req in REQUIRED_FIELDS[name]:
                if req not in coll.fields:
                    problems.append(f"collections.{name}.fields.{req} is required")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def source_fields(self, collection: str) -> list[str]:
        """The source fields a collection reads (for filter_properties and schema checks)."""
        coll = self.collections.get(collection)  # type: ignore[call-overload]
        if coll is None:
            return []
        names = [s.field for s in coll.fields.values() if s.field]
        if coll.where:
            names.append(coll.where.field)
        return list(dict.fromkeys(names))
