"""The scoring arithmetic: key result progress, objective scores, roll-up, health and grades.

Everything here is pure: `evaluate(workspace, at, settings)` reads a `Workspace` and a date and
returns an `Evaluation`, with no clock and no I/O, so the numbers can be checked by hand. The
semantics are the defaults in DESIGN.md ("Scoring semantics") and issue 2:

- key result kinds `increase`, `decrease`, `at_least`, `at_most`, `milestone`; a missing kind is
  inferred from start and target;
- score = progress clamped to [0, 1], the unrounded value is kept and attainment above 100 % is
  reported separately; the grade is the score rounded half up to the grade step (0.1);
- objective score = weighted mean of its key results, or rolled up along the alignment graph;
- health during a cycle compares the score with the pace (elapsed share x bar), after the cycle
  it grades the result.

The small public functions below are the building blocks of `evaluate` and are tested on their
own.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from math import floor, fsum, isfinite
from typing import Final, NamedTuple

from okrsync.alignment_graph import strongly_connected_components
from okrsync.evaluation import (
    CycleStatus,
    Evaluation,
    Health,
    KeyResultScore,
    ObjectiveScore,
    ScoringSettings,
    Unscored,
)
from okrsync.gc_pause import collector_paused
from okrsync.model import CheckIn, Cycle, KeyResult, KeyResultKind, Objective, Workspace

# Float noise (0.1 + 0.2 = 0.30000000000000004) is removed at this many decimals before a value
# is compared with a threshold or rounded to a grade, so that 0.25 -> 0.3 and a gap of 0.1 is
# "on track" however the float arithmetic came out.
_NOISE_DECIMALS = 9
_QUANTUM = Decimal(1).scaleb(-_NOISE_DECIMALS)
_LARGE = Decimal(10) ** 15
_TIE_MARGIN = 1e-6
_NEAR_MARGIN = 1e-8
"""Values further apart than this compare the same with or without `near` (which moves a value
by at most half of 1e-9), so only values this close to a threshold are rounded first."""

DEFAULT_SETTINGS: Final = ScoringSettings()
"""The defaults of DESIGN.md; immutable, so safe as an argument default."""


class KeyResultProgress(NamedTuple):
    """What `kr_progress` found for one key result: the raw progress or why there is none."""

    progress: float | None
    band_share: float | None = None
    unscored: Unscored | None = None


def denoise(value: float) -> Decimal:
    """The value as a Decimal with float noise beyond `_NOISE_DECIMALS` places removed.

    Values too large to carry that many decimals (and infinities) are returned as they are.
    """
    exact = Decimal(repr(value))
    if not exact.is_finite() or abs(exact) >= _LARGE:
        return exact
    return exact.quantize(_QUANTUM, ROUND_HALF_UP)


def near(value: float) -> float:
    """`value` rounded to `_NOISE_DECIMALS` places, for comparisons that ignore float noise."""
    return round(value, _NOISE_DECIMALS)


def _near_either(value: float, first: float, second: float) -> float:
    """`value` as it compares with two thresholds (already `near`): rounded only when it lies
    within `_NEAR_MARGIN` of one of them, since a value further away compares the same either
    way and `round(value, 9)` costs more than all the rest of judging one key result."""
    if abs(value - first) <= _NEAR_MARGIN or abs(value - second) <= _NEAR_MARGIN:
        return near(value)
    return value


def finite(value: float | None) -> float | None:
    """`value` when it is a finite number, else None: NaN or infinity count as missing."""
    return value if value is not None and math.isfinite(value) else None


def infer_kind(kr: KeyResult) -> KeyResultKind | None:
    """The kind to score `kr` with: the mapped kind, else inferred from start and target.

    start < target is `increase`, start > target is `decrease` (a missing start counts as 0,
    as it does for scoring an increase); with no numbers at all but `done` set, `milestone`.
    start == target stays `increase`: the scorer reports it as `start_equals_target`. None when
    there is nothing to infer from.
    """
    if kr.kind is not None:
        return kr.kind
    return _inferred_kind(finite(kr.target), finite(kr.start), finite(kr.current), kr.done)


def _inferred_kind(
    target: float | None, start: float | None, current: float | None, done: bool | None
) -> KeyResultKind | None:
    """`infer_kind` from the key result's numbers, each already `finite`."""
    if target is not None:
        return "decrease" if (0.0 if start is None else start) > target else "increase"
    if done is not None and start is None and current is None:
        return "milestone"
    return None


