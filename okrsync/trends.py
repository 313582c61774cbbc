"""Time as data: dated change, the confidence trend and the end-of-cycle forecast (pure).

Everything here reads the dated scores of `okrsync.charts.series` (a key result's score after
each recorded value, the last of each day; an objective's weighted mean of its key results'
latest scores) and the review's date:

- **Dated change.** The change of a score since a day is the current score minus the last
  score recorded *before* that day; when nothing was recorded before it, the change runs from
  the first recorded day instead, and says so ("+0.18 since Tue 1 Dec"). With no earlier
  score there is no change. The week starts on Monday (`week_start`); the cycle at its start.
- **Confidence.** The current confidence, its change since the start of the week (the same
  rule) and its trend over the cycle: the sign of the robust slope (below) of the recorded
  confidences, "steady" when it would move less than `STEADY_CONFIDENCE` over the whole cycle.
- **Forecast.** The end-of-cycle score, extrapolated from the dated scores inside the cycle
  with the Theil-Sen estimator (`theil_sen`): the slope is the median of the slopes between
  every two days, the intercept the median of `score - slope * day`, so one odd check-in
  moves the forecast little. A value is recorded only when it changes, so the scores are
  first held until today (today's score is the last point) and read on every recorded day and
  every seventh day back from today, on the straight line between two recorded days: four
  quiet weeks since the last change weigh as four points, not none. The fit reads the last
  `FIT_DAYS` (six weeks), the pace kept now rather than in week one. It needs at least
  `MIN_FORECAST_POINTS` days with a score (today's included), is clamped to [0, 1], and
  exists only while the cycle runs. More than `MAX_FIT_POINTS` samples are thinned evenly
  (first and last kept) so the pairwise fit stays cheap.
- **Objectives.** An objective's dated scores are the weighted mean of its key results'
  (`History.objective_points`); a key result with no recorded value (a milestone: its done
  date is not recorded) counts with its current score on every day, so the line, its change
  and its forecast agree with the objective's score.
- **Health from the forecast** (`[scoring] health_from_forecast`, off by default): while a
  cycle runs, an item with a forecast is judged by the gap between its bar and its forecast
  (the pace thresholds), instead of by the gap to today's expected pace.
- **What changed.** The largest moves of the week per key result, with the check-in notes
  people wrote during the week.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Final, Literal

from pydantic import Field

from okrsync.charts.series import Point, key_result_points, merged_points, with_unrecorded
from okrsync.evaluation import Evaluation, KeyResultScore, ScoringSettings
from okrsync.model import CheckIn, Cycle, Frozen, KeyResult, Workspace
from okrsync.scoring import clamp_score, evaluate, objective_bar, pace_health

MIN_FORECAST_POINTS: Final = 3
MAX_FIT_POINTS: Final = 40
SAMPLE_DAYS: Final = 7
FIT_DAYS: Final = 42
"""The forecast fits the last six weeks: the pace a key result keeps now, not in week one."""
STEADY_CONFIDENCE: Final = 0.05
WHAT_CHANGED_ITEMS: Final = 10
NOTES_PER_ITEM: Final = 3
NOISE: Final = 0.005
"""A move smaller than this (half a hundredth) is no move: scores are shown with two decimals."""

ConfidenceDirection = Literal["rising", "falling", "steady"]


class DatedChange(Frozen):
    """A change of a score or a confidence, and the day it is measured from."""

    delta: float
    since: date


class Trend(Frozen):
    """What time says about one key result or objective on the review's day."""

    week: DatedChange | None = Field(default=None, description="Since the start of the week.")
    cycle: DatedChange | None = Field(default=None, description="Since the cycle started.")
    confidence: float | None = None
    confidence_week: DatedChange | None = None
    confidence_trend: ConfidenceDirection | None = None
    forecast: float | None = Field(default=None, description="End-of-cycle score, clamped.")
    points: int = Field(default=0, description="Days with a recorded score.")


class CheckInNote(Frozen):
    """A note someone wrote with a check-in."""

    at: date
    who: str = ""
    note: str


