"""Time as data: dated change, confidence trend, the Theil-Sen forecast and "What changed"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from okrsync.charts.series import Point
from okrsync.evaluation import ScoringSettings
from okrsync.model import CheckIn, Cycle, KeyResult, Objective, Workspace
from okrsync.render import render_markdown
from okrsync.render.html import render_html
from okrsync.report import review_workspace
from okrsync.review_build import build_cycle_reviews
from okrsync.trends import (
    MIN_FORECAST_POINTS,
    ChangeItem,
    CheckInNote,
    DatedChange,
    History,
    change_since,
    confidence_direction,
    evaluate_over_time,
    forecast,
    theil_sen,
    thinned,
    week_start,
    what_changed,
)

CYCLE = Cycle(id="q4", name="Q4 2026", start=date(2026, 10, 1), end=date(2026, 12, 31))
AT = date(2026, 12, 3)  # a Thursday; its week starts on Monday 30 November


def day(n: int) -> date:
    return CYCLE.start + timedelta(days=n)


def when(d: date, hour: int = 9) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC)


def test_the_week_starts_on_monday() -> None:
    assert week_start(date(2026, 11, 30)) == date(2026, 11, 30)
    assert week_start(AT) == date(2026, 11, 30)
    assert week_start(date(2026, 12, 6)) == date(2026, 11, 30)  # Sunday


def test_change_since_a_day_runs_from_the_last_score_before_it() -> None:
    points = [Point(date(2026, 11, 20), 0.2), Point(date(2026, 11, 27), 0.3)]
    found = change_since([*points, Point(date(2026, 12, 1), 0.48)], 0.48, date(2026, 11, 30))
    assert found == DatedChange(delta=0.18, since=date(2026, 11, 30))


def test_change_since_runs_from_the_first_score_when_none_is_earlier() -> None:
    points = [Point(date(2026, 12, 1), 0.2), Point(date(2026, 12, 3), 0.5)]
    assert change_since(points, 0.5, date(2026, 11, 30)) == DatedChange(
        delta=0.3, since=date(2026, 12, 1)
    )


def test_no_change_without_an_earlier_score() -> None:
    assert change_since([Point(AT, 0.4)], 0.4, date(2026, 11, 30)) is None
    assert change_since([], 0.4, date(2026, 11, 30)) is None
    assert change_since([Point(day(1), 0.1), Point(AT, 0.4)], None, date(2026, 11, 30)) is None


def test_theil_sen_recovers_a_line_and_shrugs_off_an_outlier() -> None:
    xs = [0.0, 7.0, 14.0, 21.0, 28.0]
    assert theil_sen(xs, [0.1 + 0.01 * x for x in xs]) == pytest.approx((0.01, 0.1))
    ys = [0.1 + 0.01 * x for x in xs]
    ys[2] = 0.95  # one check-in typed wrong
    slope, intercept = theil_sen(xs, ys) or (0.0, 0.0)
    assert slope == pytest.approx(0.01)
    assert intercept == pytest.approx(0.1)
    assert theil_sen([3.0, 3.0], [0.1, 0.2]) is None


def test_forecast_needs_three_days_and_a_running_cycle() -> None:
    two = [Point(day(0), 0.0), Point(day(30), 0.3)]
    assert forecast(two, CYCLE, day(31)) is None
    three = [*two, Point(day(60), 0.6)]
    # 0.01 a day over the 91-day cycle (day 0 to day 91).
    assert forecast(three, CYCLE, day(61)) == pytest.approx(0.91)
    assert forecast(three, CYCLE, date(2027, 1, 5)) is None  # the cycle is over
    assert forecast(three, None, day(61)) is None
    assert MIN_FORECAST_POINTS == 3


def test_forecast_is_clamped_to_the_score_range() -> None:
    fast = [Point(day(0), 0.0), Point(day(10), 0.5), Point(day(20), 1.0)]
    assert forecast(fast, CYCLE, day(20)) == 1.0
    falling = [Point(day(0), 0.9), Point(day(10), 0.5), Point(day(20), 0.1)]
    assert forecast(falling, CYCLE, day(20)) == 0.0


def test_forecast_leaves_out_scores_from_before_the_cycle() -> None:
    points = [Point(date(2026, 9, 1), 0.9), Point(day(0), 0.0), Point(day(30), 0.3)]
    assert forecast(points, CYCLE, day(31)) is None


def test_thinning_keeps_the_ends_and_the_count() -> None:
    points = [Point(day(i), i / 90) for i in range(91)]
    kept = thinned(points, 10)
    assert len(kept) == 10
    assert kept[0] == points[0] and kept[-1] == points[-1]
    assert thinned(points[:5], 10) == points[:5]


def test_confidence_direction() -> None:
    rising = [Point(day(0), 0.5), Point(day(30), 0.6), Point(day(60), 0.7)]
    falling = [Point(day(0), 0.8), Point(day(30), 0.6), Point(day(60), 0.3)]
    steady = [Point(day(0), 0.7), Point(day(30), 0.7), Point(day(60), 0.71)]
    assert confidence_direction(rising, CYCLE, day(61)) == "rising"
    assert confidence_direction(falling, CYCLE, day(61)) == "falling"
    assert confidence_direction(steady, CYCLE, day(61)) == "steady"
    assert confidence_direction(rising[:2], CYCLE, day(61)) is None


def _workspace(
    check_ins: tuple[CheckIn, ...], *, current: float = 60, confidence: float = 0.4
) -> Workspace:
    objective = Objective(id="o", title="Grow revenue", cycle="q4", kind="committed")
    kr = KeyResult(
        id="kr",
        objective="o",
        title="Close deals",
        start=0,
        target=100,
        current=current,
        confidence=confidence,
    )
    other = KeyResult(id="kr2", objective="o", title="Hire", start=0, target=10, current=1)
    return Workspace(
        cycles=(CYCLE,),
        objectives=(objective,),
        key_results=(kr, other),
        check_ins=check_ins,
    )


HISTORY = (
    CheckIn(key_result="kr", at=when(date(2026, 11, 2)), value=20, confidence=0.8),
    CheckIn(key_result="kr", at=when(date(2026, 11, 16)), value=30, confidence=0.7),
    CheckIn(key_result="kr", at=when(date(2026, 11, 27)), value=42, confidence=0.6),
    CheckIn(
        key_result="kr",
        at=when(date(2026, 12, 1)),
        value=60,
        confidence=0.4,
        note="Two deals signed early",
        who="Ana",
    ),
    CheckIn(key_result="kr2", at=when(date(2026, 11, 2)), value=1),
)


def test_key_result_trend_from_check_ins() -> None:
    ws = _workspace(HISTORY)
    history = History(ws)
    found = history.key_result_trend(ws.key_results[0], 0.6, CYCLE, AT)
    assert found.week == DatedChange(delta=0.18, since=date(2026, 11, 30))
    assert found.cycle is not None and found.cycle.since == date(2026, 11, 2)
    assert found.cycle.delta == pytest.approx(0.4)
    assert found.confidence == 0.4
    assert found.confidence_week == DatedChange(delta=-0.2, since=date(2026, 11, 30))
    assert found.confidence_trend == "falling"
    assert found.forecast is not None and 0.6 < found.forecast <= 1.0
    assert found.points == 4
    notes = history.notes("kr", date(2026, 11, 30), AT)
    assert notes == (CheckInNote(at=date(2026, 12, 1), who="Ana", note="Two deals signed early"),)


def test_review_shows_what_changed_with_notes_in_every_renderer() -> None:
    ws = _workspace(HISTORY)
    review = review_workspace(ws, at=AT, generated_at=when(AT))
    (cycle_review,) = build_cycle_reviews(review)
    assert cycle_review.week_start == date(2026, 11, 30)
    (item,) = cycle_review.what_changed  # the other key result did not move
    assert item.title == "Close deals" and item.objective_title == "Grow revenue"
    assert item.change is not None and item.change.delta == pytest.approx(0.18)
    row = cycle_review.objectives[0]
    assert row.trend.week is not None and row.trend.week.since == date(2026, 11, 30)
    markdown = render_markdown(review)
    assert "## What changed since Mon, Nov 30" in markdown
    assert "+0.18 since Mon, Nov 30" in markdown
    assert "Tue, Dec 1, Ana: Two deals signed early" in markdown
    html = render_html(review)
    assert "What changed since Mon, Nov 30" in html
    assert "Two deals signed early" in html


def test_what_changed_orders_by_size_and_keeps_noted_items() -> None:
    def item(name: str, delta: float | None, notes: tuple[CheckInNote, ...] = ()) -> ChangeItem:
        change = None if delta is None else DatedChange(delta=delta, since=AT)
        return ChangeItem(
            key_result_id=name,
            title=name,
            objective_id="o",
            objective_title="O",
            change=change,
            score=0.5,
            notes=notes,
        )

    note = (CheckInNote(at=AT, note="blocked on legal"),)
    found = what_changed(
        [item("small", 0.05), item("big", -0.3), item("noise", 0.001), item("quiet", None, note)]
    )
    assert [i.title for i in found] == ["big", "small", "quiet"]
    assert len(what_changed([item(str(n), 0.1 * (n + 1)) for n in range(20)], 5)) == 5


def test_health_from_the_forecast_is_off_by_default() -> None:
    # On pace today (0.6 of 0.67 expected) but stalled for three weeks: the forecast is low.
    stalled = (
        CheckIn(key_result="kr", at=when(day(0)), value=0),
        CheckIn(key_result="kr", at=when(day(30)), value=55),
        CheckIn(key_result="kr", at=when(day(45)), value=58),
        CheckIn(key_result="kr", at=when(day(55)), value=60),
        CheckIn(key_result="kr", at=when(day(62)), value=60),
        CheckIn(key_result="kr", at=when(day(62)), value=60),
        CheckIn(key_result="kr2", at=when(day(0)), value=0),
        CheckIn(key_result="kr2", at=when(day(30)), value=1),
        CheckIn(key_result="kr2", at=when(day(60)), value=1),
    )
    ws = _workspace(stalled)
    at = day(62)
    plain = evaluate_over_time(ws, at, ScoringSettings())
    judged = evaluate_over_time(ws, at, ScoringSettings(health_from_forecast=True))
    assert plain.key_results["kr"].health == "on_track"
    assert judged.key_results["kr"].health in ("at_risk", "off_track")
    assert judged.key_results["kr"].score == plain.key_results["kr"].score
    assert judged.objectives["o"].health == "off_track"


def test_a_stalled_key_result_is_forecast_from_its_stall_not_its_early_pace() -> None:
    # Rose 0.1 a week for five weeks, then nothing for four: values are recorded only when
    # they change, so the last one must hold until today or the fit ignores the stall.
    rising = [Point(day(7 * week), 0.1 * week) for week in range(1, 6)]
    at = day(7 * 9)
    early_pace = forecast(rising, CYCLE, rising[-1].at)
    stalled = forecast(rising, CYCLE, at, current=0.5)
    assert early_pace is not None and stalled is not None
    assert early_pace == 1.0
    # The last six weeks read weekly: two rising, four held at 0.5. The forecast stays near
    # the stall instead of promising the early pace.
    assert 0.5 <= stalled <= 0.6
    # Today's score counts even when the history does not hold it yet: a fall to 0.2 today
    # pulls the forecast below the stall's.
    fallen = forecast(rising, CYCLE, at, current=0.2)
    assert fallen is not None and fallen < stalled
    # A score that moved today is one point, not two.
    assert forecast(rising[:2], CYCLE, rising[1].at, current=0.2) is None


def test_an_objective_line_counts_milestones_with_their_current_score() -> None:
    objective = Objective(id="o", title="EU region", cycle="q4", kind="aspirational")
    moved = KeyResult(id="kr", objective="o", title="Move customers", start=0, target=30)
    milestone = KeyResult(id="m", objective="o", title="Open the region", kind="milestone")
    ws = Workspace(
        cycles=(CYCLE,),
        objectives=(objective,),
        key_results=(moved, milestone),
        check_ins=tuple(
            CheckIn(key_result="kr", at=when(day(7 * w)), value=v)
            for w, v in ((1, 3), (2, 6), (3, 9))
        ),
    )
    review = review_workspace(ws, at=day(40), generated_at=when(day(40)))
    (cycle_review,) = build_cycle_reviews(review)
    (row,) = cycle_review.objectives
    assert row.result.score is not None
    # The milestone (not done) counts with its score of 0 on every day: the line ends at the
    # objective's score instead of the moving key result's alone, and this week shows no move.
    points = History(ws).objective_points(ws.key_results, review.evaluation.key_results)
    assert points[-1].score == pytest.approx(row.result.score)
    assert points[-1].score == pytest.approx(0.15)
    assert row.trend.week is None or abs(row.trend.week.delta) < 0.005
    assert row.trend.forecast is not None and row.trend.forecast < 0.5
