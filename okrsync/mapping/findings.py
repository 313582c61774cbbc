"""The mapping/data findings (problems in source values, per record).

There is one table of DATA codes, the rule catalogue's (`okrsync.rules.data`): the mapping names
a code and a message, and the catalogue gives its severity, name and hint, so `okrsync rules`
and the findings always agree.
Suppression notes are read by the catalogue's one parser, `okrsync.rules.parse_suppressions`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from okrsync.model import Finding
from okrsync.rules import make_finding

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

FindingMaker = Callable[[str, str, str], Finding]
SuppressionParser = Callable[[Any], tuple[str, ...]]


def finding_maker() -> FindingMaker:
    """A function `(code, subject, message) -> Finding` with the catalogue's words."""

    def make(code: str, subject: str, message: str) -> Finding:
        return make_finding(code, subject, message=message)

    return make
