"""The review: what a summary of the OKRs contains, independent of where it is written.

`Review` bundles the workspace, its evaluation, its findings and okrsync's history; connectors
plan their writes from it and `render/` draws it as Markdown, HTML or JSON.
`review_build.build_cycle_reviews()` cuts it into one `CycleReview` per cycle (and per team when
asked), the unit a review page shows.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from okrsync.evaluation import Evaluation, Health, KeyResultScore, ObjectiveScore
from okrsync.model import CheckIn, Cycle, Finding, Frozen, KeyResult, Objective, Severity, Workspace
from okrsync.records import SourceRecord
from okrsync.trends import ChangeItem, Trend


class Review(Frozen):
    workspace: Workspace
    evaluation: Evaluation
    findings: tuple[Finding, ...] = ()
    generated_at: datetime
    previous_scores: dict[str, float] = Field(
        default={}, description="Objective or KR id -> its score at the previous sync."
    )
    unrecorded_check_ins: tuple[CheckIn, ...] = Field(
        default=(),
        description="Check-ins okrsync observed (its state store, this run) that the workspace's "
        "own check-in history does not hold yet: what a connector appends there "
        "(okrsync.history.unrecorded).",
    )
    source: str = Field(default="", description="The source's name, for page titles and notes.")
    source_records: tuple[SourceRecord, ...] = Field(
        default=(),
        description="The records the workspace was mapped from, with the current values of the "
        "output fields, so a plan can leave out writes that are already in place.",
    )
    planning_weeks: int = Field(
        default=2,
        ge=0,
        description="Weeks into a cycle during which planning findings are shown in full; "
        "afterwards they are summarised once in the review's planning notes ([rules]).",
    )
    check_in_days: int = Field(
        default=14,
        ge=1,
        description="Days without a check-in after which a key result counts as missing one "
        "(the KR006 threshold).",
    )


class KeyResultRow(Frozen):
    key_result: KeyResult
    result: KeyResultScore
    owners: tuple[str, ...] = Field(default=(), description="Owner display names.")
    change: float | None = Field(default=None, description="Score change since the last sync.")
    findings: tuple[Finding, ...] = ()
    trend: Trend = Field(default=Trend(), description="Dated change, confidence, forecast.")


class ChildrenRollup(Frozen):
    """How the objectives aligned to a parent are doing, shown beside the parent's own score."""

    count: int
    mean_score: float | None = Field(description="Mean score of the scored children.")
    behind: int = Field(description="Children at risk or off track (yellow or red after).")
    masks: bool = Field(
        default=False,
        description="The parent looks fine (on track / green) while most children are behind.",
    )


class CheckInLine(Frozen):
    """One check-in as a review lists it (the readable check-in log of an objective)."""

    at: date
    key_result: str = Field(description="The key result's title.")
    value: float | None = None
    unit: str | None = None
    confidence: float | None = None
    note: str = ""
    who: str = ""


class ObjectiveRow(Frozen):
    objective: Objective
    result: ObjectiveScore
    owners: tuple[str, ...] = ()
    change: float | None = None
    key_results: tuple[KeyResultRow, ...] = ()
    findings: tuple[Finding, ...] = ()
    children: ChildrenRollup | None = Field(
        default=None, description="The aligned children's aggregate, when any align to it."
    )
    attention: float = Field(
        default=0.0, description="Weighted gap to pace; larger needs more attention."
    )
    trend: Trend = Field(default=Trend(), description="Dated change and forecast.")
    check_ins: tuple[CheckInLine, ...] = Field(
        default=(),
        description="Its key results' latest check-ins in the cycle, newest first: what okrsync "
        "observed and what people wrote, with their notes.",
    )


class AttentionItem(Frozen):
    """One line of "Needs attention": an objective behind pace, with its lagging key results."""

    objective_id: str
    title: str
    owners: tuple[str, ...] = ()
    health: Health
    grade: float | None = None
    expected: float | None = None
    attention: float
    committed_miss: bool = Field(
        default=False, description="Committed and missed, or heading for a miss."
    )
    miss: bool = Field(default=False, description="Committed, cycle over, below 1.0.")
    lagging: tuple[str, ...] = Field(default=(), description="Titles of its furthest-behind KRs.")


class MissingCheckIns(Frozen):
    """Key results of one owner without a recent check-in."""

    owner: str
    count: int
    oldest: date | None = Field(description="The oldest last check-in; None: never checked in.")
    key_results: tuple[str, ...] = ()


class PlanningNote(Frozen):
    """One planning rule's findings after the planning weeks, summarised once per review."""

    code: str
    summary: str
    count: int
    subjects: tuple[str, ...] = Field(description="Display names of what it is about, sorted.")


class AlignmentNode(Frozen):
    """One objective in the alignment tree; `children` align to it."""

    objective_id: str
    title: str
    level: str
    grade: float | None
    health: Health
    children: tuple[AlignmentNode, ...] = ()
    cycle_edge: bool = Field(default=False, description="Child repeated here: a loop, not shown.")


class Headline(Frozen):
    objectives: int
    key_results: int
    mean_score: float | None
    health_counts: dict[str, int]
    findings_by_severity: dict[str, int]
    elapsed_share: float | None
    aligned_share: float | None = Field(description="Non-company objectives with a parent.")


class CycleReview(Frozen):
    """Everything one review page shows: one cycle, optionally one team."""

    cycle: Cycle | None
    team: str | None = None
    title_key: str = Field(description="Stable key for the page: cycle id, plus team if any.")
    at: date
    generated_at: datetime
    headline: Headline
    objectives: tuple[ObjectiveRow, ...]
    alignment: tuple[AlignmentNode, ...]
    findings: dict[Severity, tuple[Finding, ...]]
    source: str = ""
    names: dict[str, str] = Field(
        default={}, description="Finding subject id -> what people call it (never a raw id)."
    )
    attention: tuple[AttentionItem, ...] = Field(default=(), description="Needs attention.")
    missing_check_ins: tuple[MissingCheckIns, ...] = ()
    planning_notes: tuple[PlanningNote, ...] = ()
    week_start: date | None = Field(default=None, description="The Monday of the review's week.")
    what_changed: tuple[ChangeItem, ...] = Field(
        default=(), description="The week's largest moves, with the check-in notes."
    )
