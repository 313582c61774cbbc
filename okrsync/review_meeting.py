"""The meeting view of a review: what needs attention, who has not checked in, roll-ups.

Pure functions over a workspace and its evaluation, used by `review_build`:

- `attention` weighs an objective's gap to pace (expected minus score) by its level, so a
  company objective 0.2 behind comes before a team objective 0.2 behind; a committed
  objective that missed, or is heading for a miss, always needs attention.
- `children_rollup` is the aligned children's aggregate shown beside a parent's own score,
  and says when the parent looks fine while most of its children are behind.
- `missing_check_ins` groups the key results without a recent check-in by owner name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Final

from okrsync.evaluation import Evaluation, Health, ObjectiveScore
from okrsync.i18n import N_, SOURCE_LANGUAGE, Translator, translator
from okrsync.model import CheckIn, Cycle, KeyResult, Objective, Person
from okrsync.review import AttentionItem, ChildrenRollup, MissingCheckIns, ObjectiveRow

LEVEL_WEIGHTS: Final[dict[str, float]] = {
    "company": 1.5,
    "department": 1.25,
    "team": 1.0,
    "individual": 0.75,
}
BEHIND: Final[frozenset[Health]] = frozenset({"at_risk", "off_track", "yellow", "red"})
FINE: Final[frozenset[Health]] = frozenset({"on_track", "green"})
UNKNOWN_PERSON: Final = N_("unknown person")
ATTENTION_ITEMS: Final = 8
LAGGING_PER_OBJECTIVE: Final = 2
UNKNOWN_OWNER: Final = N_("No owner")
ENGLISH: Final = translator(SOURCE_LANGUAGE)


def heading_for_miss(objective: Objective, result: ObjectiveScore) -> bool:
    """Committed and missed, or committed and behind pace during the cycle."""
    if objective.kind != "committed":
        return False
    return result.miss or (result.health in BEHIND and result.gap is not None and result.gap > 0)


def attention(objective: Objective, result: ObjectiveScore) -> float:
    """The weighted gap to pace: 0 when on pace or ahead, larger when further behind."""
    gap = result.gap if result.gap is not None and result.health in BEHIND else 0.0
    if result.miss and result.score is not None:
        gap = max(gap, result.bar - result.score)
    return max(0.0, gap) * LEVEL_WEIGHTS.get(objective.level, 1.0)


def children_rollup(
    objective_id: str,
    result: ObjectiveScore,
    children: Sequence[Objective],
    evaluation: Evaluation,
) -> ChildrenRollup | None:
    """The aggregate of the objectives aligned to `objective_id`, or None when none are."""
    if not children:
        return None
    scores: list[float] = []
    behind = 0
    for child in children:
        child_result = evaluation.objectives.get(child.id)
        if child_result is None:
            continue
        if child_result.score is not None:
            scores.append(child_result.score)
        behind += child_result.health in BEHIND
    return ChildrenRollup(
        count=len(children),
        mean_score=sum(scores) / len(scores) if scores else None,
        behind=behind,
        masks=result.health in FINE and behind * 2 > len(children),
    )


def attention_items(rows: Sequence[ObjectiveRow]) -> tuple[AttentionItem, ...]:
    """The objectives most behind (weighted), committed misses first, at most a handful."""
    items: list[AttentionItem] = []
    for row in rows:
        miss = heading_for_miss(row.objective, row.result)
        if row.attention <= 0 and not miss:
            continue
        lagging = sorted(
            (kr for kr in row.key_results if kr.result.health in BEHIND),
            key=lambda kr: (-(kr.result.gap or 0.0), kr.key_result.title.casefold()),
        )
        items.append(
            AttentionItem(
                objective_id=row.objective.id,
                title=row.objective.title,
                owners=row.owners,
                health=row.result.health,
                grade=row.result.grade,
                expected=row.result.expected,
                attention=row.attention,
                committed_miss=miss,
                miss=row.result.miss,
                lagging=tuple(kr.key_result.title for kr in lagging[:LAGGING_PER_OBJECTIVE]),
            )
        )
    items.sort(
        key=lambda i: (not i.committed_miss, -i.attention, i.title.casefold(), i.objective_id)
    )
    return tuple(items[:ATTENTION_ITEMS])


def _last_activity(kr: KeyResult, check_ins: Sequence[CheckIn]) -> date | None:
    moments: list[datetime] = [ci.at for ci in check_ins]
    if kr.updated_at is not None:
        moments.append(kr.updated_at)
    return max(m.date() for m in moments) if moments else None


def missing_check_ins(
    key_results: Sequence[KeyResult],
    evaluation: Evaluation,
    cycle: Cycle | None,
    at: date,
    days: int,
    check_ins: Mapping[str, Sequence[CheckIn]],
    people: Mapping[str, Person],
    t: Translator = ENGLISH,
) -> tuple[MissingCheckIns, ...]:
    """Running key results not checked in for more than `days`, grouped by owner name.

    Done key results and milestones that are not yet done (they have nothing to check in until
    they are) are left out; so are cycles that are not running.
    """
    status = evaluation.cycles.get(cycle.id) if cycle is not None else None
    if cycle is None or status is None or status.phase != "during":
        return ()
    grouped: dict[str, list[tuple[date | None, str]]] = {}
    unknown, nobody = t.gettext(UNKNOWN_PERSON), t.gettext(UNKNOWN_OWNER)
    for kr in key_results:
        result = evaluation.key_results.get(kr.id)
        if kr.done is True or (result is not None and result.kind == "milestone"):
            continue
        last = _last_activity(kr, check_ins.get(kr.id, ()))
        since = last or cycle.start
        if (at - since).days <= days:
            continue
        names = [
            people[o].name if o in people and people[o].name else unknown for o in kr.owners
        ] or [nobody]
        for name in dict.fromkeys(names):
            grouped.setdefault(name, []).append((last, kr.title))
    out = []
    for owner, items in grouped.items():
        known = [d for d, _ in items if d is not None]
        never = any(d is None for d, _ in items)
        out.append(
            MissingCheckIns(
                owner=owner,
                count=len(items),
                oldest=None if never else min(known),
                key_results=tuple(sorted(t for _, t in items)),
            )
        )
    out.sort(key=lambda m: (-m.count, m.owner.casefold()))
    return tuple(out)
