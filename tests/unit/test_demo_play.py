"""The demo's played cycle (okrsync.demo.play): a realistic, seeded mix of weekly states."""

from __future__ import annotations

from datetime import date

from okrsync.demo.company import demo_company
from okrsync.demo.play import (
    NOTES,
    department_of,
    final_state,
    first_state,
    sync_days,
    weekly_states,
)

TODAY = date(2026, 11, 21)


def test_the_weeks_lead_up_to_today_inside_the_cycle() -> None:
    company = demo_company(TODAY)
    weeks = weekly_states(company, TODAY)
    running = next(c for c in company.cycles if c.start <= TODAY <= c.end)
    assert [w.synced.date() for w in weeks] == sync_days(TODAY, running)
    assert all(running.start <= w.synced.date() < TODAY for w in weeks)
    assert len(weeks) == 7  # eight weeks back is before the quarter began
    assert all(w.edited < w.synced for w in weeks)
    assert weekly_states(company, TODAY) == weeks  # seeded: the same play every time


def test_key_results_move_along_a_mix_of_paths_and_reach_todays_values() -> None:
    company = demo_company(TODAY)
    weeks = weekly_states(company, TODAY)
    today = {kr.id: kr for kr in company.key_results}
    series = {
        kr.id: [w.workspace.key_results[i].current for w in weeks]
        for i, kr in enumerate(company.key_results)
        if kr.start is not None
        and kr.current is not None
        and kr.id.startswith("kr-")
        and not kr.id.startswith("kr-prev")
        and kr.current != kr.start
    }
    flat_at_the_end = [k for k, v in series.items() if v[-3] == v[-2] == v[-1]]
    moving_late = [k for k, v in series.items() if v[0] == v[1] and v[-1] != v[-2]]
    assert flat_at_the_end and moving_late  # stalls (and stale teams), and late surges
    # Every path ends where the company stands today, no further.
    for kr_id, values in series.items():
        kr = today[kr_id]
        low, high = sorted((kr.start or 0.0, kr.current or 0.0))
        assert all(
            low - abs(high - low) * 0.05 <= v <= high + abs(high - low) * 0.05
            for v in values
            if v is not None
        ), kr_id
    confidences = {
        kr.id: [w.workspace.key_results[i].confidence for w in weeks]
        for i, kr in enumerate(company.key_results)
    }
    assert any(
        v[0] is not None and v[-1] is not None and v[0] > v[-1] for v in confidences.values()
    )


def test_a_few_check_ins_carry_their_owners_notes() -> None:
    company = demo_company(TODAY)
    weeks = weekly_states(company, TODAY)
    notes = final_state(company, weeks).check_ins
    assert 2 <= len(notes) <= 6
    assert {n.note for n in notes} <= set(NOTES.values())
    assert all(n.who for n in notes)
    assert first_state(company, weeks) == weeks[0].workspace
    assert final_state(company, weeks).key_results == company.key_results


def test_todays_biggest_movers_note_their_check_in() -> None:
    company = demo_company(TODAY)
    weeks = weekly_states(company, TODAY)
    earlier = final_state(company, weeks).check_ins
    today = final_state(company, weeks, TODAY).check_ins
    added = today[len(earlier) :]
    # the two biggest movers, then the biggest mover of each other department (the wiki's too)
    assert 2 < len(added) <= 2 + 5
    assert all(n.at.date() == TODAY and n.note and n.who for n in added)
    objectives = company.objective_by_id()
    krs = {kr.id: kr for kr in company.key_results}
    departments = [department_of(krs[n.key_result].objective, objectives) for n in added]
    assert {"Customer Success", "People & Operations"} <= set(departments)
    assert len(set(departments[2:])) == len(departments[2:])
    # two owners never post the same words on one review
    assert len({n.note for n in added}) == len(added)
