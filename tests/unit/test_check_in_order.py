"""One order for check-ins of the same instant, whatever order they were listed in.

The workspace and the state store list check-ins in different orders; two of the same instant
must give the same score, trends, "What changed", chart series and history either way, and all
of them must agree on which is "the latest" (`model.check_in_order`: okrsync's observation, the
page's value after that edit, then of people's the larger value).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from okrsync.charts.review_charts import charts_by_review
from okrsync.history import merged_history, new_observations
from okrsync.model import CheckIn, Cycle, KeyResult, Objective, Workspace
from okrsync.report import review_workspace
from okrsync.review_build import build_cycle_reviews, latest_check_ins
from okrsync.rules.context import build_context
from okrsync.trends import History

CYCLE = Cycle(id="q4", name="Q4 2026", start=date(2026, 10, 1), end=date(2026, 12, 31))
AT = date(2026, 12, 3)
TIED = datetime(2026, 12, 1, 9, tzinfo=UTC)
CHECK_INS = (
    CheckIn(key_result="kr", at=datetime(2026, 11, 2, 9, tzinfo=UTC), value=20, confidence=0.8),
    CheckIn(key_result="kr", at=datetime(2026, 11, 27, 9, tzinfo=UTC), value=42, confidence=0.6),
    # Three check-ins of one instant: okrsync's observation and two people's, in some order.
    CheckIn(key_result="kr", at=TIED, value=45, confidence=0.3, note="One deal slipped", who="Bo"),
    CheckIn(key_result="kr", at=TIED, value=60, confidence=0.4, note="Two deals signed", who="Ana"),
    CheckIn(key_result="kr", at=TIED, value=None, confidence=0.9),
    CheckIn(key_result="kr2", at=datetime(2026, 11, 2, 9, tzinfo=UTC), value=1),
)


def _workspace(check_ins: tuple[CheckIn, ...]) -> Workspace:
    objective = Objective(id="o", title="Grow revenue", cycle="q4", kind="committed")
    return Workspace(
        cycles=(CYCLE,),
        objectives=(objective,),
        key_results=(
            KeyResult(id="kr", objective="o", title="Close deals", start=0, target=100),
            KeyResult(id="kr2", objective="o", title="Hire", start=0, target=10, current=1),
        ),
        check_ins=check_ins,
    )


def _everything(check_ins: tuple[CheckIn, ...]) -> tuple[object, ...]:
    workspace = _workspace(check_ins)
    review = review_workspace(workspace, at=AT, generated_at=datetime(2026, 12, 3, tzinfo=UTC))
    (cycle_review,) = build_cycle_reviews(review)
    context = build_context(workspace, review.evaluation)
    return (
        workspace.check_ins_by_key_result(),
        review.evaluation,
        cycle_review.objectives,
        cycle_review.what_changed,
        charts_by_review(review, [cycle_review]),
        context.last_confidence,
        merged_history(check_ins),
    )


def test_check_ins_of_one_instant_give_the_same_results_in_any_order() -> None:
    forward = _everything(CHECK_INS)
    assert _everything(CHECK_INS[::-1]) == forward
    tied = CHECK_INS[2:5]
    assert _everything((*CHECK_INS[:2], tied[1], tied[2], tied[0], CHECK_INS[5])) == forward


def test_the_latest_of_one_instant_is_the_same_everywhere() -> None:
    workspace = _workspace(CHECK_INS[::-1])
    history = workspace.check_ins_by_key_result()["kr"]
    # People's first (the smaller value, then the larger), okrsync's observation last: it has
    # no value, so the latest value is 60; its confidence is the latest confidence.
    assert [c.value for c in history] == [20, 42, 45, 60, None]
    review = review_workspace(workspace, at=AT, generated_at=datetime(2026, 12, 3, tzinfo=UTC))
    assert review.evaluation.key_results["kr"].score == pytest.approx(0.6)
    (cycle_review,) = build_cycle_reviews(review)
    (item,) = cycle_review.what_changed
    assert item.change is not None and item.change.delta == pytest.approx(0.6 - 0.42)
    chart = charts_by_review(review, [cycle_review])[cycle_review.title_key]
    assert chart.key_results["kr"].points[-1].score == pytest.approx(0.6)
    # The confidence of the latest check-in that has one: the rules and the trend agree.
    assert build_context(workspace, review.evaluation).last_confidence["kr"] == 0.9
    assert cycle_review.objectives[0].key_results[0].trend.confidence == 0.9
    # The history agrees too: of two observations of one instant the larger is the latest, so
    # seeing that value again later is not new, in whichever order the store listed them.
    observed = [CheckIn(key_result="kr", at=TIED, value=v) for v in (60, 45)]
    later = CheckIn(key_result="kr", at=datetime(2026, 12, 2, 9, tzinfo=UTC), value=60)
    for listed in (observed, observed[::-1]):
        assert [c.value for c in merged_history(listed)] == [45, 60]
        assert new_observations(merged_history(listed), [later]) == []


@pytest.mark.parametrize("listed", [CHECK_INS, tuple(reversed(CHECK_INS))])
def test_latest_check_ins_list_the_latest_of_an_instant_first(listed: tuple[CheckIn, ...]) -> None:
    """Newest first: at one instant the people's check-ins (with their notes) come before
    okrsync's observation, and of those the latest (the larger value) leads."""
    workspace = _workspace(listed)
    lines = latest_check_ins(workspace.key_results[:1], History(workspace), CYCLE, AT)
    assert [(line.value, line.who) for line in lines[:3]] == [
        (60, "Ana"),
        (45, "Bo"),
        (None, "okrsync"),
    ]
