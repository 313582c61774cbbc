"""The canonical OKR model every connector maps into and every computation reads.

All models are frozen and reject unknown keys, so a workspace is plain immutable data that can
be passed between the pure stages of the pipeline (see DESIGN.md). The JSON form of a whole
workspace is `Workspace.model_dump(mode="json")`; its format is versioned by `Workspace.version`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from itertools import islice
from operator import attrgetter, eq
from typing import Annotated, Any, Final, Literal, NamedTuple

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    model_validator,
)
from pydantic_core import core_schema

WORKSPACE_FORMAT_VERSION: Final = 1

Level = Literal["company", "department", "team", "individual"]
LEVELS: tuple[Level, ...] = ("company", "department", "team", "individual")
ObjectiveKind = Literal["committed", "aspirational"]
KeyResultKind = Literal["increase", "decrease", "at_least", "at_most", "milestone"]
Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
SEVERITY_RANK: Final[dict[str, int]] = {severity: i for i, severity in enumerate(SEVERITIES)}
"""The one severity order: 0 is the most severe. Every listing and `--fail-on` use it."""


class Frozen(BaseModel):
    """Base for every value object: immutable, strict about unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]
"""A time that is always aware: naive (no offset written) means UTC, so times compare."""


class SourceRef(Frozen):
    """Where a canonical record came from, so results can be written back next to it."""

    connector: str
    external_id: str
    url: str | None = None
    updated_at: UtcDatetime | None = None


class Cycle(Frozen):
    """An OKR period, such as a quarter; `end` is inclusive."""

    id: str
    name: str
    start: date
    end: date
    source: SourceRef | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Cycle:
        if self.end < self.start:
            raise ValueError(f"cycle {self.id!r} ends ({self.end}) before it starts ({self.start})")
        return self

    @property
    def days(self) -> int:
        """Number of days in the cycle, both ends included."""
        return (self.end - self.start).days + 1


class Person(Frozen):
    id: str
    name: str = ""
    email: str | None = None


class Objective(Frozen):
    """A qualitative goal. `parents` are the ids of the objectives it aligns to."""

    id: str
    title: str
    description: str = ""
    level: Level = "team"
    team: str | None = None
    owners: tuple[str, ...] = ()
    cycle: str | None = None
    parents: tuple[str, ...] = ()
    kind: ObjectiveKind = "aspirational"
    status: str | None = None
    ignore_rules: tuple[str, ...] = Field(
        default=(),
        description="Rule codes or families silenced on this objective from the workspace itself.",
    )
    source: SourceRef | None = None


class KeyResult(Frozen):
    """A measurable result of an objective.

    `kind` None means "infer from start and target" (see scoring). Numbers are in the KR's own
    unit; percentages are stored as the number shown to people (27 for 27%), with `unit` "%".
    """

    id: str
    objective: str
    title: str
    kind: KeyResultKind | None = None
    start: float | None = None
    target: float | None = None
    current: float | None = None
    unit: str | None = None
    weight: float = Field(default=1.0, ge=0)
    confidence: float | None = Field(default=None, ge=0, le=1)
    owners: tuple[str, ...] = ()
    due: date | None = None
    done: bool | None = None
    updated_at: UtcDatetime | None = None
    ignore_rules: tuple[str, ...] = ()
    source: SourceRef | None = None


class CheckIn(Frozen):
    """One observed value of a key result, from the workspace or from okrsync's own history."""

    key_result: str
    at: UtcDatetime
    value: float | None = None
    confidence: float | None = Field(default=None, ge=0, le=1)
    note: str = ""
    who: str = Field(default="", description="Who checked in (a name), when the source says.")


OBSERVER: Final = "okrsync"
"""The `who` of the check-ins okrsync writes into a workspace: values it observed, which
nobody typed there. Check-ins by anyone else (a name) are people's own: shown with their notes,
but not what okrsync compares the key result's current value with."""


def observed(check_in: CheckIn) -> bool:
    """Whether a check-in is a value okrsync observed (its own, or one nobody signed)."""
    return check_in.who in ("", OBSERVER)


CheckInOrder = tuple[datetime, str, bool, bool, float, bool, float, str, str]


def check_in_order(check_in: CheckIn) -> CheckInOrder:
    """The one order of check-ins (a sort key): oldest first; of check-ins of the same instant
    people's before okrsync's observations, then by content: value (none before any, the larger
    last), confidence (the same way), note and who.

    So the order the workspace, the state store or a merge listed them in never matters, for
    scoring, trends, notifications, charts and the history alike. (Taken from the listing order,
    it flipped between syncs: a chart's digest, and the change since Monday of a key result
    whose page was last edited at the instant of a person's check-in, because the first sync
    made its observation in memory after the rows it read and the next read its own row back in
    the database's order: the review page rewritten by the first no-change sync.) An
    observation is last because it is the value the page held after that edit (it is dated by
    the edit): the latest value at that instant, the one a later sync still reads there.
    """
    c = check_in
    return (
        c.at,
        c.key_result,
        observed(c),
        c.value is not None,
        0.0 if c.value is None else c.value,
        c.confidence is not None,
        0.0 if c.confidence is None else c.confidence,
        c.note,
        c.who,
    )


