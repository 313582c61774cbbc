"""The mapping/data findings (problems in source values, per record), and suppression reading.

The rule catalogue (`okrsync.rules`) owns the DATA codes' words when it has them: if it offers
`make_finding(code, subject, message=None, **params)` and knows the code, the finding comes from
there so `okrsync rules` and the findings agree. Otherwise the table below gives the severity,
name and hint, so the mapping works on its own (and in tests) with the same codes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Final, NamedTuple

from okrsync.errors import OkrsyncError
from okrsync.mapping.values import parse_suppressions
from okrsync.model import Finding, Severity

UNPARSEABLE: Final = "DATA001"
MISSING_REQUIRED: Final = "DATA002"
UNKNOWN_OPTION: Final = "DATA003"
DANGLING_RELATION: Final = "DATA004"
DUPLICATE_ID: Final = "DATA005"
UNREADABLE: Final = "DATA006"
INVALID_RECORD: Final = "DATA007"
NOT_AN_OBJECTIVE: Final = "DATA009"
# The catalogue's DATA008 is "unknown suppression", reported by the rules. A key result linked to
# several objectives has a value its one-objective field cannot hold: an unparseable value.
AMBIGUOUS_RELATION: Final = UNPARSEABLE


class DataCode(NamedTuple):
    name: str
    severity: Severity
    hint: str


DATA_CODES: Final[dict[str, DataCode]] = {
    UNPARSEABLE: DataCode(
        "unparseable-value",
        "warning",
        "Fix the value in the workspace, or change `parse` or `values` for this field in the "
        "mapping file.",
    ),
    MISSING_REQUIRED: DataCode(
        "missing-required-field",
        "error",
        "Fill in the field in the workspace, or map it (or a `default`) in the mapping file.",
    ),
    UNKNOWN_OPTION: DataCode(
        "unknown-option-value",
        "warning",
        "Add the option to the field's `values` map in the mapping file, or set a `default`.",
    ),
    DANGLING_RELATION: DataCode(
        "dangling-relation",
        "warning",
        "Point the relation at a record okrsync reads (check the collection's `source` and "
        "`where` in the mapping), or remove it.",
    ),
    DUPLICATE_ID: DataCode(
        "duplicate-id",
        "error",
        "Give each record its own title or id; okrsync keeps the first and skips the others.",
    ),
    UNREADABLE: DataCode(
        "unreadable-value",
        "warning",
        "Change the property to a type okrsync reads (text, number, select, date, people, "
        "relation), or map another field.",
    ),
    INVALID_RECORD: DataCode(
        "invalid-record",
        "error",
        "Fix the values named in the message; okrsync skips the record until then.",
    ),
    NOT_AN_OBJECTIVE: DataCode(
        "not-an-objective",
        "info",
        "If it is an objective, add the keys it uses as aliases in the mapping; otherwise "
        "take it out of the source's query (remove the label, or narrow the CQL).",
    ),
}


FindingMaker = Callable[[str, str, str], Finding]


def finding_maker() -> FindingMaker:
    """A function `(code, subject, message) -> Finding` using the rule catalogue when it can.

    Looked up once per apply run (no module state): `okrsync.rules.make_finding` is used for the
    codes it knows; any failure there falls back to the local table.
    """
    catalogue: Callable[..., Any] | None
    try:
        module = importlib.import_module("okrsync.rules")
        catalogue = getattr(module, "make_finding", None)
    except ImportError:
        catalogue = None

    def make(code: str, subject: str, message: str) -> Finding:
        if catalogue is not None:
            try:
                made = catalogue(code, subject, message=message)
            except (OkrsyncError, LookupError, ValueError, TypeError):
                made = None
            if isinstance(made, Finding):
                return made
        data = DATA_CODES[code]
        return Finding(
            code=code,
            severity=data.severity,
            subject=subject,
            message=message,
            hint=data.hint,
            family="data",
            name=data.name,
        )

    return make


SuppressionParser = Callable[[Any], tuple[str, ...]]


def suppression_parser() -> SuppressionParser:
    """How `ignore_rules` text is read: the rule catalogue's parser when it has one.

    The catalogue's `okrsync.rules.suppressions.parse_suppressions` knows every family and rule
    name, so it stops the list exactly where free text begins; without it, the pure
    `values.parse_suppressions` is used. Lists (multi-selects) are read one item per line.
    """
    catalogue: Callable[[str], tuple[str, ...]] | None
    try:
        module = importlib.import_module("okrsync.rules.suppressions")
        catalogue = getattr(module, "parse_suppressions", None)
    except ImportError:
        catalogue = None
    if catalogue is None:
        return parse_suppressions
    read = catalogue

    def parse(value: Any) -> tuple[str, ...]:
        if isinstance(value, list | tuple):
            text = "\n".join(str(v) for v in value if v is not None)
        else:
            text = value if isinstance(value, str) else str(value)
        return tuple(read(text))

    return parse
