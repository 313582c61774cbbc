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


def _near_any(value: float, *edges: float) -> float:
    """`value` as it compares with `edges` (already `near`): rounded only when it lies within
    `_NEAR_MARGIN` of one of them, since a value further away compares the same either way and
    `round(value, 9)` costs more than all the rest of judging one key result."""
    for edge in edges:
        if abs(value - edge) <= _NEAR_MARGIN:
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
    target = finite(kr.target)
    if target is not None:
        start = finite(kr.start)
        return "decrease" if (0.0 if start is None else start) > target else "increase"
    if kr.done is not None and finite(kr.start) is None and finite(kr.current) is None:
        return "milestone"
    return None


def latest_value(kr: KeyResult, check_ins: Sequence[CheckIn]) -> float | None:
    """The latest observed value: `current`, else the newest check-in with a finite value."""
    current = finite(kr.current)
    if current is not None:
        return current
    for ci in reversed(check_ins):
        value = finite(ci.value)
        if value is not None:
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
    return KeyResultProgress(*_progress(kr, kind, check_ins))


_Progress = tuple[float | None, float | None, Unscored | None]
"""(progress, band share, why unscored): `KeyResultProgress` as a plain tuple, which
`evaluate` makes 100 000 of without the cost of a named tuple's keyword constructor."""
_MISSING_TARGET: Final[_Progress] = (None, None, "missing_target")
_MISSING_CURRENT: Final[_Progress] = (None, None, "missing_current")
_DONE: Final[_Progress] = (1.0, None, None)
_NOT_DONE: Final[_Progress] = (0.0, None, None)


def _progress(kr: KeyResult, kind: KeyResultKind | None, check_ins: Sequence[CheckIn]) -> _Progress:
    """`kr_progress`'s answer as a plain tuple."""
    target = finite(kr.target)
    if kind is None:
        return _MISSING_TARGET
    if kind == "milestone":
        current = finite(kr.current)
        if kr.done is not None:
            return _DONE if kr.done else _NOT_DONE
        if current is not None and target is not None:
            return _DONE if holds("at_least", current, target) else _NOT_DONE
        return _NOT_DONE
    if target is None:
        return _MISSING_TARGET
    if kind in ("at_least", "at_most"):
        latest = latest_value(kr, check_ins)
        if latest is None:
            return _MISSING_CURRENT
        observed = [v for v in (finite(ci.value) for ci in check_ins) if v is not None]
        if finite(kr.current) is not None:
            observed.append(latest)
        held = sum(1 for v in observed if holds(kind, v, target))
        return (1.0 if holds(kind, latest, target) else 0.0, held / len(observed), None)
    start = finite(kr.start)
    if start is None and kind == "decrease":
        return (None, None, "missing_start")
    start = 0.0 if start is None else start
    if abs(start - target) <= _NEAR_MARGIN and near(start) == near(target):
        return (None, None, "start_equals_target")
    current = latest_value(kr, check_ins)
    if current is None:
        return _MISSING_CURRENT
    if kind == "increase":
        progress = (current - start) / (target - start)
    else:
        progress = (start - current) / (start - target)
    if not math.isfinite(progress):  # only when the numbers overflow a float
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
    quotient = score / step
    if abs(quotient - math.floor(quotient) - 0.5) > _TIE_MARGIN:
        # Clearly not a tie: nearest-step rounding in floats is exact, and much faster.
        return _step_multiple(math.floor(quotient + 0.5), step)
    steps = (denoise(score) / Decimal(repr(step))).quantize(Decimal(1), ROUND_HALF_UP)
    return _step_multiple(int(steps), step)


@functools.lru_cache(maxsize=1024)
def _step_multiple(steps: int, step: float) -> float:
    """`steps` times `step` computed in Decimal, as a float: 3 x 0.1 is 0.3, not
    0.30000000000000004. Scores lie in [0, 1], so a run needs about 1/step of these, each
    computed once.
    """
    return float(Decimal(steps) * Decimal(repr(step)))


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
    bands = settings if isinstance(settings, Bands) else Bands.of(settings)
    gap_n = _near_any(gap, bands.on_track_gap, bands.at_risk_gap)
    if gap_n <= bands.on_track_gap:
        return "on_track"
    if gap_n <= bands.at_risk_gap:
        return "at_risk"
    return "off_track"


def final_health(graded: float, settings: ScoringSettings | Bands) -> Health:
    """Health after a cycle from the grade: green, yellow or red."""
    bands = settings if isinstance(settings, Bands) else Bands.of(settings)
    graded_n = _near_any(graded, bands.green_from, bands.yellow_from)
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


class HealthResult(NamedTuple):
    """Health of one scored item plus the pace figures it was judged by."""

    health: Health
    expected: float | None = None
    gap: float | None = None


_NO_DATA: Final = HealthResult(health="no_data")