def _latest_check_in(check_ins: Sequence[CheckIn]) -> float | None:
    """The newest finite value of `check_ins` (oldest first), if any."""
    for ci in reversed(check_ins):
        value = ci.value
        if value is not None and isfinite(value):
            return value
    return None


def holds(kind: KeyResultKind, value: float, target: float) -> bool:
    """Whether `value` keeps an at_least / at_most band whose limit is `target`."""
    if abs(value - target) <= _NEAR_MARGIN:  # else rounding away float noise changes nothing
        value, target = near(value), near(target)
    if kind == "at_least":
        return value >= target
    return value <= target


def kr_progress(
    kr: KeyResult, kind: KeyResultKind | None, check_ins: Sequence[CheckIn] = ()
) -> KeyResultProgress:
    """Unclamped progress of one key result scored as `kind`.

    `check_ins` are the key result's observed values, oldest first, already limited to the
    period that counts (see `evaluate`); they feed the latest value when `current` is missing
    and the band share of at_least / at_most key results. NaN and infinite numbers count as
    missing.
    """
    numbers = finite(kr.target), finite(kr.start), finite(kr.current)
    return KeyResultProgress(*_progress(kind, *numbers, kr.done, check_ins))


_Progress = tuple[float | None, float | None, Unscored | None]
"""(progress, band share, why unscored): `KeyResultProgress` as a plain tuple, which
`evaluate` makes 100 000 of without the cost of a named tuple's keyword constructor."""
_MISSING_TARGET: Final[_Progress] = (None, None, "missing_target")
_MISSING_CURRENT: Final[_Progress] = (None, None, "missing_current")
_DONE: Final[_Progress] = (1.0, None, None)
_NOT_DONE: Final[_Progress] = (0.0, None, None)


def _progress(
    kind: KeyResultKind | None,
    target: float | None,
    start: float | None,
    current: float | None,
    done: bool | None,
    check_ins: Sequence[CheckIn],
) -> _Progress:
    """`kr_progress`'s answer as a plain tuple, from the key result's numbers, each already
    `finite` (read once per key result: `evaluate` reads them for the kind too)."""
    if kind is None:
        return _MISSING_TARGET
    if kind == "milestone":
        if done is not None:
            return _DONE if done else _NOT_DONE
        if current is not None and target is not None:
            return _DONE if holds("at_least", current, target) else _NOT_DONE
        return _NOT_DONE
    if target is None:
        return _MISSING_TARGET
    if kind == "at_least" or kind == "at_most":
        latest = current if current is not None else _latest_check_in(check_ins)
        if latest is None:
            return _MISSING_CURRENT
        # The band share: of the finite check-in values and `current`, those that held. (A
        # loop, not comprehensions: for one or two values their setup costs more.)
        latest_held = holds(kind, latest, target)
        observed = held = 0
        if current is not None:
            observed, held = 1, int(latest_held)
        for ci in check_ins:
            value = ci.value
            if value is not None and isfinite(value):
                observed += 1
                held += holds(kind, value, target)
        return (1.0 if latest_held else 0.0, held / observed, None)
    if start is None:
        if kind == "decrease":
            return (None, None, "missing_start")
        start = 0.0
    if abs(start - target) <= _NEAR_MARGIN and near(start) == near(target):
        return (None, None, "start_equals_target")
    if current is None:
        current = _latest_check_in(check_ins)
        if current is None:
            return _MISSING_CURRENT
    if kind == "increase":
        progress = (current - start) / (target - start)
    else:
        progress = (start - current) / (start - target)
    if not isfinite(progress):  # only when the numbers overflow a float
        return _MISSING_CURRENT
    return (progress, None, None)


def clamp_score(progress: float) -> float:
    """Progress clamped to [0, 1]: the score OKR practice grades."""
    return min(1.0, max(0.0, progress))


def attainment_over(progress: float) -> float | None:
    """How far progress went past 1.0 (0.3 for 130 %), or None when it did not."""
    return progress - 1.0 if progress > 1.0 else None


