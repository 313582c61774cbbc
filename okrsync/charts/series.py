"""What the charts plot, as pure functions of the workspace and the recorded check-ins.

okrsync records every key result's value at every sync in which it changed (the state store's
history, `okrsync.history.new_observations`). A key result's score at a recorded value is the
score the scoring rules give it with that value as current; the chart keeps the last score of
each day. An objective's score on a day is the weighted mean (`scoring.weighted_mean`) of the
latest scores its key results had by then (key results with no value yet do not count); a
cycle's is the plain mean of its objectives' scores. The expected pace is the straight line
from 0 at the cycle's start to the objective's bar at its end (committed 1.0, aspirational 0.7;
the cycle chart runs to 1.0), the line the health rules measure the gap against.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from okrsync.evaluation import ScoringSettings
from okrsync.model import CheckIn, Cycle, KeyResult, Objective, Workspace
from okrsync.scoring import clamp_score, infer_kind, kr_progress, objective_bar, weighted_mean


@dataclass(frozen=True, slots=True)
class Point:
    at: date
    score: float


@dataclass(frozen=True, slots=True)
class Pace:
    """The expected-pace line: 0 at `start`, `target` at `end`."""

    start: date
    end: date
    target: float


@dataclass(frozen=True, slots=True)
class Series:
    """One chart's data: a name, the dated scores (oldest first) and the pace line."""

    name: str
    points: tuple[Point, ...]
    pace: Pace | None = None


def key_result_points(kr: KeyResult, check_ins: Sequence[CheckIn]) -> tuple[Point, ...]:
    """The key result's score after each recorded value, the last one of each day."""
    kind = infer_kind(kr)
    daily: dict[date, float] = {}
    for index, check_in in enumerate(check_ins):
        if check_in.value is None:
            continue
        as_then = kr.model_copy(update={"current": check_in.value, "done": None})
        found = kr_progress(as_then, kind, check_ins[: index + 1])
        if found.progress is not None:
            daily[check_in.at.date()] = clamp_score(found.progress)
    return tuple(Point(day, score) for day, score in sorted(daily.items()))


def _latest_on_each_day(
    lines: Sequence[tuple[tuple[Point, ...], float]],
) -> tuple[Point, ...]:
    """The weighted mean of several lines on every day one of them moves, each line counted
    with its latest score so far (a line with no point yet does not count)."""
    days = sorted({point.at for points, _ in lines for point in points})
    merged: list[Point] = []
    for day in days:
        latest = [
            (next(p.score for p in reversed(points) if p.at <= day), weight)
            for points, weight in lines
            if points and points[0].at <= day
        ]
        mean = weighted_mean(latest)
        if mean is not None:
            merged.append(Point(day, mean))
    return tuple(merged)


def with_unrecorded(
    lines: Sequence[tuple[tuple[Point, ...], float]], scores: Sequence[float | None]
) -> list[tuple[tuple[Point, ...], float]]:
    """An objective's key-result lines, where a key result with no recorded value (a milestone:
    its done date is not recorded) is a flat line at its current score (`scores`, in the same
    order) from the first recorded day, so the objective's line ends at its score."""
    recorded = [points for points, _ in lines if points]
    if not recorded:
        return []
    start = min(points[0].at for points in recorded)
    full: list[tuple[tuple[Point, ...], float]] = []
    for (points, weight), score in zip(lines, scores, strict=True):
        if points:
            full.append((points, weight))
        elif score is not None:
            full.append(((Point(start, score),), weight))
    return full


def merged_points(lines: Sequence[tuple[tuple[Point, ...], float]]) -> tuple[Point, ...]:
    """Several (points, weight) lines as one: their weighted mean on every day one moves (an
    objective from its key results; `okrsync.trends` reads objectives this way too)."""
    return _latest_on_each_day(lines)


def _cycle_of(workspace: Workspace, cycle_id: str | None) -> Cycle | None:
    return next((c for c in workspace.cycles if c.id == cycle_id), None)


def objective_series(
    workspace: Workspace,
    objective: Objective,
    history: Mapping[str, Sequence[CheckIn]],
    settings: ScoringSettings,
) -> Series:
    """Progress over time of one objective against its expected pace (`history`: check-ins
    per key result, as `okrsync.model.check_ins_by_key_result` groups them)."""
    return objective_series_of(
        objective,
        [kr for kr in workspace.key_results if kr.objective == objective.id],
        _cycle_of(workspace, objective.cycle),
        history,
        settings,
    )


def objective_series_of(
    objective: Objective,
    key_results: Iterable[KeyResult],
    cycle: Cycle | None,
    history: Mapping[str, Sequence[CheckIn]],
    settings: ScoringSettings,
    scores: Mapping[str, float | None] | None = None,
) -> Series:
    """`objective_series` from the objective's own key results and cycle (no workspace scan:
    a review holds them already); with `scores` (key result id -> current score), key results
    without a recorded value count as `with_unrecorded` says."""
    krs = list(key_results)
    lines = [(key_result_points(kr, history.get(kr.id, ())), kr.weight) for kr in krs]
    if scores is not None:
        lines = with_unrecorded(lines, [scores.get(kr.id) for kr in krs])
    pace = (
        Pace(cycle.start, cycle.end, objective_bar(objective, settings))
        if cycle is not None
        else None
    )
    return Series(objective.title, _latest_on_each_day(lines), pace)


def mean_series(name: str, lines: Iterable[Series], cycle: Cycle | None) -> Series:
    """A burn-up: the plain mean of several objectives' lines over time, against the pace to
    a full score over `cycle`."""
    points = _latest_on_each_day([(line.points, 1.0) for line in lines])
    return Series(name, points, Pace(cycle.start, cycle.end, 1.0) if cycle is not None else None)


def cycle_series(
    workspace: Workspace,
    cycle: Cycle,
    history: Mapping[str, Sequence[CheckIn]],
    settings: ScoringSettings,
) -> Series:
    """The burn-up of a cycle: the mean score of its objectives over time, against the pace
    to a full score."""
    krs = workspace.key_results_by_objective()
    lines = [
        objective_series_of(objective, krs.get(objective.id, []), cycle, history, settings)
        for objective in workspace.objectives
        if objective.cycle == cycle.id
    ]
    return mean_series(cycle.name, lines, cycle)


def key_result_series(kr: KeyResult, history: Mapping[str, Sequence[CheckIn]]) -> Series:
    """A key result's scores over time (the sparkline's data; no pace line)."""
    return Series(kr.title, key_result_points(kr, history.get(kr.id, ())))
