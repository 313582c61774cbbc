"""What scoring produces: plain result records for key results and objectives.

`scoring.evaluate()` builds an `Evaluation`; rules, the review and the connectors' write plans
read it. Kept apart from the arithmetic so every stage can depend on the shape alone.

The per-item results are named tuples and the `Evaluation` a slotted dataclass, not pydantic
models: scoring computes every field from an already validated `Workspace`, so validating them
again would only cost time and memory (a 100 000-key-result workspace has 125 000 results, and
a named tuple is built ten times faster than a frozen dataclass). All are immutable, like the
model's records; a caller that needs a variant uses `_replace` or `dataclasses.replace`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal, NamedTuple

from pydantic import Field

from okrsync.model import Frozen, KeyResultKind

Health = Literal[
    "not_started",  # the cycle has not begun
    "on_track",  # during the cycle: gap <= on_track_gap
    "at_risk",  # during the cycle: on_track_gap < gap <= at_risk_gap
    "off_track",  # during the cycle: gap > at_risk_gap
    "green",  # after the cycle: grade 0.7-1.0
    "yellow",  # after the cycle: grade 0.4-0.6
    "red",  # after the cycle: grade 0.0-0.3
    "no_data",  # no score could be computed (see `unscored`)
]
HEALTHS: tuple[Health, ...] = (
    "not_started",
    "on_track",
    "at_risk",
    "off_track",
    "green",
    "yellow",
    "red",
    "no_data",
)

Unscored = Literal[
    "missing_target",
    "missing_current",
    "missing_start",  # decrease without a baseline
    "start_equals_target",
    "no_key_results",  # objective with no counted key result and nothing to roll up
    "no_cycle",
]

Phase = Literal["before", "during", "after", "unknown"]


class ScoringSettings(Frozen):
    """Every scoring default from DESIGN.md, overridable in okrsync.toml `[scoring]`."""

    rollup: Literal["key_results", "children", "both"] = "key_results"
    committed_bar: float = Field(default=1.0, gt=0, le=1)
    aspirational_bar: float = Field(default=0.7, gt=0, le=1)
    on_track_gap: float = Field(default=0.10, ge=0)
    at_risk_gap: float = Field(default=0.25, ge=0)
    green_from: float = Field(default=0.7, ge=0, le=1)
    yellow_from: float = Field(default=0.4, ge=0, le=1)
    grade_step: float = Field(default=0.1, ge=0.01, le=1)  # finer steps are noise (and slow)
    milestone_window_days: int = Field(
        default=14,
        ge=0,
        description="An unfinished milestone is judged only this many days before it is due "
        "(its due date, else its cycle's end); before that it is on track.",
    )
    health_from_forecast: bool = Field(
        default=False,
        description="While a cycle runs, judge health by the gap between the bar and the "
        "forecast end-of-cycle score (okrsync.trends) where there is one (3+ dated scores).",
    )


class KeyResultScore(NamedTuple):
    """The result of one key result.

    `kind` is the kind used (as mapped or inferred); `progress` the unclamped progress, None
    when unscored; `score` the progress clamped to [0, 1], unrounded; `grade` the score rounded
    half up to the grade step; `attainment_over` how far progress went past 1.0 (0.3 for 130%);
    `band_share` for at_least/at_most the share of observed values that held.
    """

    id: str
    kind: KeyResultKind | None
    progress: float | None
    score: float | None
    grade: float | None
    health: Health
    attainment_over: float | None = None
    band_share: float | None = None
    expected: float | None = None
    gap: float | None = None
    unscored: Unscored | None = None


class ObjectiveScore(NamedTuple):
    """The result of one objective: `progress` is the weighted mean before clamping; `miss`
    a committed objective whose cycle is over with a score below 1.0."""

    id: str
    progress: float | None
    score: float | None
    grade: float | None
    health: Health
    expected: float | None = None
    gap: float | None = None
    bar: float = 0.7
    miss: bool = False
    counted_key_results: int = 0
    rolled_up_children: tuple[str, ...] = ()
    unscored: Unscored | None = None


class CycleStatus(NamedTuple):
    """Where a day falls in a cycle; `elapsed_share` is days elapsed / cycle days, end
    inclusive."""

    id: str
    phase: Phase
    elapsed_share: float | None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Every result of one `evaluate` call, by id, and what it was computed with."""

    at: date
    settings: ScoringSettings = field(default_factory=ScoringSettings)
    cycles: dict[str, CycleStatus] = field(default_factory=dict)
    objectives: dict[str, ObjectiveScore] = field(default_factory=dict)
    key_results: dict[str, KeyResultScore] = field(default_factory=dict)
