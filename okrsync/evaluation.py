"""What scoring produces: plain result records for key results and objectives.

`scoring.evaluate()` builds an `Evaluation`; rules, the review and the connectors' write plans
read it. Kept apart from the arithmetic so every stage can depend on the shape alone.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

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
    grade_step: float = Field(default=0.1, gt=0, le=1)


class KeyResultScore(Frozen):
    id: str
    kind: KeyResultKind | None = Field(description="The kind used, as mapped or inferred.")
    progress: float | None = Field(description="Unclamped progress; None when unscored.")
    score: float | None = Field(description="Progress clamped to [0, 1], unrounded.")
    grade: float | None = Field(description="Score rounded half up to the grade step.")
    attainment_over: float | None = Field(
        default=None, description="How far progress went past 1.0 (0.3 for 130%), else None."
    )
    band_share: float | None = Field(
        default=None, description="at_least/at_most: share of observed values that held."
    )
    health: Health
    expected: float | None = None
    gap: float | None = None
    unscored: Unscored | None = None


class ObjectiveScore(Frozen):
    id: str
    progress: float | None = Field(description="Weighted mean before clamping.")
    score: float | None
    grade: float | None
    health: Health
    expected: float | None = None
    gap: float | None = None
    bar: float = 0.7
    miss: bool = Field(default=False, description="Committed, cycle over, score below 1.0.")
    counted_key_results: int = 0
    rolled_up_children: tuple[str, ...] = ()
    unscored: Unscored | None = None


class CycleStatus(Frozen):
    id: str
    phase: Phase
    elapsed_share: float | None = Field(description="Days elapsed / cycle days, end inclusive.")


class Evaluation(Frozen):
    at: date
    settings: ScoringSettings = ScoringSettings()
    cycles: dict[str, CycleStatus] = {}
    objectives: dict[str, ObjectiveScore] = {}
    key_results: dict[str, KeyResultScore] = {}