def grade(score: float, step: float = 0.1) -> float:
    """`score` rounded half up to a multiple of `step`, exactly: 0.25 -> 0.3, 0.35 -> 0.4.

    Ties (a score halfway between two steps, up to float noise) are decided in Decimal
    arithmetic on the denoised value, which avoids the binary-float surprises of `round()`
    (0.2 for 0.25 and 0.3 for 0.35); anything clearly off a tie takes the nearest step, for
    which floats are exact enough. The result is the Decimal multiple of the step as a float,
    so grades compare equal to literals like 0.3.
    """
    return _grade_of(score, step, _step_multiples(step))


def _grade_of(score: float, step: float, multiples: tuple[float, ...]) -> float:
    """`grade(score, step)` with `multiples` = `_step_multiples(step)` at hand."""
    quotient = score / step
    if abs(quotient - floor(quotient) - 0.5) > _TIE_MARGIN:
        # Clearly not a tie: nearest-step rounding in floats is exact, and much faster.
        steps = floor(quotient + 0.5)
    else:
        steps = int((denoise(score) / Decimal(repr(step))).quantize(Decimal(1), ROUND_HALF_UP))
    return multiples[steps] if 0 <= steps < len(multiples) else _step_multiple(steps, step)


@functools.lru_cache(maxsize=1024)
def _step_multiple(steps: int, step: float) -> float:
    """`steps` times `step` computed in Decimal, as a float: 3 x 0.1 is 0.3, not
    0.30000000000000004. Scores lie in [0, 1], so a run needs about 1/step of these, each
    computed once.
    """
    return float(Decimal(steps) * Decimal(repr(step)))


@functools.lru_cache(maxsize=16)
def _step_multiples(step: float) -> tuple[float, ...]:
    """`_step_multiple` for every number of steps a score in [0, 1] can round to (at most 101,
    the finest step settings allow), computed once per step: a look-up by position costs less
    than the cached call."""
    most = min(floor(1 / step + 0.5), 100)
    return tuple(_step_multiple(steps, step) for steps in range(most + 1))


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Weighted mean of (value, weight) pairs, leaving out weight 0; None when nothing counts.

    `math.fsum` is correctly rounded, so the result does not depend on the order of the pairs.
    """
    counted = [(v, w) for v, w in pairs if w > 0]
    total = math.fsum(w for _, w in counted)
    if not counted or total <= 0:
        return None
    return math.fsum(v * w for v, w in counted) / total


def cycle_status(cycle: Cycle, at: date) -> CycleStatus:
    """Phase of `cycle` on `at` and the elapsed share (days since start / cycle days).

    The cycle's end date is inclusive: Q3 (2025-07-01..2025-09-30) has 92 days and on
    2025-08-15 the elapsed share is 45/92. Before the start the share is 0, after the end 1.
    """
    if at < cycle.start:
        return CycleStatus(id=cycle.id, phase="before", elapsed_share=0.0)
    if at > cycle.end:
        return CycleStatus(id=cycle.id, phase="after", elapsed_share=1.0)
    return CycleStatus(
        id=cycle.id, phase="during", elapsed_share=(at - cycle.start).days / cycle.days
    )


class Bands(NamedTuple):
    """The health thresholds of `ScoringSettings` with float noise removed once per evaluation,
    so that judging 100 000 results rounds each result's own number only."""

    on_track_gap: float
    at_risk_gap: float
    green_from: float
    yellow_from: float
    grade_step: float

    @classmethod
    def of(cls, settings: ScoringSettings) -> Bands:
        return cls(
            near(settings.on_track_gap),
            near(settings.at_risk_gap),
            near(settings.green_from),
            near(settings.yellow_from),
            settings.grade_step,
        )


def pace_health(gap: float, settings: ScoringSettings | Bands) -> Health:
    """Health during a cycle from the gap between the expected and the actual score."""
    return _pace(gap, settings if isinstance(settings, Bands) else Bands.of(settings))


