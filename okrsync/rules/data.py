"""Mapping and data rules (DATAxxx): values that could not be read or do not fit together.

Most of these are reported by the mapping engine while it reads source records, through
`okrsync.rules.make_finding(code, subject, **params)`; the message templates below name the
parameters it passes. `check()` itself reports the two that need the whole workspace:
references to records that are not there (DATA004) and suppressions naming unknown rules
(DATA008).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final

from okrsync.i18n import N_
from okrsync.rules.catalogue import Hit, NoThresholds, Rule, hit
from okrsync.rules.context import Context

MISSING_CYCLE: Final = N_(
    "objective {title!r} refers to cycle {cycle!r}, which is not in the workspace"
)
MISSING_OBJECTIVE: Final = N_(
    "key result {title!r} refers to objective {objective!r}, which is not in the workspace"
)
MISSING_KEY_RESULT: Final = N_(
    "check-ins refer to key result {key_result!r}, which is not in the workspace"
)
UNKNOWN_SUPPRESSION: Final = {
    "objective": N_("objective {id} ignores unknown rule(s) {unknown}"),
    "key result": N_("key result {id} ignores unknown rule(s) {unknown}"),
}


def _dangling(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for o in ctx.workspace.objectives:
        if o.cycle is not None and o.cycle not in ctx.cycles:
            yield hit(o.id, MISSING_CYCLE, title=o.title, cycle=o.cycle)
    for kr, _, objective, _, _, _ in ctx.rows:
        if objective is None:
            yield hit(kr.id, MISSING_OBJECTIVE, title=kr.title, objective=kr.objective)
    reported: set[str] = set()
    for ci in ctx.workspace.check_ins:
        if ci.key_result not in ctx.key_results and ci.key_result not in reported:
            reported.add(ci.key_result)
            yield hit(ci.key_result, MISSING_KEY_RESULT, key_result=ci.key_result)


def unknown_suppressions_check(
    is_known: Callable[[str], bool],
) -> Callable[[Context, NoThresholds], Iterator[Hit]]:
    """The DATA008 check, given the registry's test for a known code or family.

    Passed in rather than imported because the registry is built from this module.
    """

    def check(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
        for kind, records in (
            ("objective", ctx.workspace.objectives),
            ("key result", ctx.workspace.key_results),
        ):
            for record in records:
                if not record.ignore_rules:
                    continue
                unknown = [s for s in record.ignore_rules if not is_known(s)]
                if unknown:
                    yield hit(
                        record.id,
                        UNKNOWN_SUPPRESSION[kind],
                        id=record.id,
                        unknown=", ".join(unknown),
                    )

    return check


RULES: Final[tuple[Rule, ...]] = (
    Rule(
        code="DATA001",
        name="unparseable-value",
        title=N_("unparseable value"),
        family="data",
        severity="warning",
        summary=N_("A source value could not be read as the type its canonical field needs."),
        explanation=(
            N_(
                "The mapping says which source field feeds each canonical field and how to parse "
                'it. A value like "about 20" in a number field cannot be read; okrsync keeps the '
                "rest of the record and leaves that field empty, so scores depending on it may be "
                "missing. Good OKR data hygiene (Niven and Lamorte) keeps measures "
                "machine-readable."
            )
        ),
        hint=N_(
            "Fix the value in the source, or adjust the field's `parse` mode or value map in "
            "the mapping file."
        ),
        message=N_(
            "{collection} field {field!r} holds {value!r}, which cannot be read as {expected}"
        ),
    ),
    Rule(
        code="DATA002",
        name="missing-required-field",
        title=N_("missing required field"),
        family="data",
        severity="error",
        summary=N_("A source record lacks a field the canonical model requires (such as a title)."),
        explanation=(
            N_(
                "Some canonical fields cannot be defaulted: an objective needs a title, a key "
                "result needs its objective. The record is skipped and reported so that the rest "
                "of the workspace still loads."
            )
        ),
        hint=N_("Fill the field in the source, or give the mapping a `default` for it."),
        message=N_("{collection} record has no value for required field {field!r}"),
    ),
    Rule(
        code="DATA003",
        name="unknown-option-value",
        title=N_("unknown option value"),
        family="data",
        severity="warning",
        summary=N_("A select value is not in the mapping's value map (e.g. an unknown level)."),
        explanation=(
            N_(
                'Value maps translate the workspace\'s own words ("Bereich", "Stretch") into '
                "canonical values. A new option added to the source after the mapping was written "
                "falls back to the default, which may silently change a level or a kind."
            )
        ),
        hint=N_("Add the option to the field's `values` map in the mapping file."),
        message=N_(
            "{collection} field {field!r} has option {value!r}, which the mapping does not "
            "know; known: {known}"
        ),
    ),
    Rule(
        code="DATA004",
        name="dangling-relation",
        title=N_("dangling relation"),
        family="data",
        severity="warning",
        summary=N_(
            "A record refers to a cycle, objective or key result that is not in the workspace."
        ),
        explanation=(
            N_(
                "Relations are resolved to canonical ids; one that points nowhere usually means "
                "the "
                "target was deleted or lives in a database or space okrsync cannot read. A key "
                "result without its objective cannot be scored into anything."
            )
        ),
        hint=N_("Re-link the record, or share the missing database or space with okrsync."),
        message=N_(
            "{collection} field {field!r} refers to {target!r}, which is not in the workspace"
        ),
        check=_dangling,
    ),
    Rule(
        code="DATA005",
        name="duplicate-id",
        title=N_("duplicate id"),
        family="data",
        severity="error",
        summary=N_("Two source records map to the same canonical id."),
        explanation=(
            N_(
                "Canonical ids are the source's external ids; a duplicate means two collections "
                "overlap or a key result row title repeats on one Confluence page. Only the first "
                "record is kept, so the other's data is lost until the duplicate is resolved."
            )
        ),
        hint=N_(
            "Rename one of the records (for table rows: make key result titles unique on the "
            "page), or narrow the collections with `where`."
        ),
        message=N_("{collection} id {id!r} appears more than once"),
    ),
    Rule(
        code="DATA006",
        name="unreadable-value",
        title=N_("unreadable value"),
        family="data",
        severity="warning",
        summary=N_("The connector could not read a vendor value (an unsupported property type)."),
        explanation=(
            N_(
                "Connectors flatten vendor values; types they do not understand arrive as "
                '"unreadable" with the raw text, so the field is left empty instead of failing '
                "the whole sync."
            )
        ),
        hint=N_(
            "Map the canonical field to a supported property type (number, text, select, "
            "date), or use a formula that returns one."
        ),
        message=N_("{collection} field {field!r} has an unsupported {vendor_type} value"),
    ),
    Rule(
        code="DATA007",
        name="invalid-record",
        title=N_("invalid record"),
        family="data",
        severity="error",
        summary=N_(
            "A record's values do not form a valid canonical record (e.g. end before start)."
        ),
        explanation=(
            N_(
                "Values that parse individually can still contradict each other: a cycle that ends "
                "before it starts, a confidence above 10, a negative weight. The record is skipped "
                "and reported with the field at fault."
            )
        ),
        hint=N_("Correct the value named in the message in the source."),
        message=N_("{collection} record is invalid: {problem}"),
    ),
    Rule(
        code="DATA008",
        name="unknown-suppression",
        title=N_("unknown suppression"),
        family="data",
        severity="warning",
        summary=N_("An `okrsync: ignore` note names a rule code or family that does not exist."),
        explanation=(
            N_(
                "Suppressions in the workspace silence one rule on one OKR. A misspelt code "
                "silences nothing, so the warning it was meant to hide keeps appearing and the "
                "note misleads readers."
            )
        ),
        hint=N_(
            "Use a code from `okrsync rules` (such as KR002) or a family name (such as alignment)."
        ),
    ),
    Rule(
        code="DATA009",
        name="not-an-objective",
        title=N_("not an objective"),
        family="data",
        severity="info",
        summary=N_("A page the source's query matched is not an objective (e.g. meeting notes)."),
        explanation=(
            N_(
                "A label or a parent page gathers whatever people put there: meeting notes about "
                "OKRs carry the `okr` label too. A page holding none of the keys the mapping reads "
                "and no key results is not read as an objective, so it is neither scored nor "
                "written on."
            )
        ),
        hint=N_(
            "If it is an objective, add the keys it uses as aliases in the mapping; "
            "otherwise take it out of the source's query (remove the label, or narrow the CQL)."
        ),
        message=N_("{collection} record {id!r} is not an objective"),
    ),
)