def health(
    score: float | None,
    status: CycleStatus | None,
    bar: float,
    settings: ScoringSettings | Bands,
    graded: float | None = None,
) -> HealthResult:
    """Health of a score in a cycle's phase, with the expected score and the gap.

    Without a cycle or a score there is no health (`no_data`); before the cycle `not_started`;
    during it the pace bands; after it the grade bands (expected is then the full bar).
    `graded` is the score's grade when the caller has it already (it is computed otherwise).
    """
    bands = settings if isinstance(settings, Bands) else Bands.of(settings)
    return HealthResult(*_judge(score, status, bar, bands, graded))


_Judged = tuple[Health, float | None, float | None]
"""(health, expected, gap): `HealthResult` as a plain tuple (see `_Progress`)."""
_UNJUDGED: Final[_Judged] = ("no_data", None, None)


def _judge(
    score: float | None,
    status: CycleStatus | None,
    bar: float,
    bands: Bands,
    graded: float | None,
) -> _Judged:
    """`health`'s answer as a plain tuple."""
    if status is None or status.phase == "unknown" or status.elapsed_share is None:
        return _UNJUDGED
    expected = status.elapsed_share * bar
    if status.phase == "before":
        return ("not_started", expected, None)
    if score is None:
        return ("no_data", expected, None)
    gap = expected - score
    if status.phase == "during":
        return (pace_health(gap, bands), expected, gap)
    if graded is None:
        graded = grade(score, bands.grade_step)
    return (final_health(graded, bands), expected, gap)


def children_by_parent(objectives: Sequence[Objective]) -> dict[str, list[str]]:
    """Alignment edges parent id -> ids of the objectives aligned to it.

    Parents that are not objectives of the workspace (dangling) are left out; a child listed
    twice under one parent counts once. Children keep workspace order.
    """
    known = {o.id for o in objectives}
    children: dict[str, list[str]] = {o.id: [] for o in objectives}
    for child in objectives:
        for parent in dict.fromkeys(child.parents):
            if parent in known and child.id not in children[parent]:
                children[parent].append(child.id)
    return children


def score_key_result(
    kr: KeyResult,
    check_ins: Sequence[CheckIn],
    status: CycleStatus | None,
    bar: float,
    settings: ScoringSettings | Bands,
) -> KeyResultScore:
    """The full result of one key result: kind, progress, score, grade, band share, health."""
    bands = settings if isinstance(settings, Bands) else Bands.of(settings)
    return _score_key_result(kr, check_ins, status, bar, bands)


def _score_key_result(
    kr: KeyResult,
    check_ins: Sequence[CheckIn],
    status: CycleStatus | None,
    bar: float,
    bands: Bands,
) -> KeyResultScore:
    """`score_key_result` with the bands already denoised."""
    kind = kr.kind if kr.kind is not None else infer_kind(kr)
    progress, band_share, unscored = _progress(kr, kind, check_ins)
    # tuple.__new__ builds the named tuple without its Python-level constructor (a third of
    # the cost, for every key result), with every field given in order.
    if progress is None:
        judged, expected, _ = _judge(None, status, bar, bands, None)
        return _new_tuple(
            KeyResultScore,
            (kr.id, kind, None, None, None, judged, None, None, expected, None, unscored),
        )
    score = 1.0 if progress > 1.0 else (progress if progress > 0.0 else 0.0)  # clamp_score
    graded = grade(score, bands.grade_step)
    judged, expected, gap = _judge(score, status, bar, bands, graded)
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
            None if status is not None else "no_cycle",
        ),
    )


_new_tuple: Final = tuple.__new__


def _counting_check_ins(
    check_ins: Sequence[CheckIn], cycle: Cycle | None, at: date
) -> Sequence[CheckIn]:
    """Check-ins observed up to `at` and, when the cycle is known, not before it started."""
    if not check_ins:
        return ()
    return [
        ci
        for ci in check_ins
        if ci.at.date() <= at and (cycle is None or ci.at.date() >= cycle.start)
    ]


