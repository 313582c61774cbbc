"""okrsync's own history, as pure functions: key-result values over time and score changes.

The state store keeps the rows; these functions decide what a run adds and what "the score
before its latest change" is, so the review can be built without touching the store (`lint`,
`--dry-run`) and the store and the builder can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from okrsync.evaluation import Evaluation
from okrsync.model import CheckIn, Workspace

StoredScore = tuple[float | None, float | None]
"""A subject's stored (score, previous score)."""


def observations(workspace: Workspace, now: datetime) -> list[CheckIn]:
    """The current value of every key result, as a check-in for the history (dated by the
    record's edit time, `now` when the source gives none)."""
    return [
        CheckIn(
            key_result=kr.id,
            at=kr.updated_at or (kr.source.updated_at if kr.source else None) or now,
            value=kr.current,
            confidence=kr.confidence,
        )
        for kr in workspace.key_results
        if kr.current is not None or kr.confidence is not None
    ]


def new_observations(history: Sequence[CheckIn], seen: Iterable[CheckIn]) -> list[CheckIn]:
    """The observations that differ from the latest stored value of their key result.

    `history` is oldest first (as the store returns it). This is the rule the store applies
    when it records values, so a review built from `history + new_observations(...)` is the
    one the next run sees.
    """
    latest: dict[str, tuple[float | None, float | None]] = {}
    for check_in in history:
        latest[check_in.key_result] = (check_in.value, check_in.confidence)
    added: list[CheckIn] = []
    for obs in seen:
        if latest.get(obs.key_result, ("absent", None)) == (obs.value, obs.confidence):
            continue
        latest[obs.key_result] = (obs.value, obs.confidence)
        added.append(obs)
    return added


def current_scores(evaluation: Evaluation) -> dict[str, float | None]:
    """Objective and key-result scores, keyed by id, for "change since the last sync"."""
    scores: dict[str, float | None] = {k: v.score for k, v in evaluation.objectives.items()}
    scores.update({k: v.score for k, v in evaluation.key_results.items()})
    return scores


def previous_scores(
    stored: Mapping[str, StoredScore], current: Mapping[str, float | None] | None = None
) -> dict[str, float]:
    """Per objective or KR: the score it had before its latest change.

    With `current` (this run's scores), the answer is what it will be once they are stored: a
    score changing in this run already shows its change. Without that, the review planned in
    the run of a change would show no change and the next run's review would, so every change
    cost a second review write.
    """
    found: dict[str, float] = {}
    for subject, (score, previous) in stored.items():
        if current is not None and subject in current and current[subject] != score:
            previous = score
        if previous is not None:
            found[subject] = float(previous)
    return found
