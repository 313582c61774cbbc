"""The cycle as Northwind lived it: the company at each weekly sync before today (pure).

`demo_company(today)` is the company as it stands today. `weekly_states` walks back from it:
each key result of the running cycle went from its start value to today's value along a
seeded, realistic path, reaching today's value at its last check-in (`updated_at`), so a team
that stopped checking in weeks ago stops moving weeks ago. The paths mix:

- steady progress (a straight line with a little noise),
- stalls (most of the way early, then flat),
- late surges (little for weeks, then a jump),
- early sprints (fast at first, slowing down);

about a fifth of the key results lose confidence over the weeks (their owners were surer at
the start), and a few check-ins carry a note from their owner (a stall, a surge, a drop).
The demo syncs each state with the clock set to that week (`okrsync.demo.run`), so okrsync
itself records the history it then shows: dated change, forecasts, "What changed", charts.
"""

from __future__ import annotations

import math
import random
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final, Literal

from okrsync.i18n import N_, Translator
from okrsync.model import CheckIn, Cycle, KeyResult, Objective, Workspace

WEEKS: Final = 8
EDIT_TIME: Final = time(8, 30)
"""When people check in on a sync day; the sync runs at `SYNC_TIME`."""
SYNC_TIME: Final = time(9, 0)

Path = Literal["steady", "stall", "late", "early"]
PATHS: Final[tuple[tuple[Path, float], ...]] = (
    ("steady", 0.45),
    ("stall", 0.2),
    ("late", 0.2),
    ("early", 0.15),
)
CONFIDENCE_DROP_SHARE: Final = 0.2
CONFIDENCE_DROP: Final = 0.3
# TRANSLATORS: NOTES and TODAY_TEXTS are notes the demo company's people write with their
# check-ins, in the demo's language (`okrsync demo --language`), as a team lead would write them.
NOTES: Final[dict[str, str]] = {
    "stall": N_("Stuck: waiting on the partner's legal review before we can go further."),
    "late": N_("Big jump this week: the work of the last month finally landed."),
    "drop": N_("Less sure now: the launch slipped two weeks, this may not make the quarter."),
    "today": N_("Good week: the pilot customers went live, the numbers followed."),
}
TODAY_TEXTS: Final = (
    NOTES["today"],
    N_("Better than expected: what we shipped last sprint shows in the numbers."),
    N_("On plan: the weekly numbers are in, next step agreed with the team on Monday."),
)
"""What the owners write with today's check-ins (a late surge says so, see `SURGE_TEXTS`)."""
SURGE_TEXTS: Final = (
    NOTES["late"],
    N_("Finally moving: the new process is in place and every week counts now."),
    N_("Caught up this week after a slow start; we expect to keep this pace."),
    N_("Two blockers cleared at once this week; the numbers followed right away."),
    N_("The team's focus week paid off: more done in five days than in the month before."),
    N_("Late but real: the fix we shipped last week is finally showing in the numbers."),
)
"""What the owners of today's late surges write: one text each in turn, so two owners never
post the same words on one review."""
NOTED_PER_KIND: Final = 2


@dataclass(frozen=True)
class Week:
    """One played sync: when people checked in, when okrsync synced, and the company then."""

    edited: datetime
    synced: datetime
    workspace: Workspace


def sync_days(today: date, cycle: Cycle, weeks: int = WEEKS) -> list[date]:
    """The weekly sync days before `today` (same weekday), inside the running cycle."""
    days = [today - timedelta(days=7 * n) for n in range(weeks, 0, -1)]
    return [d for d in days if d >= cycle.start]


def _path_of(kr_id: str, seed: int) -> tuple[Path, bool]:
    rng = random.Random(zlib.crc32(f"{seed}:{kr_id}".encode()))
    pick = rng.random()
    chosen: Path = "steady"
    for path, share in PATHS:
        if pick < share:
            chosen = path
            break
        pick -= share
    return chosen, rng.random() < CONFIDENCE_DROP_SHARE


def _shape(path: Path, x: float, wobble: float) -> float:
    """Share of the way done at `x` (share of the time to the last check-in), in [0, 1]."""
    if x >= 1.0:
        return 1.0
    if path == "stall":
        return min(1.0, x / 0.55)
    if path == "late":
        return x**3
    if path == "early":
        return math.sqrt(x)
    return min(1.0, max(0.0, x + wobble))


def _value(kr: KeyResult, share: float) -> float | None:
    if kr.current is None or kr.start is None:
        return kr.current
    value = kr.start + (kr.current - kr.start) * share
    whole = float(kr.start).is_integer() and float(kr.current).is_integer()
    return float(round(value)) if whole and abs(kr.current - kr.start) >= 10 else round(value, 2)


