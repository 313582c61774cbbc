"""Hand-built review objects for the Confluence tests (no scoring needed to render a page)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from okrsync.evaluation import KeyResultScore, ObjectiveScore
from okrsync.model import Cycle, Finding, KeyResult, Objective, SourceRef
from okrsync.review import (
    AlignmentNode,
    CycleReview,
    Headline,
    KeyResultRow,
    ObjectiveRow,
)
from okrsync.trends import DatedChange, Trend

CYCLE = Cycle(id="2025-Q3", name="Q3 2025", start=date(2025, 7, 1), end=date(2025, 9, 30))


def cycle_review(
    *,
    objective_title: str = "Grow revenue",
    kr_title: str = "Reach 100 customers",
    owner: str = "Ada Lovelace",
    message: str = "Key result has no owner",
    hint: str = "Add an owner",
    team: str | None = None,
    score: float = 0.5,
    url: str | None = "https://example.atlassian.net/wiki/spaces/OKR/pages/101",
) -> CycleReview:
    """A one-objective, one-KR review whose every text slot can be set by a test."""
    objective = Objective(
        id="101",
        title=objective_title,
        owners=("u1",),
        cycle=CYCLE.id,
        source=SourceRef(connector="confluence", external_id="101", url=url),
    )
    kr = KeyResult(
        id="101#kr-x", objective="101", title=kr_title, start=0, target=100, current=50, unit="%"
    )
    kr_score = KeyResultScore(
        id=kr.id, kind="increase", progress=0.5, score=0.5, grade=0.5, health="at_risk"
    )
    obj_score = ObjectiveScore(
        id="101", progress=score, score=score, grade=round(score, 1), health="at_risk"
    )
    finding = Finding(code="KR001", severity="warning", subject=kr.id, message=message, hint=hint)
    return CycleReview(
        cycle=CYCLE,
        team=team,
        title_key=CYCLE.id + (f":{team}" if team else ""),
        at=date(2025, 8, 15),
        generated_at=datetime(2025, 8, 15, 9, 0, tzinfo=UTC),
        headline=Headline(
            objectives=1,
            key_results=1,
            mean_score=score,
            health_counts={"at_risk": 1, "on_track": 0},
            findings_by_severity={"warning": 1},
            elapsed_share=0.5,
            aligned_share=1.0,
        ),
        objectives=(
            ObjectiveRow(
                objective=objective,
                result=obj_score,
                owners=(owner,),
                change=0.1,
                trend=Trend(week=DatedChange(delta=0.1, since=date(2025, 8, 11)), forecast=0.8),
                key_results=(KeyResultRow(key_result=kr, result=kr_score, owners=(owner,)),),
            ),
        ),
        alignment=(
            AlignmentNode(
                objective_id="101",
                title=objective_title,
                level="team",
                grade=0.5,
                health="at_risk",
            ),
        ),
        findings={"warning": (finding,)},
        source="okrs",
    )
