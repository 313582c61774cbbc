"""okrsync's own history, as pure functions: key-result values over time and score changes.

The state store keeps the rows; these functions decide what a run adds and what "the score
before its latest change" is, so the review can be built without touching the store (`lint`,
`--dry-run`) and the store and the builder can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from okrsync.evaluation import Evaluation
from okrsync.model import CheckIn, Workspace, check_in_order, observed

StoredScore = tuple[float | None, float | None]
"""A subject's stored (score, previous score)."""

CheckInKey = tuple[str, str, float | None, float | None]


def check_in_key(check_in: CheckIn) -> CheckInKey:
    """What makes two check-ins one: key result, the minute, value and confidence (rounded,
    so a value that went through a workspace's number format and back is still the same)."""
    at = check_in.at.astimezone(UTC).replace(second=0, microsecond=0).isoformat()
    value = None if check_in.value is None else round(check_in.value, 9)
    confidence = None if check_in.confidence is None else round(check_in.confidence, 6)
    return (check_in.key_result, at, value, confidence)


def merged_history(*groups: Iterable[CheckIn]) -> list[CheckIn]:
    """Check-ins from several places (the workspace's own, the state store's, this run's) as one
    history in `check_in_order` (oldest first; the same instant by content, so the order the
    groups listed them in never matters), each check-in once. Of two copies the first given is
    kept, so the workspace's (with its note and author) wins over the store's."""
    seen: dict[CheckInKey, CheckIn] = {}
    for group in groups:
        for check_in in group:
            seen.setdefault(check_in_key(check_in), check_in)
    return sorted(seen.values(), key=check_in_order)


def unrecorded(recorded: Iterable[CheckIn], known: Iterable[CheckIn]) -> list[CheckIn]:
    """The check-ins okrsync knows (`known`: its store and this run's observations) that the
    workspace does not hold yet (`recorded`): the rows to append to its check-in history."""
    there = {check_in_key(c) for c in recorded}
    missing: dict[CheckInKey, CheckIn] = {}
    for check_in in known:
        key = check_in_key(check_in)
        if key not in there:
            missing.setdefault(key, check_in)
    return sorted(missing.values(), key=check_in_order)


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

    `history` is oldest first (as the store returns it, or `merged_history` makes it). This is
    the rule the store applies when it records values, so a review built from
    `history + new_observations(...)` is the one the next run sees. Only observed check-ins
    (`observed`) are compared with: a check-in someone wrote with another number does not make
    the key result's unchanged value new. An observation already in the history (the same
    minute and values) is not new either, nor one a person already checked in (`checked_in`).
    """
    latest: dict[str, CheckIn] = {}
    people: dict[str, list[CheckIn]] = {}
    keys: set[CheckInKey] = set()
    for check_in in history:
        if observed(check_in):
            latest[check_in.key_result] = check_in
        else:
            people.setdefault(check_in.key_result, []).append(check_in)
        keys.add(check_in_key(check_in))
    added: list[CheckIn] = []
    for obs in seen:
        last = latest.get(obs.key_result)
        if last is not None and (last.value, last.confidence) == (obs.value, obs.confidence):
            continue
        if check_in_key(obs) in keys:
            continue
        if checked_in(obs, last, people.get(obs.key_result, ())):
            continue
        latest[obs.key_result] = obs
        added.append(obs)
    return added


def checked_in(obs: CheckIn, last: CheckIn | None, people: Iterable[CheckIn]) -> bool:
    """Whether a person already checked in the observed value: a check-in of theirs with the
    same value (and the same confidence, when both have one) dated between the day of okrsync's
    latest observation (`last`) and the observation's day. Check-ins people write carry a date,
    not a time, so days are compared. The value is then in the history as theirs, with their note,
    and okrsync does not write it again; after a lost state store the same rule holds on the
    same check-ins, so nothing is added then either."""
    since = last.at.date() if last is not None else None
    for check_in in people:
        day = check_in.at.date()
        if (since is not None and day < since) or day > obs.at.date():
            continue
        if check_in.value is None or obs.value is None:
            continue
        if round(check_in.value, 9) != round(obs.value, 9):
            continue
        if check_in.confidence is None or obs.confidence is None:
            return True
        if round(check_in.confidence, 6) == round(obs.confidence, 6):
            return True
    return False


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