def check_ins_by_key_result(check_ins: Iterable[CheckIn]) -> dict[str, list[CheckIn]]:
    """Check-ins per key result (keys in the order the key results first appear), each list in
    `check_in_order`. Each list is sorted on its own by time, and again by the whole order only
    when two of its check-ins share an instant (rare): cheaper than one sort of them all."""
    grouped: dict[str, list[CheckIn]] = {}
    for check_in in check_ins:
        found = grouped.get(check_in.key_result)
        if found is None:
            grouped[check_in.key_result] = [check_in]
        else:
            found.append(check_in)
    for group in grouped.values():
        if len(group) > 1:
            group.sort(key=_CHECKED_AT)
            times = list(map(_CHECKED_AT, group))
            if any(map(eq, times, islice(times, 1, None))):
                group.sort(key=check_in_order)
    return grouped


_CHECKED_AT: Final = attrgetter("at")


class Workspace(Frozen):
    """A whole workspace in canonical form; this is also the documented JSON exchange format."""

    version: Literal[1] = WORKSPACE_FORMAT_VERSION
    cycles: tuple[Cycle, ...] = ()
    objectives: tuple[Objective, ...] = ()
    key_results: tuple[KeyResult, ...] = ()
    people: tuple[Person, ...] = ()
    check_ins: tuple[CheckIn, ...] = ()

    def cycle_by_id(self) -> dict[str, Cycle]:
        return {c.id: c for c in self.cycles}

    def objective_by_id(self) -> dict[str, Objective]:
        return {o.id: o for o in self.objectives}

    def key_results_by_objective(self) -> dict[str, list[KeyResult]]:
        grouped: dict[str, list[KeyResult]] = {o.id: [] for o in self.objectives}
        for kr in self.key_results:
            grouped.setdefault(kr.objective, []).append(kr)
        return grouped

    def check_ins_by_key_result(self) -> dict[str, list[CheckIn]]:
        """Check-ins per key result, each list in `check_in_order` (oldest first)."""
        return check_ins_by_key_result(self.check_ins)

    def person_by_id(self) -> dict[str, Person]:
        return {p.id: p for p in self.people}


_FINDING_TYPES: dict[str, Any] = {
    "severity": Severity,
    "cycle": str | None,
    "params": tuple[Any, ...],
}


class Finding(NamedTuple):
    """One problem found in a workspace, by a rule or by the mapping.

    `subject` is the id of the objective, key result, cycle or team it is about (for mapping
    findings, the source record's external id); `code` is the stable rule code.

    A named tuple rather than a pydantic model: the rules make hundreds of thousands of them
    from validated data (a 100 000-key-result workspace has about 275 000), and a tuple costs a
    fifth of the time and memory. Inside pydantic models it is kept as it is (not copied field
    by field), read from a mapping of its fields, and written out as that mapping.
    """

    code: str
    severity: Severity
    subject: str
    message: str
    hint: str = ""
    family: str = ""
    name: str = ""
    cycle: str | None = None
    """The cycle a finding about a team, a person or a cycle counts in: a review page shows it
    on that cycle's page only. None where the subject says it (an objective, a key result)."""
    message_id: str = ""
    """The catalogue id of `message` (empty when the message has none, e.g. a mapping problem):
    with `params` it says the finding in any language (`okrsync.rules.finding_message`).
    `message` stays the English text, so a finding's identity and order never depend on who
    reads it."""
    params: tuple[Any, ...] = ()
    """The values of the message's named placeholders, in the order they appear in it."""

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        fields = core_schema.typed_dict_schema(
            {
                name: core_schema.typed_dict_field(
                    handler.generate_schema(_FINDING_TYPES.get(name, str)),
                    required=name in ("code", "severity", "subject", "message"),
                )
                for name in cls._fields
            },
            extra_behavior="forbid",
        )
        from_fields = core_schema.no_info_after_validator_function(lambda d: cls(**d), fields)
        return core_schema.json_or_python_schema(
            json_schema=from_fields,
            python_schema=core_schema.union_schema(
                [core_schema.is_instance_schema(cls), from_fields]
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda finding: finding._asdict()
            ),
        )


def finding_sort_key(finding: Finding) -> tuple[int, str, str, str]:
    """Errors first, then by code, subject and message: the order every listing uses."""
    return (SEVERITY_RANK[finding.severity], finding.code, finding.subject, finding.message)