def _pace(gap: float, bands: Bands) -> Health:
    """`pace_health` with the bands already denoised."""
    gap_n = _near_either(gap, bands.on_track_gap, bands.at_risk_gap)
    if gap_n <= bands.on_track_gap:
        return "on_track"
    if gap_n <= bands.at_risk_gap:
        return "at_risk"
    return "off_track"


def _final(graded: float, bands: Bands) -> Health:
    """Health after a cycle from the grade (green, yellow or red), the bands denoised."""
    graded_n = _near_either(graded, bands.green_from, bands.yellow_from)
    if graded_n >= bands.green_from:
        return "green"
    if graded_n >= bands.yellow_from:
        return "yellow"
    return "red"


def objective_bar(objective: Objective | None, settings: ScoringSettings) -> float:
    """The score an objective is expected to reach by the end: committed 1.0, aspirational 0.7."""
    if objective is not None and objective.kind == "committed":
        return settings.committed_bar
    return settings.aspirational_bar


def children_by_parent(objectives: Sequence[Objective]) -> dict[str, list[str]]:
    """Alignment edges parent id -> ids of the objectives aligned to it.

    Parents that are not objectives of the workspace (dangling) are left out; a child listed
    twice under one parent counts once. Children keep workspace order.
    """
    # Each parent's children as the keys of a dict: an ordered set, so that adding a child is
    # not a search of the parent's list (hundreds of children made that quadratic).
    children: dict[str, dict[str, None]] = {o.id: {} for o in objectives}
    for child in objectives:
        for parent in child.parents:
            found = children.get(parent)
            if found is not None:
                found[child.id] = None
    return {parent: list(kids) for parent, kids in children.items()}


_UNJUDGED: Final = 0
_BEFORE: Final = 1
_DURING: Final = 2
_AFTER: Final = 3
_PHASES: Final[dict[str, int]] = {"before": _BEFORE, "during": _DURING, "after": _AFTER}


class _Judging(NamedTuple):
    """What one objective and its key results are judged by, one per objective: its cycle,
    the first day a check-in counts (the cycle's start, else any day), the cycle's phase on
    the day (`_UNJUDGED` without a known cycle), the objective's bar, the score expected by
    now (elapsed share x bar, None when unjudged), why a score would still be unjudged
    ("no_cycle" or None), and its counted key results as flat (weight, weight x progress,
    weight x score) triples, in workspace order."""

    cycle: Cycle | None
    since: date
    phase: int
    bar: float
    expected: float | None
    no_cycle: Unscored | None
    counted: list[float]


_Judgement = tuple[Cycle | None, date, int, float, float | None, Unscored | None]
"""A `_Judging` without its list: the same for every objective of one cycle and kind."""


def _judgement(cycle: Cycle | None, status: CycleStatus | None, bar: float) -> _Judgement:
    """The judgement of the objectives of `cycle` (its status on the day) with `bar`."""
    since = cycle.start if cycle is not None else date.min
    no_cycle: Unscored | None = "no_cycle" if status is None else None
    if status is None or status.elapsed_share is None or status.phase not in _PHASES:
        return (cycle, since, _UNJUDGED, bar, None, no_cycle)
    return (cycle, since, _PHASES[status.phase], bar, status.elapsed_share * bar, no_cycle)


def _judged(
    score: float, phase: int, expected: float | None, bands: Bands, multiples: tuple[float, ...]
) -> tuple[float, Health, float | None]:
    """The grade of a score, its health in its cycle's phase and its gap to the expected score:
    during the cycle by the pace bands, after it by the grade bands (expected is then the full
    bar), `not_started` before it and `no_data` without a known cycle (no gap). `multiples`
    are the grade step's (`_step_multiples`)."""
    graded = _grade_of(score, bands.grade_step, multiples)
    if phase == _DURING:
        gap = expected - score  # type: ignore[operator]  # judged phases have an expectation
        return graded, _pace(gap, bands), gap
    if phase == _AFTER:
        return graded, _final(graded, bands), expected - score  # type: ignore[operator]
    return graded, _unjudged(phase), None


def _unjudged(phase: int) -> Health:
    """The health of an item without a score (or before its cycle)."""
    return "not_started" if phase == _BEFORE else "no_data"


