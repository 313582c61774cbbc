"""Unit tests of the scoring arithmetic: kinds, clamping, grades, weights, roll-up, health."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from okrsync.alignment_graph import strongly_connected_components
from okrsync.evaluation import ScoringSettings
from okrsync.model import CheckIn, Cycle, KeyResult, Objective, Workspace
from okrsync.scoring import (
    cycle_status,
    evaluate,
    grade,
    infer_kind,
    kr_progress,
    weighted_mean,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
Q3 = Cycle(id="q3", name="Q3 2025", start=date(2025, 7, 1), end=date(2025, 9, 30))
# 100 days, so that elapsed shares are round numbers: day 50 -> 0.5.
HUNDRED = Cycle(id="c100", name="100 days", start=date(2025, 1, 1), end=date(2025, 4, 10))


def kr(id: str = "k", objective: str = "o", **fields: Any) -> KeyResult:
    return KeyResult.model_validate({"id": id, "objective": objective, "title": id, **fields})


def one_objective(
    *krs: KeyResult, cycle: Cycle = HUNDRED, kind: str = "committed", **fields: object
) -> Workspace:
    objective = Objective.model_validate(
        {"id": "o", "title": "O", "cycle": cycle.id, "kind": kind, **fields}
    )
    return Workspace(cycles=(cycle,), objectives=(objective,), key_results=krs)


# --- the worked example of issue 2 -------------------------------------------------------


def test_sales_example_holds() -> None:
    workspace = Workspace.model_validate_json((EXAMPLES / "sales-example.json").read_text())
    ev = evaluate(workspace, date(2025, 8, 15))
    krs = ev.key_results
    assert krs["kr-close-rate"].score == pytest.approx(0.5)
    assert krs["kr-close-rate"].grade == 0.5
    assert krs["kr-calls"].score == pytest.approx(0.4)
    assert krs["kr-calls"].grade == 0.4
    assert krs["kr-pipeline"].kind == "at_least"
    assert krs["kr-pipeline"].score == 0.0
    obj = ev.objectives["obj-sales-win"]
    assert obj.score == pytest.approx(0.3)
    assert obj.grade == 0.3
    assert obj.expected == pytest.approx(45 / 92 * 0.7)
    assert round(obj.expected or 0, 2) == 0.34
    assert round(obj.gap or 0, 2) == 0.04
    assert obj.health == "on_track"
    assert ev.cycles["2025-Q3"].elapsed_share == pytest.approx(45 / 92)


# --- kinds --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"start": 22, "target": 27}, "increase"),
        ({"start": 10, "target": 4}, "decrease"),
        ({"target": 5}, "increase"),
        ({"target": -5}, "decrease"),
        ({"done": True}, "milestone"),
        ({"done": False}, "milestone"),
        ({"kind": "at_most", "start": 1, "target": 5}, "at_most"),
        ({}, None),
        ({"current": 3}, None),
    ],
)
def test_infer_kind(fields: dict[str, Any], expected: str | None) -> None:
    assert infer_kind(kr(**fields)) == expected


def test_increase_progress() -> None:
    assert kr_progress(kr(start=10, target=20, current=15), "increase").progress == 0.5


def test_increase_missing_start_counts_as_zero() -> None:
    assert kr_progress(kr(target=40, current=10), "increase").progress == 0.25


def test_decrease_progress() -> None:
    assert kr_progress(kr(start=20, target=10, current=12), "decrease").progress == 0.8


def test_decrease_missing_start_is_unscored() -> None:
    found = kr_progress(kr(target=10, current=12), "decrease")
    assert found.progress is None
    assert found.unscored == "missing_start"


def test_start_equals_target_is_unscored() -> None:
    found = kr_progress(kr(start=5, target=5, current=7), "increase")
    assert (found.progress, found.unscored) == (None, "start_equals_target")


def test_missing_target_and_current_are_unscored() -> None:
    assert kr_progress(kr(start=1, current=2), "increase").unscored == "missing_target"
    assert kr_progress(kr(start=1, target=2), "increase").unscored == "missing_current"
    assert kr_progress(kr(kind="at_least", target=2), "at_least").unscored == "missing_current"


def test_current_falls_back_to_latest_check_in() -> None:
    check_ins = [
        CheckIn(key_result="k", at=datetime(2025, 1, 2, tzinfo=UTC), value=12),
        CheckIn(key_result="k", at=datetime(2025, 1, 3, tzinfo=UTC), value=14),
    ]
    assert kr_progress(kr(start=10, target=20), "increase", check_ins).progress == 0.4


def test_non_finite_numbers_count_as_missing() -> None:
    assert kr_progress(kr(start=1, target=float("nan"), current=2), "increase").progress is None
    found = kr_progress(kr(start=1, target=3, current=float("inf")), "increase")
    assert found.unscored == "missing_current"


@pytest.mark.parametrize(
    ("kind", "target", "latest", "progress"),
    [
        ("at_least", 500, 420, 0.0),
        ("at_least", 500, 500, 1.0),
        ("at_least", 500, 510, 1.0),
        ("at_most", 2, 3, 0.0),
        ("at_most", 2, 2, 1.0),
        ("at_most", 2, 1, 1.0),
    ],
)
def test_band_kinds_hold_on_latest_value(
    kind: str, target: float, latest: float, progress: float
) -> None:
    key_result = kr(kind=kind, target=target, current=latest)
    assert kr_progress(key_result, key_result.kind).progress == progress


def test_band_share_counts_check_ins_and_current() -> None:
    check_ins = [
        CheckIn(key_result="k", at=datetime(2025, 1, d, tzinfo=UTC), value=v)
        for d, v in ((2, 530), (3, 480), (4, 510))
    ]
    found = kr_progress(kr(kind="at_least", target=500, current=420), "at_least", check_ins)
    assert found.progress == 0.0
    assert found.band_share == 0.5  # 530 and 510 held, 480 and 420 did not


def test_band_share_counts_only_check_ins_up_to_the_date_and_inside_the_cycle() -> None:
    check_ins = tuple(
        CheckIn(key_result="k", at=datetime(*day, tzinfo=UTC), value=v)
        for day, v in (((2024, 12, 20), 900), ((2025, 1, 5), 900), ((2025, 3, 1), 100))
    )
    ws = one_objective(kr(kind="at_least", target=500, current=600), cycle=HUNDRED)
    ws = ws.model_copy(update={"check_ins": check_ins})
    result = evaluate(ws, date(2025, 2, 1)).key_results["k"]
    assert result.band_share == 1.0  # only the 2025-01-05 check-in and the current value


@pytest.mark.parametrize(
    ("fields", "progress"),
    [
        ({"done": True}, 1.0),
        ({"done": False}, 0.0),
        ({"current": 1, "target": 1}, 1.0),
        ({"current": 0, "target": 1}, 0.0),
        ({}, 0.0),
    ],
)
def test_milestone(fields: dict[str, Any], progress: float) -> None:
    assert kr_progress(kr(kind="milestone", **fields), "milestone").progress == progress


# --- clamping and grades --------------------------------------------------------------------


def test_score_clamped_and_attainment_reported() -> None:
    ws = one_objective(
        kr("over", start=0, target=10, current=13), kr("under", start=10, target=20, current=5)
    )
    ev = evaluate(ws, date(2025, 2, 1))
    over, under = ev.key_results["over"], ev.key_results["under"]
    assert over.progress == pytest.approx(1.3)
    assert over.score == 1.0
    assert over.attainment_over == pytest.approx(0.3)
    assert under.progress == pytest.approx(-0.5)
    assert under.score == 0.0
    assert under.attainment_over is None
    # the objective averages clamped scores, and keeps the unclamped mean as progress
    assert ev.objectives["o"].score == pytest.approx(0.5)
    assert ev.objectives["o"].progress == pytest.approx(0.4)


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0.25, 0.3),
        (0.35, 0.4),
        (0.05, 0.1),
        (0.15, 0.2),
        (0.45, 0.5),
        (0.249, 0.2),
        (0.0, 0.0),
        (1.0, 1.0),
        (0.94, 0.9),
        (0.95, 1.0),
        (0.1 + 0.2, 0.3),
        (0.7 * 0.5, 0.4),
    ],
)
def test_grade_rounds_half_up(score: float, expected: float) -> None:
    assert grade(score) == expected


def test_grade_with_other_step() -> None:
    assert grade(0.125, 0.25) == 0.25
    assert grade(0.374, 0.25) == 0.25
    assert grade(0.375, 0.25) == 0.5


# --- weights --------------------------------------------------------------------------------


def test_weighted_mean() -> None:
    assert weighted_mean([(1.0, 3.0), (0.0, 1.0)]) == 0.75
    assert weighted_mean([(1.0, 0.0)]) is None
    assert weighted_mean([]) is None


def test_zero_weight_key_result_is_shown_but_not_counted() -> None:
    ws = one_objective(
        kr("a", start=0, target=10, current=10, weight=2),
        kr("b", start=0, target=10, current=4, weight=1),
        kr("c", start=0, target=10, current=0, weight=0),
    )
    ev = evaluate(ws, date(2025, 2, 1))
    assert ev.objectives["o"].score == pytest.approx((2 * 1.0 + 0.4) / 3)
    assert ev.objectives["o"].counted_key_results == 2
    assert ev.key_results["c"].score == 0.0  # still scored and shown


def test_objective_without_counted_key_results_is_unscored() -> None:
    ev = evaluate(one_objective(kr("a", start=0, target=10, current=3, weight=0)), date(2025, 2, 1))
    result = ev.objectives["o"]
    assert (result.score, result.health, result.unscored) == (None, "no_data", "no_key_results")


# --- roll-up ------------------------------------------------------------------------------------


def tree_workspace() -> Workspace:
    """Company objective C with own KR 0.2 and children T1 (0.6) and T2 (1.0)."""
    objectives = (
        Objective(id="C", title="C", level="company", cycle="c100"),
        Objective(id="T1", title="T1", parents=("C",), cycle="c100"),
        Objective(id="T2", title="T2", parents=("C", "missing"), cycle="c100"),
    )
    krs = (
        kr("kc", "C", start=0, target=10, current=2),
        kr("k1", "T1", start=0, target=10, current=6),
        kr("k2", "T2", start=0, target=10, current=10),
    )
    return Workspace(cycles=(HUNDRED,), objectives=objectives, key_results=krs)


@pytest.mark.parametrize(
    ("mode", "company", "children"),
    [("key_results", 0.2, ()), ("children", 0.8, ("T1", "T2")), ("both", 0.6, ("T1", "T2"))],
)
def test_rollup_modes(mode: str, company: float, children: tuple[str, ...]) -> None:
    settings = ScoringSettings.model_validate({"rollup": mode})
    ev = evaluate(tree_workspace(), date(2025, 2, 1), settings)
    assert ev.objectives["C"].score == pytest.approx(company)
    assert ev.objectives["C"].rolled_up_children == children
    # leaves keep their own key results in every mode
    assert ev.objectives["T1"].score == pytest.approx(0.6)


def test_children_rollup_is_transitive() -> None:
    ws = tree_workspace()
    grandchild = Objective(id="G", title="G", parents=("T1",), cycle="c100")
    ws = ws.model_copy(
        update={
            "objectives": (*ws.objectives, grandchild),
            "key_results": (*ws.key_results, kr("kg", "G", start=0, target=10, current=0)),
        }
    )
    ev = evaluate(ws, date(2025, 2, 1), ScoringSettings(rollup="children"))
    assert ev.objectives["T1"].score == 0.0  # from G, not from its own KR
    assert ev.objectives["C"].score == pytest.approx(0.5)  # mean of T1 (0.0) and T2 (1.0)


def test_rollup_ignores_loops_and_terminates() -> None:
    objectives = (
        Objective(id="A", title="A", parents=("B",), cycle="c100"),
        Objective(id="B", title="B", parents=("A",), cycle="c100"),
        Objective(id="S", title="S", parents=("S",), cycle="c100"),
    )
    krs = (
        kr("ka", "A", start=0, target=10, current=2),
        kr("kb", "B", start=0, target=10, current=8),
        kr("ks", "S", start=0, target=10, current=5),
    )
    ws = Workspace(cycles=(HUNDRED,), objectives=objectives, key_results=krs)
    ev = evaluate(ws, date(2025, 2, 1), ScoringSettings(rollup="both"))
    assert ev.objectives["A"].score == pytest.approx(0.2)
    assert ev.objectives["B"].score == pytest.approx(0.8)
    assert ev.objectives["S"].score == pytest.approx(0.5)
    assert ev.objectives["A"].rolled_up_children == ()


def test_rollup_order_puts_children_first() -> None:
    order = strongly_connected_components(["C", "T", "G"], {"C": ["T"], "T": ["G"], "G": []})
    assert order == [["G"], ["T"], ["C"]]
    loop = strongly_connected_components(["A", "B"], {"A": ["B"], "B": ["A"]})
    assert sorted(loop[0]) == ["A", "B"]
    assert len(loop) == 1


def test_rollup_order_handles_a_long_chain_without_recursion() -> None:
    n = 5000
    nodes = [str(i) for i in range(n)]
    edges = {str(i): [str(i + 1)] for i in range(n - 1)}
    order = strongly_connected_components(nodes, edges)
    assert [c[0] for c in order] == list(reversed(nodes))


# --- health -------------------------------------------------------------------------------------


def health_at(current: float, at: date, kind: str = "committed") -> tuple[str, float | None]:
    ws = one_objective(kr(start=0, target=100, current=current), kind=kind)
    result = evaluate(ws, at).objectives["o"]
    return result.health, result.gap


@pytest.mark.parametrize(
    ("current", "health"),
    [
        (40, "on_track"),  # gap exactly 0.10
        (39, "at_risk"),  # gap 0.11
        (25, "at_risk"),  # gap exactly 0.25
        (24, "off_track"),  # gap 0.26
        (90, "on_track"),  # ahead of pace
    ],
)
def test_pace_bands_edges(current: float, health: str) -> None:
    found, gap = health_at(current, date(2025, 2, 20))  # day 50 of 100: expected 0.5
    assert found == health
    assert gap == pytest.approx(0.5 - current / 100)


def test_aspirational_bar() -> None:
    ws = one_objective(kr(start=0, target=100, current=25), kind="aspirational")
    result = evaluate(ws, date(2025, 2, 20)).objectives["o"]
    assert result.bar == 0.7
    assert result.expected == pytest.approx(0.35)
    assert result.health == "on_track"  # gap exactly 0.10


def test_before_the_cycle_is_not_started() -> None:
    assert health_at(0, date(2024, 12, 31))[0] == "not_started"


def test_on_the_start_date_nothing_is_expected_yet() -> None:
    ws = one_objective(kr(start=0, target=100, current=0))
    result = evaluate(ws, HUNDRED.start).objectives["o"]
    assert (result.health, result.expected, result.gap) == ("on_track", 0.0, 0.0)


def test_on_the_end_date_the_cycle_is_still_running() -> None:
    status = cycle_status(HUNDRED, HUNDRED.end)
    assert status.phase == "during"
    assert status.elapsed_share == pytest.approx(99 / 100)
    assert health_at(100, HUNDRED.end)[0] == "on_track"


@pytest.mark.parametrize(
    ("current", "health"),
    [(100, "green"), (70, "green"), (65, "green"), (64, "yellow"), (40, "yellow"), (35, "yellow"),
     (34, "red"), (0, "red")],
)  # fmt: skip
def test_grade_bands_after_the_cycle(current: float, health: str) -> None:
    assert health_at(current, date(2025, 4, 11), kind="aspirational")[0] == health


def test_committed_miss_after_the_cycle() -> None:
    ws = one_objective(kr(start=0, target=100, current=96), kind="committed")
    after = evaluate(ws, date(2025, 4, 11)).objectives["o"]
    assert after.miss is True
    assert after.grade == 1.0  # graded 1.0 yet still a miss: the score is below 1.0
    during = evaluate(ws, date(2025, 4, 10)).objectives["o"]
    assert during.miss is False
    done = one_objective(kr(start=0, target=100, current=100), kind="committed")
    assert evaluate(done, date(2025, 4, 11)).objectives["o"].miss is False
    aspirational = one_objective(kr(start=0, target=100, current=50), kind="aspirational")
    assert evaluate(aspirational, date(2025, 4, 11)).objectives["o"].miss is False


def test_key_result_health_uses_its_objectives_bar_and_cycle() -> None:
    ws = one_objective(kr(start=0, target=100, current=25), kind="aspirational")
    result = evaluate(ws, date(2025, 2, 20)).key_results["k"]
    assert result.expected == pytest.approx(0.35)
    assert result.health == "on_track"
    committed = one_objective(kr(start=0, target=100, current=25), kind="committed")
    assert evaluate(committed, date(2025, 2, 20)).key_results["k"].health == "at_risk"


def test_no_cycle_still_scores_but_has_no_health() -> None:
    objective = Objective(id="o", title="O", cycle="nowhere")
    orphan_kr = kr("lost", objective="gone", start=0, target=10, current=5)
    ws = Workspace(
        objectives=(objective,), key_results=(kr(start=0, target=10, current=5), orphan_kr)
    )
    ev = evaluate(ws, date(2025, 2, 1))
    result = ev.objectives["o"]
    assert result.score == 0.5
    assert (result.health, result.unscored) == ("no_data", "no_cycle")
    assert ev.key_results["k"].unscored == "no_cycle"
    assert ev.key_results["lost"].score == 0.5
    assert ev.key_results["lost"].health == "no_data"


def test_every_cycle_gets_a_status() -> None:
    later = Cycle(id="q4", name="Q4", start=date(2025, 10, 1), end=date(2025, 12, 31))
    earlier = Cycle(id="q2", name="Q2", start=date(2025, 4, 1), end=date(2025, 6, 30))
    ev = evaluate(Workspace(cycles=(Q3, later, earlier)), date(2025, 8, 15))
    assert {k: v.phase for k, v in ev.cycles.items()} == {
        "q3": "during",
        "q4": "before",
        "q2": "after",
    }
    assert ev.cycles["q2"].elapsed_share == 1.0
    assert ev.cycles["q4"].elapsed_share == 0.0
