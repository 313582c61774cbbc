"""Properties of `check` on arbitrary workspaces: it never fails, and order never matters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okrsync.model import LEVELS, CheckIn, Cycle, KeyResult, Objective, Workspace
from okrsync.rules import check, get_rule
from okrsync.scoring import evaluate

CYCLES = (
    Cycle(id="q2", name="Q2", start=date(2025, 4, 1), end=date(2025, 6, 30)),
    Cycle(id="q3", name="Q3", start=date(2025, 7, 1), end=date(2025, 9, 30)),
    Cycle(id="y", name="2025", start=date(2025, 1, 1), end=date(2025, 12, 31)),
    Cycle(id="w", name="Week", start=date(2025, 7, 7), end=date(2025, 7, 13)),
)
IDS = [f"o{i}" for i in range(8)]
numbers = st.one_of(st.none(), st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
words = st.sampled_from(
    ["Launch", "Grow", "revenue", "20%", "$5K", "Maintain", "einführen", "trust", "from 3 to 6"]
)
titles = st.lists(words, min_size=0, max_size=5).map(" ".join)


@st.composite
def workspaces(draw: st.DrawFn) -> Workspace:
    """Small workspaces with any alignment graph (loops, dangling parents) and any numbers."""
    count = draw(st.integers(min_value=0, max_value=len(IDS)))
    objectives = [
        Objective(
            id=IDS[i],
            title=draw(titles),
            level=draw(st.sampled_from(LEVELS)),
            team=draw(st.sampled_from([None, "Sales", "Ops"])),
            owners=tuple(draw(st.lists(st.sampled_from(["a", "b"]), max_size=2))),
            cycle=draw(st.sampled_from([None, "q2", "q3", "y", "w", "gone"])),
            parents=tuple(draw(st.lists(st.sampled_from([*IDS, "ghost"]), max_size=3))),
            kind=draw(st.sampled_from(["committed", "aspirational"])),
            ignore_rules=tuple(
                draw(st.lists(st.sampled_from(["KR002", "ALN", "zz9"]), max_size=2))
            ),
        )
        for i in range(count)
    ]
    key_results = [
        KeyResult(
            id=f"k{j}",
            objective=draw(st.sampled_from([*IDS[: max(count, 1)], "nobody"])),
            title=draw(titles),
            kind=draw(
                st.sampled_from([None, "increase", "decrease", "at_least", "at_most", "milestone"])
            ),
            start=draw(numbers),
            target=draw(numbers),
            current=draw(numbers),
            unit=draw(st.sampled_from([None, "%", "$", "EUR", "calls"])),
            weight=draw(st.sampled_from([0.0, 1.0, 2.5])),
            confidence=draw(st.one_of(st.none(), st.floats(min_value=0, max_value=1))),
            owners=tuple(draw(st.lists(st.sampled_from(["a", "b"]), max_size=1))),
            due=draw(st.one_of(st.none(), st.dates(date(2025, 1, 1), date(2026, 1, 1)))),
            done=draw(st.sampled_from([None, True, False])),
        )
        for j in range(draw(st.integers(min_value=0, max_value=10)))
    ]
    start = datetime(2025, 6, 1, tzinfo=UTC)
    check_ins = [
        CheckIn(
            key_result=f"k{draw(st.integers(min_value=0, max_value=10))}",
            at=start + timedelta(days=draw(st.integers(min_value=0, max_value=120))),
            value=draw(numbers),
            confidence=draw(st.one_of(st.none(), st.floats(min_value=0, max_value=1))),
        )
        for _ in range(draw(st.integers(min_value=0, max_value=6)))
    ]
    return Workspace(
        cycles=CYCLES,
        objectives=tuple(objectives),
        key_results=tuple(key_results),
        check_ins=tuple(check_ins),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ws=workspaces(), at=st.dates(date(2025, 3, 1), date(2026, 2, 1)))
def test_check_never_fails_and_ignores_record_order(ws: Workspace, at: date) -> None:
    ev = evaluate(ws, at)
    found = check(ws, ev)
    reversed_ws = ws.model_copy(
        update={
            "objectives": ws.objectives[::-1],
            "key_results": ws.key_results[::-1],
            "check_ins": ws.check_ins[::-1],
        }
    )
    assert check(reversed_ws, ev) == found
    for finding in found:
        rule = get_rule(finding.code)
        assert finding.severity == rule.severity and finding.message
    silenced = {o.id for o in ws.objectives if "ALN" in o.ignore_rules}
    assert not any(f.subject in silenced and f.code.startswith("ALN") for f in found)