def _counting_check_ins(check_ins: Sequence[CheckIn], since: date, at: date) -> list[CheckIn]:
    """Check-ins observed from `since` (the cycle's start) up to `at`. (A loop: most key results
    have a check-in or two, for which a comprehension's setup costs more than the loop.)"""
    counting = []
    for ci in check_ins:
        if since <= ci.at.date() <= at:
            counting.append(ci)
    return counting


def _score_key_result(
    kr: KeyResult,
    check_ins: Sequence[CheckIn],
    judging: _Judging,
    bands: Bands,
    multiples: tuple[float, ...],
    at: date,
    window: int,
) -> KeyResultScore:
    """The full result of one key result: kind, progress, score, grade, band share, health.

    An unfinished milestone is on track until its due date approaches: a milestone is done or
    not, it has no pace to fall behind, so during the cycle it is judged only from
    `milestone_window_days` (`window`) before it is due (its due date, else the cycle's end).
    """
    # Each number read and checked once (`finite` spelled out), for the kind and the progress.
    target, start, current, done = kr.target, kr.start, kr.current, kr.done
    if target is not None and not isfinite(target):
        target = None
    if start is not None and not isfinite(start):
        start = None
    if current is not None and not isfinite(current):
        current = None
    kind = kr.kind
    if kind is None:
        kind = _inferred_kind(target, start, current, done)
    progress, band_share, unscored = _progress(kind, target, start, current, done, check_ins)
    cycle, _, phase, _, expected, no_cycle, _ = judging
    # tuple.__new__ builds the named tuple without its Python-level constructor (a third of
    # the cost, for every key result), with every field given in order.
    if progress is None:
        return _new_tuple(
            KeyResultScore,
            (kr.id, kind, None, None, None, _unjudged(phase), None, None, expected, None, unscored),
        )
    score = 1.0 if progress > 1.0 else (progress if progress > 0.0 else 0.0)  # clamp_score
    graded, judged, gap = _judged(score, phase, expected, bands, multiples)
    if kind == "milestone" and (judged == "at_risk" or judged == "off_track"):
        due = kr.due or (cycle.end if cycle is not None else None)
        if due is not None and (due - at).days > window:
            judged, gap = "on_track", None
    return _new_tuple(
        KeyResultScore,
        (
            kr.id,
            kind,
            progress,
            score,
            graded,
            judged,
            progress - 1.0 if progress > 1.0 else None,  # attainment_over
            band_share,
            expected,
            gap,
            no_cycle,
        ),
    )


_new_tuple: Final = tuple.__new__


def evaluate(
    workspace: Workspace, at: date, settings: ScoringSettings = DEFAULT_SETTINGS
) -> Evaluation:
    """Score every key result and objective of `workspace` as of `at` (pure).

    Key results are scored by kind and judged against their objective's cycle and bar. An
    objective's score depends on `settings.rollup`:

    - `key_results`: weighted mean of its own key results (weight 0 shown, not counted);
    - `children`: mean of the scores of the objectives aligned to it; an objective nobody
      aligns to (a leaf) falls back to its own key results, else nothing would ever score;
    - `both`: its own key results (by weight) and its children (weight 1 each) together.

    Alignment loops (and self-loops) are ignored for roll-up and dangling parents are skipped,
    so roll-up terminates on any graph. Items with no known cycle keep their score but get
    health `no_data` and `unscored="no_cycle"`.
    """
    with collector_paused():
        return _evaluate(workspace, at, settings)