def milestone_before_due(
    result: KeyResultScore, kr: KeyResult, cycle: Cycle | None, at: date, settings: ScoringSettings
) -> KeyResultScore:
    """An unfinished milestone is on track until its due date approaches.

    A milestone is done or not: it has no pace to fall behind, so during the cycle it is judged
    only from `milestone_window_days` before it is due (its due date, else the cycle's end).
    """
    if result.kind != "milestone" or result.health not in ("at_risk", "off_track"):
        return result
    due = kr.due or (cycle.end if cycle is not None else None)
    if due is None or (due - at).days <= settings.milestone_window_days:
        return result
    return result._replace(health="on_track", gap=None)


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
    cycles = workspace.cycle_by_id()
    statuses = {c.id: cycle_status(c, at) for c in workspace.cycles}
    objectives = workspace.objective_by_id()
    check_ins = workspace.check_ins_by_key_result()

    # What every key result of one objective is judged by: its cycle, that cycle's status and
    # the objective's bar, looked up once per objective rather than once per key result; and
    # the list its counted key results' (result, weight) go to, in workspace order, so the
    # objectives need not look their key results up again (one look-up per key result finds
    # both: in a table of 25 000 objectives each is a cache miss).
    counted: dict[str, list[tuple[KeyResultScore, float]]] = {}
    judged_by: dict[
        str, tuple[Cycle | None, CycleStatus | None, float, list[tuple[KeyResultScore, float]]]
    ] = {}
    for objective in objectives.values():
        cycle = cycles.get(objective.cycle) if objective.cycle is not None else None
        status = statuses.get(cycle.id) if cycle is not None else None
        own_list = counted[objective.id] = []
        judged_by[objective.id] = (cycle, status, objective_bar(objective, settings), own_list)
    # Key results of an objective the workspace lacks: scored, counted by no objective.
    orphan: tuple[None, None, float, list[tuple[KeyResultScore, float]]] = (
        None,
        None,
        objective_bar(None, settings),
        [],
    )

    kr_scores: dict[str, KeyResultScore] = {}
    for kr in workspace.key_results:
        cycle, status, bar, own_list = judged_by.get(kr.objective, orphan)
        observed = check_ins.get(kr.id)
        result = _score_key_result(
            kr, _counting_check_ins(observed, cycle, at) if observed else (), status, bar, bands
        )
        if result.kind == "milestone":
            result = milestone_before_due(result, kr, cycle, at, settings)
        kr_scores[kr.id] = result
        if kr.weight > 0 and result.score is not None:
            own_list.append((result, kr.weight))

    ordered = list(objectives.values())
    rollup = settings.rollup
    children = children_by_parent(ordered) if rollup != "key_results" else {}
    # Children before parents when scores roll up; without roll-up any order will do.
    components = (
        strongly_connected_components([o.id for o in ordered], children)
        if rollup != "key_results"
        else [[o.id] for o in ordered]
    )
    results: dict[str, ObjectiveScore] = {}
    no_kids: list[ObjectiveScore] = []
    no_own: list[tuple[KeyResultScore, float]] = []
    for component in components:
        inside = set(component) if len(component) > 1 else ()
        for objective_id in component:
            own = counted.get(objective_id, no_own)
            kids = no_kids
            if rollup != "key_results":
                kids = [
                    results[child]
                    for child in children[objective_id]
                    if child not in inside
                    and child != objective_id
                    and results[child].score is not None
                ]
                if rollup == "children" and kids:
                    own = []
            objective = objectives[objective_id]
            progress, score = _means(own, kids)
            results[objective_id] = _objective_result(
                objective,
                progress,
                score,
                len(own),
                tuple(k.id for k in kids) if kids else (),
                judged_by[objective_id][1],
                settings,
                bands,
            )

    return Evaluation(
        at=at,
        settings=settings,
        cycles=statuses,
        # Without roll-up the results were made in this order already.
        objectives=results if rollup == "key_results" else {o.id: results[o.id] for o in ordered},
        key_results=kr_scores,
    )


def _means(
    own: Sequence[tuple[KeyResultScore, float]], kids: Sequence[ObjectiveScore]
) -> tuple[float | None, float | None]:
    """The weighted means of progress and of score over an objective's counted key results
    (weights above 0) and its rolled-up children (weight 1 each): `weighted_mean` of both in
    one go, with the same sums in the same order, so the same numbers."""
    if not own and not kids:
        return None, None
    total = math.fsum([w for _, w in own] + [1.0] * len(kids))
    if total <= 0:
        return None, None
    progress = math.fsum(
        [(s.progress or 0.0) * w for s, w in own] + [(k.progress or 0.0) * 1.0 for k in kids]
    )
    score = math.fsum(
        [(s.score or 0.0) * w for s, w in own] + [(k.score or 0.0) * 1.0 for k in kids]
    )
    return progress / total, score / total


def _objective_result(
    objective: Objective,
    progress: float | None,
    score: float | None,
    counted: int,
    rolled_up: tuple[str, ...],
    status: CycleStatus | None,
    settings: ScoringSettings,
    bands: Bands,
) -> ObjectiveScore:
    """Assemble one objective's result from its mean, its cycle's status and its bar."""
    bar = objective_bar(objective, settings)
    graded = grade(score, bands.grade_step) if score is not None else None
    judged, expected, gap = _judge(score, status, bar, bands, graded)
    unscored: Unscored | None = None
    if score is None:
        unscored = "no_key_results"
    elif status is None:
        unscored = "no_cycle"
    return ObjectiveScore(
        id=objective.id,
        progress=progress,
        score=score,
        grade=graded,
        health=judged,
        expected=expected,
        gap=gap if score is not None else None,
        bar=bar,
        miss=(
            objective.kind == "committed"
            and status is not None
            and status.phase == "after"
            and score is not None
            and near(score) < 1
        ),
        counted_key_results=counted,
        rolled_up_children=rolled_up,
        unscored=unscored,
    )