class ChangeItem(Frozen):
    """One line of "What changed": a key result's move this week, with its notes."""

    key_result_id: str
    title: str
    objective_id: str
    objective_title: str
    change: DatedChange | None
    score: float | None
    confidence_week: DatedChange | None = None
    notes: tuple[CheckInNote, ...] = ()


def week_start(day: date) -> date:
    """The Monday of `day`'s week (the day itself on a Monday)."""
    return day - timedelta(days=day.weekday())


def change_since(points: Sequence[Point], current: float | None, day: date) -> DatedChange | None:
    """`current` minus the last score before `day`; from the first recorded day when none is
    earlier (and that day is before the last one); None without an earlier score."""
    if current is None or not points:
        return None
    before = [p for p in points if p.at < day]
    if before:
        base = before[-1]
        since = day
    elif points[0].at < points[-1].at:
        base = points[0]
        since = base.at
    else:
        return None
    return DatedChange(delta=_tidy(current - base.score), since=since)


def _tidy(value: float) -> float:
    """Float noise off a difference of scores (0.30000000000000004 - 0.1 is 0.2)."""
    return round(value, 9) + 0.0


def thinned(points: Sequence[Point], limit: int = MAX_FIT_POINTS) -> list[Point]:
    """At most `limit` points, evenly spread, the first and the last always kept."""
    if len(points) <= limit:
        return list(points)
    step = (len(points) - 1) / (limit - 1)
    return [points[round(i * step)] for i in range(limit)]


def theil_sen(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float] | None:
    """(slope, intercept) of the Theil-Sen line through the points; None for fewer than two
    distinct x. The slope is the median of the pairwise slopes, the intercept the median of
    y - slope * x."""
    slopes = [
        (ys[j] - ys[i]) / (xs[j] - xs[i])
        for i in range(len(xs))
        for j in range(i + 1, len(xs))
        if xs[j] != xs[i]
    ]
    if not slopes:
        return None
    slope = statistics.median(slopes)
    intercept = statistics.median(y - slope * x for x, y in zip(xs, ys, strict=True))
    return slope, intercept


def _in_cycle(points: Sequence[Point], cycle: Cycle, at: date) -> list[Point]:
    return [p for p in points if cycle.start <= p.at <= min(at, cycle.end)]


def held_until(points: Sequence[Point], current: float | None, at: date) -> list[Point]:
    """The dated scores with today's score as the last point (`current`; the points as they
    are without it)."""
    if current is None:
        return list(points)
    return [*(p for p in points if p.at < at), Point(at, current)]


def held_samples(points: Sequence[Point], at: date) -> list[Point]:
    """The scores read on every recorded day and on every seventh day back from `at`: between
    two recorded days on the straight line joining them (nobody looked in between), and from
    the last one on as it holds until `at` (okrsync saw it unchanged). A value is recorded only
    when it changes, so a key result that stalled for four weeks would otherwise be fitted on
    its early moves alone."""
    if not points:
        return []
    days = {p.at for p in points}
    day = at
    while day > points[0].at:
        days.add(day)
        day -= timedelta(days=SAMPLE_DAYS)
    samples: list[Point] = []
    index = 0
    for day in sorted(days):
        while index + 1 < len(points) and points[index + 1].at <= day:
            index += 1
        here = points[index]
        if index + 1 < len(points) and here.at < day:
            after = points[index + 1]
            share = (day - here.at).days / (after.at - here.at).days
            samples.append(Point(day, here.score + share * (after.score - here.score)))
        else:
            samples.append(Point(day, here.score))
    return samples


def forecast(
    points: Sequence[Point], cycle: Cycle | None, at: date, current: float | None = None
) -> float | None:
    """The score the Theil-Sen line through the cycle's dated scores reaches at the cycle's
    end, clamped to [0, 1]. The scores are held until today at `current` (`held_until`) and
    read as a step line (`held_samples`), so stalls weigh as much as moves. None with fewer
    than `MIN_FORECAST_POINTS` days with a score, or outside the running cycle."""
    if cycle is None or not cycle.start <= at <= cycle.end:
        return None
    inside = _in_cycle(held_until(points, current, at), cycle, at)
    if len(inside) < MIN_FORECAST_POINTS:
        return None
    recent = at - timedelta(days=FIT_DAYS)
    samples = thinned([p for p in held_samples(inside, at) if p.at >= recent])
    fit = theil_sen([float((p.at - cycle.start).days) for p in samples], [p.score for p in samples])
    if fit is None:
        return None
    slope, intercept = fit
    end = intercept + slope * (cycle.end - cycle.start).days
    return clamp_score(end) if math.isfinite(end) else None


