"""What a rule is: its stable code, its words for people, its tunable thresholds and its check.

Each family module (`objectives`, `key_results`, `alignment`, `cycles`, `data`) declares a
tuple of `Rule`s; `registry` collects them into the catalogue. A rule's `check` is a pure
function from the prepared `Context` and its validated thresholds to `Hit`s (subject and
message); the engine turns hits into `Finding`s with the rule's code, severity and hint, so
the checks never deal with configuration.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from okrsync.i18n import N_
from okrsync.i18n.message import english_sayer
from okrsync.model import Frozen, Severity
from okrsync.rules.context import Context

Family = Literal["objectives", "key_results", "alignment", "cycles", "portfolio", "data"]
FAMILIES: Final[tuple[Family, ...]] = (
    "objectives",
    "key_results",
    "alignment",
    "cycles",
    "portfolio",
    "data",
)
FAMILY_TITLES: Final[dict[Family, str]] = {
    "objectives": N_("Objectives"),
    "key_results": N_("Key results"),
    "alignment": N_("Alignment"),
    "cycles": N_("Cycles"),
    "portfolio": N_("Portfolio"),
    "data": N_("Mapping and data"),
}
FAMILY_PREFIX: Final[dict[Family, str]] = {
    "objectives": "OBJ",
    "key_results": "KR",
    "alignment": "ALN",
    "cycles": "CYC",
    "portfolio": "PF",
    "data": "DATA",
}
# Other spellings people write in config files and workspace notes, normalised to lower case
# with "-" and " " read as "_".
FAMILY_ALIASES: Final[dict[str, Family]] = {
    "objective": "objectives",
    "obj": "objectives",
    "key_result": "key_results",
    "keyresults": "key_results",
    "keyresult": "key_results",
    "kr": "key_results",
    "krs": "key_results",
    "align": "alignment",
    "aln": "alignment",
    "cycle": "cycles",
    "cyc": "cycles",
    "pf": "portfolio",
    "mapping": "data",
}

_CODE_RE: Final = re.compile(r"^[A-Z]{2,4}\d{3}$")
_NAME_RE: Final = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


class Thresholds(BaseModel):
    """Base of every rule's tunable numbers; a rule without any uses `NoThresholds`.

    Frozen and strict about unknown keys so a typo in `[rules.thresholds.CODE]` is reported
    instead of silently ignored.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")


class NoThresholds(Thresholds):
    """For rules with nothing to tune."""


Hit = tuple[str, str, "str | None", str, tuple[Any, ...]]
"""One raw result of a check, what it is about and what is wrong, in words: (subject, message,
cycle, message_id, params), as the fields of `Finding` of the same names.

`cycle` is set by checks whose subject is a team, a person or a cycle and which count per
cycle, so the finding lands on that cycle's review page only. `message` is English;
`message_id` and `params` say it in any language later. Made by `hit()` and read only by the
engine, by position: a plain tuple, built in a tenth of the time a named tuple takes, for a
quarter of a million hits at 100 000 key results.
"""


def hit(subject: str, message_id: str, /, *, in_cycle: str | None = None, **params: Any) -> Hit:
    """A hit whose message is the catalogue message `message_id` with `params` filled in.

    `message_id` is a module constant marked with `N_` (or `Np_` for a plural chosen by the
    placeholder `count`); `in_cycle` is the hit's `cycle`.
    """
    text, values = english_sayer(message_id)(params)  # `english`, one call fewer per finding
    return (subject, text, in_cycle, message_id, values)


Checker = Callable[[Context, Any], Iterable[Hit]]


class Rule(Frozen):
    """One entry of the catalogue.

    `check` is None for rules whose findings other stages produce (the mapping/data family
    is reported by the mapping engine through `make_finding`).
    """

    code: str = Field(description="Stable code such as KR002; never reused for another rule.")
    name: str = Field(description="Kebab-case name, usable instead of the code in settings.")
    title: str = Field(
        default="",
        description='The rule\'s short name for people ("too many objectives"), translated; '
        "the name in words when empty.",
    )
    family: Family
    severity: Severity = Field(description="Default severity; overridable per code.")
    summary: str = Field(description="One line: what the rule flags.")
    explanation: str = Field(description="Why it matters and the OKR practice it comes from.")
    hint: str = Field(description="How to fix what it flags.")
    thresholds: type[Thresholds] = Field(default=NoThresholds, exclude=True)
    message: str = Field(
        default="",
        description="Template for findings built with make_finding(); defaults to the summary.",
    )
    check: Checker | None = Field(default=None, exclude=True, repr=False)

    @field_validator("code")
    @classmethod
    def _code_shape(cls, value: str) -> str:
        if not _CODE_RE.match(value):
            raise ValueError(f"rule code {value!r} must look like KR002 (2-4 capitals, 3 digits)")
        return value

    @field_validator("name")
    @classmethod
    def _name_shape(cls, value: str) -> str:
        if not _NAME_RE.match(value):
            raise ValueError(f"rule name {value!r} must be kebab-case")
        return value

    def display_title(self) -> str:
        """The short name people read: the title, else the kebab-case name in words."""
        return self.title or self.name.replace("-", " ")

    def default_thresholds(self) -> Thresholds:
        """The rule's thresholds with every default filled in."""
        return self.thresholds()

    def threshold_docs(self) -> list[dict[str, Any]]:
        """Each threshold's key, default and description, for the docs and the CLI."""
        defaults = self.default_thresholds().model_dump(mode="json")
        return [
            {
                "key": key,
                "default": defaults[key],
                "description": info.description or "",
            }
            for key, info in self.thresholds.model_fields.items()
        ]

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description of the rule (what `okrsync rules --format json` prints)."""
        return {
            "code": self.code,
            "name": self.name,
            "title": self.display_title(),
            "family": self.family,
            "severity": self.severity,
            "summary": self.summary,
            "explanation": self.explanation,
            "hint": self.hint,
            "thresholds": self.threshold_docs(),
        }