def weekly_states(
    company: Workspace, today: date, *, weeks: int = WEEKS, seed: int = 11
) -> list[Week]:
    """The company at each weekly sync before `today`, oldest first (see the module doc)."""
    cycles = company.cycle_by_id()
    objectives = company.objective_by_id()
    running = [c for c in company.cycles if c.start <= today <= c.end]
    if not running:
        return []
    cycle = running[0]
    people = company.person_by_id()
    noted: dict[str, int] = {}
    played: list[Week] = []
    for number, day in enumerate(sync_days(today, cycle, weeks)):
        edited = datetime.combine(day, EDIT_TIME, tzinfo=UTC)
        key_results: list[KeyResult] = []
        notes: list[CheckIn] = []
        for kr in company.key_results:
            objective = objectives.get(kr.objective)
            if objective is None or cycles.get(objective.cycle or "") is not cycle:
                key_results.append(kr)
                continue
            path, drops = _path_of(kr.id, seed)
            last = kr.updated_at or edited
            span = max((last.date() - cycle.start).days, 1)
            x = max(0.0, min(1.0, (day - cycle.start).days / span))
            wobble = random.Random(zlib.crc32(f"{seed}:{kr.id}:{number}".encode())).uniform(
                -0.04, 0.04
            )
            share = _shape(path, x, wobble)
            confidence = kr.confidence
            if drops and confidence is not None:
                confidence = round(min(1.0, confidence + CONFIDENCE_DROP * (1 - x)), 1)
            moved = kr.model_copy(
                update={
                    "current": _value(kr, share),
                    "confidence": confidence,
                    "done": (share >= 1.0 and kr.done) if kr.kind == "milestone" else kr.done,
                    "updated_at": None,
                }
            )
            key_results.append(moved)
            note = _note(path, drops, x, number, kr.id, noted)
            if note is not None:
                owner = people.get(kr.owners[0]) if kr.owners else None
                notes.append(
                    CheckIn(
                        key_result=kr.id,
                        at=edited,
                        value=moved.current,
                        confidence=confidence,
                        note=note,
                        who=owner.name if owner is not None else "",
                    )
                )
        previous = played[-1].workspace.check_ins if played else ()
        workspace = company.model_copy(
            update={"key_results": tuple(key_results), "check_ins": (*previous, *notes)}
        )
        synced = datetime.combine(day, SYNC_TIME, tzinfo=UTC)
        played.append(Week(edited, synced, workspace))
    return played


def _note(
    path: Path, drops: bool, x: float, week: int, kr_id: str, noted: dict[str, int]
) -> str | None:
    """A note on the week a path shows (the stall sets in, the surge lands, confidence is
    down), for the first few key results of each kind."""
    kind = None
    if path == "stall" and 0.55 <= x < 0.75:
        kind = "stall"
    elif path == "late" and 0.8 <= x < 1.0:
        kind = "late"
    elif drops and 0.5 <= x < 0.65:
        kind = "drop"
    if kind is None or noted.get(kind, 0) >= NOTED_PER_KIND or f"{kind}:{kr_id}" in noted:
        return None
    noted[kind] = noted.get(kind, 0) + 1
    noted[f"{kind}:{kr_id}"] = week
    return NOTES[kind]


TODAY_NOTES: Final = 2
"""Key results whose owners note today's check-in, so the review's "What changed" shows notes;
besides them, the owner of each department's biggest mover notes theirs (every team writes
check-ins, in Notion's check-ins database or on its wiki pages)."""


def final_state(
    company: Workspace, played: list[Week], today: date | None = None, *, seed: int = 11
) -> Workspace:
    """Today's company, with every note people wrote along the way; with `today`, the owners
    of the key results that moved most since the last played week note their check-in too."""
    notes = played[-1].workspace.check_ins if played else ()
    if today is None or not played:
        return company.model_copy(update={"check_ins": notes})
    before = {kr.id: kr for kr in played[-1].workspace.key_results}
    people = company.person_by_id()

    def moved(kr: KeyResult) -> float:
        last = before.get(kr.id)
        if kr.current is None or last is None or last.current is None:
            return 0.0
        span = abs((kr.target or 0.0) - (kr.start or 0.0)) or 1.0
        return abs(kr.current - last.current) / span

    ranked = sorted(
        (kr for kr in company.key_results if moved(kr) > 0 and kr.owners),
        key=lambda kr: (-moved(kr), kr.id),
    )
    objectives = company.objective_by_id()
    movers = ranked[:TODAY_NOTES]
    departments = {department_of(kr.objective, objectives) for kr in movers}
    for kr in ranked[TODAY_NOTES:]:
        department = department_of(kr.objective, objectives)
        if department is not None and department not in departments:
            departments.add(department)
            movers.append(kr)
    edited = datetime.combine(today, EDIT_TIME, tzinfo=UTC)
    surges = [kr for kr in movers if _path_of(kr.id, seed)[0] == "late"]
    others = [kr for kr in movers if kr not in surges]
    texts = {kr.id: SURGE_TEXTS[i % len(SURGE_TEXTS)] for i, kr in enumerate(surges)}
    texts |= {kr.id: TODAY_TEXTS[i % len(TODAY_TEXTS)] for i, kr in enumerate(others)}
    today_notes = [
        CheckIn(
            key_result=kr.id,
            at=edited,
            value=kr.current,
            confidence=kr.confidence,
            note=texts[kr.id],
            who=people[kr.owners[0]].name if kr.owners[0] in people else "",
        )
        for kr in movers
    ]
    return company.model_copy(update={"check_ins": (*notes, *today_notes)})


def department_of(objective_id: str, objectives: dict[str, Objective]) -> str | None:
    """The department an objective belongs to: its own or its nearest department ancestor's."""
    seen: set[str] = set()
    todo = [objective_id]
    while todo:
        objective = objectives.get(todo.pop(0))
        if objective is None or objective.id in seen:
            continue
        seen.add(objective.id)
        if objective.level == "department":
            return objective.team
        todo.extend(objective.parents)
    return None


def first_state(company: Workspace, played: list[Week]) -> Workspace:
    """What the demo seeds: the first played week, or today's company when none is played."""
    return played[0].workspace if played else final_state(company, played)


def notes_in(workspace: Workspace, t: Translator) -> Workspace:
    """The company with its people's notes (`NOTES`, `TODAY_TEXTS`, `SURGE_TEXTS`) in `t`'s
    language: the demo's people write in the language the demo runs in."""
    check_ins = tuple(
        c.model_copy(update={"note": t.gettext(c.note)}) if c.note else c
        for c in workspace.check_ins
    )
    return workspace.model_copy(update={"check_ins": check_ins})
