"""A small seeded OKR workspace and the core pipeline from pulled records to a Review.

The write-back tests need real reviews: records pulled from the sandbox, mapped, scored and
checked by okrsync's own core, exactly as a sync would build them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from okrsync_notion import NotionConnector

from okrsync.connector import SourceRecord
from okrsync.mapping.apply import apply_mapping
from okrsync.mapping.schema import Mapping
from okrsync.model import Cycle, KeyResult, Objective, Person, Workspace
from okrsync.review import Review
from okrsync.rules import check
from okrsync.scoring import evaluate

AT = date(2025, 8, 1)


def small_workspace() -> Workspace:
    """One quarter, a company objective, a team objective aligned to it, three key results."""
    return Workspace(
        cycles=(Cycle(id="q3", name="Q3 2025", start=date(2025, 7, 1), end=date(2025, 9, 30)),),
        people=(Person(id="ada", name="Ada Lovelace", email="ada@example.com"),),
        objectives=(
            Objective(id="o1", title="Grow revenue", level="company", owners=("ada",), cycle="q3"),
            Objective(
                id="o2",
                title="Win mid-market accounts",
                level="team",
                team="Sales",
                owners=("ada",),
                cycle="q3",
                parents=("o1",),
            ),
        ),
        key_results=(
            KeyResult(id="k1", objective="o1", title="ARR to 10M", start=0, target=10, current=4),
            KeyResult(
                id="k2", objective="o2", title="Close 20 deals", start=0, target=20, current=3
            ),
            KeyResult(id="k3", objective="o2", title="Churn down", start=10, current=8),
        ),
    )


def large_workspace(objectives: int = 120) -> Workspace:
    """One quarter, `objectives` objectives aligned to the first, three key results each."""
    return Workspace(
        cycles=(Cycle(id="q3", name="Q3 2025", start=date(2025, 7, 1), end=date(2025, 9, 30)),),
        objectives=tuple(
            Objective(
                id=f"o{i}", title=f"Objective {i}", cycle="q3", parents=("o0",) if i else ()
            )
            for i in range(objectives)
        ),
        key_results=tuple(
            KeyResult(
                id=f"k{i}-{j}", objective=f"o{i}", title=f"KR {i}.{j}", start=0, target=10,
                current=j * 3,
            )
            for i in range(objectives)
            for j in range(3)
        ),
    )  # fmt: skip


def pull_review(
    connector: NotionConnector,
    mapping: Mapping,
    generated_at: datetime,
    *,
    records: Sequence[SourceRecord] | None = None,
) -> Review:
    """Pull everything, map, score and check it, and wrap it as the Review a sync would plan."""
    pulled = list(records) if records is not None else list(connector.pull(None))
    mapped = apply_mapping(mapping, pulled, connector="notion")
    evaluation = evaluate(mapped.workspace, AT)
    findings = (*mapped.findings, *check(mapped.workspace, evaluation))
    return Review(
        workspace=mapped.workspace,
        evaluation=evaluation,
        findings=findings,
        generated_at=generated_at,
        source="okrs",
        source_records=tuple(pulled),
    )
