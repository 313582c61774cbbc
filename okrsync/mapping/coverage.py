"""How many sampled pages each mapped key covers, and what the others use instead (doctor).

A connector whose `describe()` samples pages (Confluence) says on how many pages each key
appears. For every canonical field the mapping reads from a key, `coverage_problems` compares
the pages having the key (or one of its aliases) with the pages that hold objectives (or key
results), and names the keys the other pages use that mean the same field:

    Owner: 12 of 13 pages; 1 page uses "Verantwortlich": add it as an alias

A field missing on some pages is a warning; one whose other names cover more pages than the
mapped ones (the mapping follows a minority layout, so most objectives would be read wrong) is
an error.
"""

from __future__ import annotations

from collections.abc import Mapping as AnyMapping

from okrsync.connector import FieldInfo, Layout, Problem, SourceSchema
from okrsync.mapping.infer import FIELD_WORDS, OUTPUT_TYPE, WHOLE_NAME, name_score
from okrsync.mapping.keys import key_form
from okrsync.mapping.schema import Mapping

NOUN = {"objectives": ("page", "pages"), "key_results": ("page", "pages with key results")}


def _pages(count: int, noun: tuple[str, str]) -> str:
    return f"{count} {noun[0] if count == 1 else noun[1]}"


def _holding(collection: str, layouts: tuple[Layout, ...], sampled: int) -> int:
    """How many sampled pages hold objectives (or key results): not the keyless notes."""
    if not layouts:
        return sampled
    if collection == "objectives":
        return sum(layout.pages for layout in layouts if layout.keys)
    return sum(
        layout.pages for layout in layouts if layout.key_results.startswith("key results as")
    )


def coverage_problems(
    mapping: Mapping, schema: SourceSchema, locators: AnyMapping[str, str] | None = None
) -> list[Problem]:
    """Per mapped key: on how many sampled pages it is, and the other pages' names for it."""
    locators = locators or {}
    problems: list[Problem] = []
    sampled = schema.sampled.get(locators.get("objectives", "objectives"))
    if not sampled:
        return []  # no page counts: every record has every property (Notion)
    layouts = schema.layouts.get(locators.get("objectives", "objectives"), ())
    for collection in ("objectives", "key_results"):
        coll = mapping.collections.get(collection)
        fields = schema.collections.get(locators.get(collection, collection), ())
        total = _holding(collection, layouts, sampled)
        if coll is None or not fields or not total:
            continue
        by_form = {key_form(f.name): f for f in fields if f.pages is not None}
        mapped_forms = {key_form(n) for n in mapping.source_fields(collection)}
        noun = NOUN[collection]
        for canonical, spec in coll.fields.items():
            names = [n for n in spec.names if not n.startswith("@")]
            if not names:
                continue
            covered = min(
                total, sum(by_form[key_form(n)].pages or 0 for n in names if key_form(n) in by_form)
            )
            if covered >= total:
                continue
            others = _other_names(collection, canonical, fields, mapped_forms)
            message = f"{names[0]}: {covered} of {_pages(total, noun)}"
            if others:
                uses = "; ".join(
                    f"{_pages(f.pages or 0, NOUN['objectives'])} "
                    f"use{'s' if f.pages == 1 else ''} {f.name!r}"
                    for f in others
                )
                message += f"; {uses}"
                hint = (
                    f"add {', '.join(repr(f.name) for f in others)} as an alias: "
                    f"`{canonical}: {_flow([*names, *(f.name for f in others)])}` under "
                    f"collections.{collection}.fields"
                )
            else:
                hint = (
                    f"the other pages do not have {names[0]!r}: add it to them, or add the key "
                    f"they use as an alias under collections.{collection}.fields.{canonical}"
                )
            problems.append(
                Problem(
                    severity="error" if sum(f.pages or 0 for f in others) > covered else "warning",
                    subject=f"{collection}.{canonical}",
                    message=message,
                    hint=hint,
                )
            )
    return problems


def _other_names(
    collection: str, canonical: str, fields: tuple[FieldInfo, ...], mapped: set[str]
) -> list[FieldInfo]:
    """Keys the mapping does not read whose whole name means `canonical` ("Verantwortlich")."""
    words = FIELD_WORDS.get(collection, {}).get(canonical, ())
    return [
        f
        for f in fields
        if f.pages
        and f.type != OUTPUT_TYPE
        and not f.name.startswith("@")
        and key_form(f.name) not in mapped
        and name_score(f.name, words) >= WHOLE_NAME
    ]


def _flow(names: list[str]) -> str:
    """A YAML flow list of names: [Owner, Verantwortlich]."""
    return "[" + ", ".join(names) + "]"