def confidence_points(check_ins: Sequence[CheckIn]) -> list[Point]:
    """The recorded confidences, the last of each day, oldest first."""
    daily: dict[date, float] = {}
    for check_in in check_ins:
        if check_in.confidence is not None:
            daily[check_in.at.date()] = check_in.confidence
    return [Point(day, value) for day, value in sorted(daily.items())]


def confidence_direction(
    points: Sequence[Point], cycle: Cycle | None, at: date
) -> ConfidenceDirection | None:
    """Rising, falling or steady over the cycle (the Theil-Sen slope of at least
    `MIN_FORECAST_POINTS` days); None with fewer."""
    if cycle is None:
        return None
    inside = thinned(_in_cycle(points, cycle, at))
    if len(inside) < MIN_FORECAST_POINTS:
        return None
    fit = theil_sen([float((p.at - cycle.start).days) for p in inside], [p.score for p in inside])
    if fit is None:
        return None
    move = fit[0] * cycle.days
    if abs(move) < STEADY_CONFIDENCE:
        return "steady"
    return "rising" if move > 0 else "falling"


def trend(
    points: Sequence[Point],
    current: float | None,
    cycle: Cycle | None,
    at: date,
    confidences: Sequence[Point] = (),
    confidence: float | None = None,
) -> Trend:
    """The trend of one key result or objective: `points` its dated scores, `current` its
    score today; `confidences` and `confidence` only for a key result."""
    start = week_start(at)
    return Trend(
        week=change_since(points, current, start),
        cycle=change_since(points, current, cycle.start) if cycle is not None else None,
        confidence=confidence,
        confidence_week=change_since(confidences, confidence, start),
        confidence_trend=confidence_direction(confidences, cycle, at),
        forecast=forecast(points, cycle, at, current),
        points=len(points),
    )


