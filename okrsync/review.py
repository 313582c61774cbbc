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
from okrsync.model import Cycle, Finding, Frozen, KeyResult, Objective, Severity, Workspace
from okrsync.records import SourceRecord


class Review(Frozen):
    workspace: Workspace
    evaluation: Evaluation
    findings: tuple[Finding, ...] = ()
    generated_at: datetime
    previous_scores: dict[str, float] = Field(
        default={}, description="Objective or KR id -> its score at the previous sync."
    )
    source: str = Field(default="", description="The source's name, for page titles and notes.")
    source_records: tuple[SourceRecord, ...] = Field(
        default=(),
        description="The records the workspace was mapped from, with the current values of the "
        "output fields, so a plan can leave out writes that are already in place.",
    )


class KeyResultRow(Frozen):
    key_result: KeyResult
    result: KeyResultScore
    owners: tuple[str, ...] = Field(default=(), description="Owner display names.")
    change: float | None = Field(default=None, description="Score change since the last sync.")
    findings: tuple[Finding, ...] = ()


class ObjectiveRow(Frozen):
    objective: Objective
    result: ObjectiveScore
    owners: tuple[str, ...] = ()
    change: float | None = None
    key_results: tuple[KeyResultRow, ...] = ()
    findings: tuple[Finding, ...] = ()


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
