"""Synthetic workspaces of any size for the benchmarks: teams, alignment, every KR kind."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from okrsync.model import CheckIn, Cycle, KeyResult, KeyResultKind, Objective, Person, Workspace

KINDS: tuple[KeyResultKind | None, ...] = (None, None, None, "decrease", "at_least", "milestone")
VERBS = ("Grow", "Raise", "Cut", "Launch", "Keep", "Ship")


def synthetic_workspace(
    key_results: int,
    *,
    seed: int = 1,
    at: date = date(2025, 8, 15),
    wide_every: int = 0,
    wide_owners: int = 30,
) -> Workspace:
    """About `key_results` KRs, four per objective, three objectives per team, aligned upwards.

    With `wide_every` N > 0, every Nth key result has `wide_owners` owners: past Notion's
    25-reference cut, so the API benchmarks exercise the paginated property-item reads.
    """
    rng = random.Random(seed)
    cycle = Cycle(id="2025-Q3", name="Q3 2025", start=date(2025, 7, 1), end=date(2025, 9, 30))
    n_obj = max(1, key_results // 4)
    n_teams = max(1, n_obj // 3)
    n_people = max(2, n_teams, wide_owners if wide_every else 0)
    people = tuple(Person(id=f"p{i}", name=f"Person {i}") for i in range(n_people))
    objectives: list[Objective] = []
    for i in range(n_obj):
        team = i // 3
        level = "company" if i < 5 else ("department" if i < 50 else "team")
        parent = (
            () if level == "company" or rng.random() < 0.05 else (f"o{rng.randrange(min(i, 50))}",)
        )
        objectives.append(
            Objective(
                id=f"o{i}",
                title=f"Objective {i} of team {team}: make customers succeed",
                level=level,
                team=f"team-{team}",
                owners=(people[team % len(people)].id,),
                cycle=cycle.id,
                parents=parent,
                kind="committed" if i % 7 == 0 else "aspirational",
            )
        )
    krs: list[KeyResult] = []
    check_ins: list[CheckIn] = []
    now = datetime.combine(at, datetime.min.time(), UTC)
    for k in range(key_results):
        kind = KINDS[k % len(KINDS)]
        start, target = (100.0, 60.0) if kind == "decrease" else (10.0, 50.0)
        krs.append(
            KeyResult(
                id=f"k{k}",
                objective=f"o{k % n_obj}",
                title=f"{VERBS[k % len(VERBS)]} metric {k} from {start:g} to {target:g}",
                kind=kind,
                start=None if kind in ("at_least", "milestone") else start,
                target=None if kind == "milestone" else target,
                current=round(rng.uniform(0, 120), 1),
                unit="%",
                weight=1.0 if k % 9 else 0.0,
                confidence=round(rng.random(), 2),
                owners=(
                    tuple(people[(k + j) % len(people)].id for j in range(wide_owners))
                    if wide_every and k % wide_every == wide_every // 2
                    else (people[k % len(people)].id,)
                ),
                done=(k % 2 == 0) if kind == "milestone" else None,
                updated_at=now - timedelta(days=rng.randint(0, 30)),
            )
        )
        if k % 3 == 0:
            check_ins.append(CheckIn(key_result=f"k{k}", at=now - timedelta(days=20), value=20.0))
    return Workspace(
        cycles=(cycle,),
        objectives=tuple(objectives),
        key_results=tuple(krs),
        people=people,
        check_ins=tuple(check_ins),
    )