class History:
    """A workspace's check-ins turned into dated scores, computed once per key result."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.check_ins = workspace.check_ins_by_key_result()
        self._kr_points: dict[str, tuple[Point, ...]] = {}

    def key_result_points(self, kr: KeyResult) -> tuple[Point, ...]:
        found = self._kr_points.get(kr.id)
        if found is None:
            found = key_result_points(kr, self.check_ins.get(kr.id, ()))
            self._kr_points[kr.id] = found
        return found

    def objective_points(
        self, key_results: Iterable[KeyResult], results: Mapping[str, KeyResultScore]
    ) -> tuple[Point, ...]:
        """The objective's weighted mean score on each day, from the first day on which every
        key result with a history has a score (a mean of some key results only is not the
        objective's score, and would read as a jump when the others join). A key result with
        no recorded value (a milestone: its done date is not recorded) counts with its
        current score (`results`) on every day, so the line ends at the objective's score."""
        krs = list(key_results)
        lines = [(self.key_result_points(kr), kr.weight) for kr in krs]
        with_history = [points for points, _ in lines if points]
        if not with_history:
            return ()
        first = max(points[0].at for points in with_history)
        full = with_unrecorded(lines, [_score(results.get(kr.id)) for kr in krs])
        return tuple(p for p in merged_points(full) if p.at >= first)

    def key_result_trend(
        self, kr: KeyResult, score: float | None, cycle: Cycle | None, at: date
    ) -> Trend:
        confidences = confidence_points(self.check_ins.get(kr.id, ()))
        confidence = kr.confidence if kr.confidence is not None else _last(confidences)
        return trend(self.key_result_points(kr), score, cycle, at, confidences, confidence)

    def notes(self, kr_id: str, since: date, at: date) -> tuple[CheckInNote, ...]:
        """The notes written with the key result's check-ins from `since` to `at`, newest
        first, at most `NOTES_PER_ITEM`."""
        found = [
            CheckInNote(at=c.at.date(), who=c.who, note=" ".join(c.note.split()))
            for c in reversed(self.check_ins.get(kr_id, ()))
            if c.note.strip() and since <= c.at.date() <= at
        ]
        return tuple(dict.fromkeys(found))[:NOTES_PER_ITEM]


def _score(result: KeyResultScore | None) -> float | None:
    return None if result is None else result.score


def _last(points: Sequence[Point]) -> float | None:
    return points[-1].score if points else None


def what_changed(
    items: Iterable[ChangeItem], limit: int = WHAT_CHANGED_ITEMS
) -> tuple[ChangeItem, ...]:
    """The largest moves first (a move under `NOISE` is none), then key results that only have
    notes; at most `limit`."""
    moved: list[ChangeItem] = []
    noted: list[ChangeItem] = []
    for item in items:
        if item.change is not None and abs(item.change.delta) >= NOISE:
            moved.append(item)
        elif item.notes:
            noted.append(item)
    moved.sort(key=lambda i: (-abs(i.change.delta if i.change else 0.0), i.title.casefold()))
    noted.sort(key=lambda i: (i.title.casefold(), i.key_result_id))
    return tuple([*moved, *noted][:limit])


def with_forecast_health(
    workspace: Workspace, evaluation: Evaluation, settings: ScoringSettings
) -> Evaluation:
    """The evaluation with health judged by the forecast while a cycle runs: the gap between
    an item's bar and its forecast, on the pace thresholds. Items without a forecast, and
    cycles that are not running, keep their health."""
    history = History(workspace)
    objectives = workspace.objective_by_id()
    cycles = workspace.cycle_by_id()
    at = evaluation.at
    key_results = dict(evaluation.key_results)
    for kr in workspace.key_results:
        result = key_results.get(kr.id)
        objective = objectives.get(kr.objective)
        cycle = cycles.get(objective.cycle or "") if objective is not None else None
        if result is None or not _judged_on_pace(result.health):
            continue
        ahead = forecast(history.key_result_points(kr), cycle, at, result.score)
        if ahead is not None:
            bar = objective_bar(objective, settings)
            key_results[kr.id] = result._replace(health=pace_health(bar - ahead, settings))
    scored = dict(evaluation.objectives)
    by_objective = workspace.key_results_by_objective()
    for objective_id, own in evaluation.objectives.items():
        objective = objectives.get(objective_id)
        if objective is None or not _judged_on_pace(own.health):
            continue
        points = history.objective_points(
            by_objective.get(objective_id, ()), evaluation.key_results
        )
        ahead = forecast(points, cycles.get(objective.cycle or ""), at, own.score)
        if ahead is not None:
            scored[objective_id] = own._replace(health=pace_health(own.bar - ahead, settings))
    return Evaluation(
        at=at,
        settings=evaluation.settings,
        cycles=evaluation.cycles,
        objectives=scored,
        key_results=key_results,
    )


def evaluate_over_time(workspace: Workspace, at: date, settings: ScoringSettings) -> Evaluation:
    """`scoring.evaluate`, with health from the forecast when the settings ask for it."""
    evaluation = evaluate(workspace, at, settings)
    if settings.health_from_forecast:
        evaluation = with_forecast_health(workspace, evaluation, settings)
    return evaluation


def _judged_on_pace(health: str) -> bool:
    return health in ("on_track", "at_risk", "off_track")


def change_items(
    rows: Iterable[tuple[KeyResult, str, str, float | None, Trend]],
    history: History,
    at: date,
) -> list[ChangeItem]:
    """One candidate line per key result: (key result, objective id, objective title, score,
    trend) with the notes of its week's check-ins."""
    start = week_start(at)
    return [
        ChangeItem(
            key_result_id=kr.id,
            title=kr.title,
            objective_id=objective_id,
            objective_title=objective_title,
            change=found.week,
            score=score,
            confidence_week=found.confidence_week,
            notes=history.notes(kr.id, start, at),
        )
        for kr, objective_id, objective_title, score, found in rows
    ]
