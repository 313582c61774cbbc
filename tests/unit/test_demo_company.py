"""The demo company is realistic in size and mix, and deterministic."""

from __future__ import annotations

from collections import Counter
from datetime import date

from okrsync.demo.company import demo_company


def test_demo_company_has_the_promised_size_and_mix() -> None:
    ws = demo_company(date(2026, 11, 21))
    assert 36 <= len(ws.objectives) <= 45
    assert 130 <= len(ws.key_results) <= 170
    teams = {o.team for o in ws.objectives}
    assert len(teams) >= 12
    assert {"company", "department", "team"} <= {o.level for o in ws.objectives}
    kinds = Counter(kr.kind for kr in ws.key_results)
    assert {"decrease", "at_least", "at_most", "milestone"} <= set(kinds)
    # increase is inferred from start < target
    assert any(
        kr.kind is None and kr.start is not None and kr.target is not None and kr.start < kr.target
        for kr in ws.key_results
    )


def test_demo_company_carries_deliberate_mistakes() -> None:
    ws = demo_company(date(2026, 11, 21))
    current = next(c for c in ws.cycles if c.start <= date(2026, 11, 21) <= c.end)
    now_objs = [o for o in ws.objectives if o.cycle == current.id]
    orphans = [o for o in now_objs if o.level != "company" and not o.parents]
    assert len(orphans) >= 2
    assert any(not kr.owners for kr in ws.key_results)
    assert any(kr.kind == "decrease" and kr.start is None for kr in ws.key_results)
    per_team = Counter(o.team for o in now_objs if o.level == "team")
    assert max(per_team.values()) > 3  # an overloaded team
    stale = [
        kr
        for kr in ws.key_results
        if kr.updated_at and (date(2026, 11, 21) - kr.updated_at.date()).days > 14
    ]
    assert stale


def test_demo_company_is_deterministic_and_follows_the_date() -> None:
    assert demo_company(date(2026, 11, 21)) == demo_company(date(2026, 11, 21))
    later = demo_company(date(2027, 2, 3))
    assert {c.name for c in later.cycles} == {"Q4 2026", "Q1 2027"}