def _evaluate(workspace: Workspace, at: date, settings: ScoringSettings) -> Evaluation:
    bands = Bands.of(settings)
    multiples = _step_multiples(settings.grade_step)
    window = settings.milestone_window_days
    cycles = workspace.cycle_by_id()
    statuses = {c.id: cycle_status(c, at) for c in workspace.cycles}
    objectives = workspace.objective_by_id()
    check_ins = workspace.check_ins_by_key_result()

    # What every key result of one objective is judged by, found once per cycle and kind of
    # objective rather than once per key result, with the list its counted key results go to
    # (one look-up per key result finds both: in a table of 25 000 objectives each is a cache
    # miss).
    judgements: dict[tuple[str | None, str], _Judgement] = {}
    judged_by: dict[str, _Judging] = {}
    for objective in objectives.values():
        found = judgements.get((objective.cycle, objective.kind))
        if found is None:
            cycle = cycles.get(objective.cycle) if objective.cycle is not None else None
            status = statuses.get(cycle.id) if cycle is not None else None
            found = _judgement(cycle, status, objective_bar(objective, settings))
            judgements[objective.cycle, objective.kind] = found
        judged_by[objective.id] = _new_tuple(_Judging, (*found, []))
    # Key results of an objective the workspace lacks: scored, counted by no objective.
    orphan = _Judging(*_judgement(None, None, objective_bar(None, settings)), [])

    kr_scores: dict[str, KeyResultScore] = {}
    for kr in workspace.key_results:
        judging = judged_by.get(kr.objective, orphan)
        observed = check_ins.get(kr.id)
        result = _score_key_result(
            kr,
            _counting_check_ins(observed, judging.since, at) if observed else (),
            judging,
            bands,
            multiples,
            at,
            window,
        )
        kr_scores[kr.id] = result
        weight = kr.weight
        if weight > 0 and result.score is not None:
            judging.counted.extend(
                (weight, (result.progress or 0.0) * weight, result.score * weight)
            )

    results: dict[str, ObjectiveScore] = {}
    rollup = settings.rollup
    if rollup == "key_results":
        # judged_by lists the objectives in the order of `objectives`.
        for objective, judging in zip(objectives.values(), judged_by.values(), strict=True):
            own = judging.counted
            results[objective.id] = _objective_result(
                objective, judging, own, len(own) // 3, (), bands, multiples
            )
        return Evaluation(
            at=at, settings=settings, cycles=statuses, objectives=results, key_results=kr_scores
        )

    ordered = list(objectives.values())
    children = children_by_parent(ordered)
    # Children before parents.
    for component in strongly_connected_components([o.id for o in ordered], children):
        inside = set(component) if len(component) > 1 else ()
        for objective_id in component:
            judging = judged_by[objective_id]
            own = sums = judging.counted
            kids: list[str] = []  # a loop: most objectives are leaves, with no child to add
            for child in children[objective_id]:
                if child in inside or child == objective_id:
                    continue
                kid = results[child]
                if kid.score is None:
                    continue
                if not kids:
                    sums = [] if rollup == "children" else own.copy()
                kids.append(child)
                sums.extend((1.0, (kid.progress or 0.0) * 1.0, (kid.score or 0.0) * 1.0))
            results[objective_id] = _objective_result(
                objectives[objective_id],
                judging,
                sums,
                0 if rollup == "children" and kids else len(own) // 3,
                tuple(kids),
                bands,
                multiples,
            )
    return Evaluation(
        at=at,
        settings=settings,
        cycles=statuses,
        objectives={o.id: results[o.id] for o in ordered},
        key_results=kr_scores,
    )


def _objective_result(
    objective: Objective,
    judging: _Judging,
    sums: list[float],
    counted: int,
    rolled_up: tuple[str, ...],
    bands: Bands,
    multiples: tuple[float, ...],
) -> ObjectiveScore:
    """One objective's result from its counted key results and rolled-up children, `sums`
    their flat (weight, weight x progress, weight x score) triples (children weigh 1).

    The score is `weighted_mean` of both at once: `math.fsum` is correctly rounded, so the
    order of the terms does not matter."""
    _, _, phase, bar, expected, no_cycle, _ = judging
    progress: float | None = None
    score: float | None = None
    if sums:
        total = fsum(sums[0::3])
        if total > 0:
            progress = fsum(sums[1::3]) / total
            score = fsum(sums[2::3]) / total
    if score is None:
        return _new_tuple(
            ObjectiveScore,
            (
                objective.id,
                progress,
                None,
                None,
                _unjudged(phase),
                expected,
                None,
                bar,
                False,
                counted,
                rolled_up,
                "no_key_results",
            ),
        )
    graded, judged, gap = _judged(score, phase, expected, bands, multiples)
    return _new_tuple(
        ObjectiveScore,
        (
            objective.id,
            progress,
            score,
            graded,
            judged,
            expected,
            gap,
            bar,
            phase == _AFTER and objective.kind == "committed" and near(score) < 1,
            counted,
            rolled_up,
            no_cycle,
        ),
    )
