"""Property tests of scoring: bounded scores, order invariance, roll-up on any alignment graph."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from okrsync.evaluation import KeyResultScore, ObjectiveScore, ScoringSettings
from okrsync.model import Cycle, KeyResult, KeyResultKind, Objective, Workspace
from okrsync.scoring import evaluate, grade

CYCLE = Cycle(id="c", name="C", start=date(2025, 1, 1), end=date(2025, 3, 31))
KINDS: list[KeyResultKind | None] = [
    None,
    "increase",
    "decrease",
    "at_least",
    "at_most",
    "milestone",
]
numbers = st.one_of(
    st.none(),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    st.integers(-100, 100).map(float),
    st.sampled_from([float("nan"), float("inf"), float("-inf")]),
)


@st.composite
def key_results(draw: st.DrawFn, objective: str = "o", index: int = 0) -> KeyResult:
    return KeyResult(
        id=f"{objective}-k{index}",
        objective=objective,
        title="kr",
        kind=draw(st.sampled_from(KINDS)),
        start=draw(numbers),
        target=draw(numbers),
        current=draw(numbers),
        weight=draw(st.sampled_from([0.0, 0.5, 1.0, 3.0])),
        done=draw(st.sampled_from([None, True, False])),
    )


@st.composite
def krs_of_one_objective(draw: st.DrawFn) -> list[KeyResult]:
    n = draw(st.integers(0, 8))
    return [draw(key_results("o", i)) for i in range(n)]


dates = st.dates(min_value=date(2024, 12, 1), max_value=date(2025, 5, 1))


@given(krs=krs_of_one_objective(), at=dates, mode=st.sampled_from(["key_results", "both"]))
@settings(max_examples=150, deadline=None)
def test_scores_always_in_unit_interval_or_none(krs: list[KeyResult], at: date, mode: str) -> None:
    ws = Workspace(
        cycles=(CYCLE,),
        objectives=(Objective(id="o", title="O", cycle="c"),),
        key_results=tuple(krs),
    )
    ev = evaluate(ws, at, ScoringSettings.model_validate({"rollup": mode}))
    results: list[KeyResultScore | ObjectiveScore] = [*ev.key_results.values()]
    for result in [*results, *ev.objectives.values()]:
        assert result.score is None or 0.0 <= result.score <= 1.0
        assert result.grade is None or 0.0 <= result.grade <= 1.0
        assert (result.score is None) == (result.grade is None)
        if result.score is None:
            assert result.health in ("no_data", "not_started")


@given(krs=krs_of_one_objective(), at=dates, data=st.data())
@settings(max_examples=150, deadline=None)
def test_objective_score_invariant_to_key_result_order(
    krs: list[KeyResult], at: date, data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(krs))
    objective = Objective(id="o", title="O", cycle="c")

    def evaluated(order: list[KeyResult]) -> tuple[object, ...]:
        ws = Workspace(cycles=(CYCLE,), objectives=(objective,), key_results=tuple(order))
        result = evaluate(ws, at).objectives["o"]
        return (result.score, result.progress, result.grade, result.health)

    assert evaluated(krs) == evaluated(list(shuffled))


@st.composite
def alignment_graphs(draw: st.DrawFn) -> Workspace:
    n = draw(st.integers(1, 12))
    ids = [f"o{i}" for i in range(n)]
    candidates = [*ids, "dangling"]
    objectives = tuple(
        Objective(
            id=i,
            title=i,
            cycle="c",
            parents=tuple(draw(st.lists(st.sampled_from(candidates), max_size=3))),
        )
        for i in ids
    )
    krs = tuple(
        KeyResult(
            id=f"{i}-k",
            objective=i,
            title="kr",
            start=0,
            target=10,
            current=draw(st.floats(min_value=-5, max_value=15, allow_nan=False)),
        )
        for i in ids
        if draw(st.booleans())
    )
    return Workspace(cycles=(CYCLE,), objectives=objectives, key_results=krs)


@given(ws=alignment_graphs(), mode=st.sampled_from(["key_results", "children", "both"]))
@settings(max_examples=200, deadline=None)
def test_rollup_terminates_on_any_alignment_graph(ws: Workspace, mode: str) -> None:
    ev = evaluate(
        ws, CYCLE.start + timedelta(days=30), ScoringSettings.model_validate({"rollup": mode})
    )
    assert set(ev.objectives) == {o.id for o in ws.objectives}
    for result in ev.objectives.values():
        assert result.score is None or 0.0 <= result.score <= 1.0
        assert result.id not in result.rolled_up_children  # a self-loop never counts


@given(ws=alignment_graphs(), data=st.data())
@settings(max_examples=100, deadline=None)
def test_rollup_does_not_depend_on_objective_order(ws: Workspace, data: st.DataObject) -> None:
    shuffled = ws.model_copy(
        update={"objectives": tuple(data.draw(st.permutations(ws.objectives)))}
    )
    at = CYCLE.start + timedelta(days=30)
    both = ScoringSettings(rollup="both")
    first = {k: v.score for k, v in evaluate(ws, at, both).objectives.items()}
    second = {k: v.score for k, v in evaluate(shuffled, at, both).objectives.items()}
    assert first == second


def reference_grade(score: Decimal, step: Decimal) -> Decimal:
    """Half-up rounding to the step, done entirely in decimal arithmetic."""
    return (score / step).quantize(Decimal(1), ROUND_HALF_UP) * step


@given(
    millis=st.integers(0, 1000),
    step=st.sampled_from(["0.1", "0.05", "0.2", "0.25", "0.5", "1"]),
)
@settings(max_examples=300, deadline=None)
def test_grade_matches_decimal_half_up(millis: int, step: str) -> None:
    score = Decimal(millis) / 1000
    assert grade(float(score), float(step)) == float(reference_grade(score, Decimal(step)))
