"""The meeting view, the noise policy, per-cycle pages and amounts written for people."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from okrsync.evaluation import ScoringSettings
from okrsync.i18n.format import count, format_amount, format_number
from okrsync.model import Cycle, Finding, KeyResult, Objective, Person, Workspace
from okrsync.review import Review
from okrsync.review_build import build_cycle_reviews
from okrsync.review_noise import warning_lines
from okrsync.scoring import evaluate

Q3 = Cycle(id="q3", name="Q3 2025", start=date(2025, 7, 1), end=date(2025, 9, 30))
Q4 = Cycle(id="q4", name="Q4 2025", start=date(2025, 10, 1), end=date(2025, 12, 31))
AT = date(2025, 11, 20)
NOW = datetime(2025, 11, 20, 9, tzinfo=UTC)


def kr(kid: str, objective: str, current: float, **fields: object) -> KeyResult:
    return KeyResult.model_validate(
        {
            "id": kid,
            "objective": objective,
            "title": f"KR {kid}",
            "start": 0,
            "target": 10,
            "current": current,
            "owners": ("ana",),
            "updated_at": NOW - timedelta(days=2),
            **fields,
        }
    )


def workspace() -> Workspace:
    objectives = (
        Objective(id="c", title="Company goal", level="company", cycle="q4", owners=("ana",)),
        Objective(id="a", title="Team A", cycle="q4", parents=("c",), team="A", owners=("ben",)),
        Objective(id="b", title="Team B", cycle="q4", parents=("c",), team="B", kind="committed"),
        Objective(id="d", title="Team D", cycle="q4", parents=("c",), team="B"),
        Objective(id="old", title="Last quarter", cycle="q3", team="A", owners=("ben",)),
    )
    key_results = (
        kr("c1", "c", 6),
        kr("a1", "a", 1, owners=("ben",), updated_at=NOW - timedelta(days=30)),
        kr("a2", "a", 2, owners=("ben",), updated_at=NOW - timedelta(days=20)),
        kr("b1", "b", 3),
        kr("d1", "d", 0.5),
        kr("o1", "old", 9),
    )
    people = (Person(id="ana", name="Ana"), Person(id="ben", name="Ben"))
    return Workspace(cycles=(Q3, Q4), objectives=objectives, key_results=key_results, people=people)


def review(findings: tuple[Finding, ...] = (), **fields: object) -> Review:
    ws = workspace()
    return Review.model_validate(
        {
            "workspace": ws,
            "evaluation": evaluate(ws, AT),
            "findings": findings,
            "generated_at": NOW,
            **fields,
        }
    )


def finding(
    code: str, subject: str, severity: str = "warning", cycle: str | None = None
) -> Finding:
    return Finding(code, severity, subject, f"{code} here", cycle=cycle)  # type: ignore[arg-type]


def test_needs_attention_puts_committed_misses_first_then_the_largest_weighted_gap() -> None:
    q4 = build_cycle_reviews(review())[1]
    titles = [item.title for item in q4.attention]
    assert titles[0] == "Team B"  # committed and behind: heading for a miss
    assert q4.attention[0].committed_miss
    assert "Team D" in titles and "Team A" in titles
    gaps = [item.attention for item in q4.attention[1:]]
    assert gaps == sorted(gaps, reverse=True)
    assert "Company goal" not in titles  # on pace
    # the objectives table keeps its page order (level, team, title), whatever the scores:
    # ranking is this short list's job, and a long list that keeps its places is patched
    assert [row.objective.id for row in q4.objectives] == ["c", "a", "b", "d"]


def test_missing_check_ins_grouped_by_owner_name() -> None:
    q4 = build_cycle_reviews(review())[1]
    (ben,) = q4.missing_check_ins
    assert (ben.owner, ben.count) == ("Ben", 2)
    assert ben.oldest == (NOW - timedelta(days=30)).date()
    assert ben.key_results == ("KR a1", "KR a2")
    assert build_cycle_reviews(review())[0].missing_check_ins == ()  # Q3 is over


def test_parent_shows_its_childrens_aggregate_and_a_mark_when_they_hide_behind_it() -> None:
    q4 = build_cycle_reviews(review())[1]
    parent = next(row for row in q4.objectives if row.objective.id == "c")
    assert parent.children is not None
    assert (parent.children.count, parent.children.behind) == (3, 3)
    assert parent.result.health == "on_track" and parent.children.masks
    leaf = next(row for row in q4.objectives if row.objective.id == "a")
    assert leaf.children is None


def test_person_and_team_findings_appear_on_their_cycles_page_only() -> None:
    found = (
        finding("OBJ001", "ben", cycle="q3"),
        finding("PF005", "A", cycle="q4"),
        finding("CYC001", "q3", cycle="q3"),
    )
    q3, q4 = build_cycle_reviews(review(found, planning_weeks=52))
    codes = {s: [f.code for f in fs] for s, fs in q3.findings.items()}
    assert codes["warning"] == ["CYC001", "OBJ001"]
    assert [f.code for f in q4.findings["warning"]] == ["PF005"]
    assert q3.names["ben"] == "Ben" and q4.names["A"] == "team A"


def test_team_pages_show_only_their_teams_findings() -> None:
    found = (finding("PF005", "A", cycle="q4"), finding("PF005", "B", cycle="q4"))
    pages = {r.title_key: r for r in build_cycle_reviews(review(found), per_team=True)}
    a = pages["q4:a"]
    assert [f.subject for f in a.findings["warning"]] == ["A"]


def test_health_restatements_are_folded_and_planning_rules_summarised_after_two_weeks() -> None:
    found = (
        finding("OBJ009", "a"),
        finding("KR015", "a1", "info"),
        finding("KR002", "b1"),
        finding("KR002", "d1"),
        finding("KR001", "b1", "error"),
        finding("KR012", "a2"),
    )
    q4 = build_cycle_reviews(review(found))[1]
    shown = [f.code for fs in q4.findings.values() for f in fs]
    assert shown == ["KR001", "KR012"]
    (note,) = q4.planning_notes
    assert (note.code, note.count, note.subjects) == ("KR002", 2, ("KR b1", "KR d1"))
    early = review(found, evaluation=evaluate(workspace(), date(2025, 10, 10)))
    q4_early = build_cycle_reviews(early)[1]
    assert [f.code for f in q4_early.findings["warning"]] == ["KR002", "KR002", "KR012"]
    assert q4_early.planning_notes == ()


def test_okr_page_warnings_are_at_most_three_lines() -> None:
    many = [finding(f"X{i:03d}", "a", "error" if i == 7 else "info") for i in range(6)]
    many.append(finding("X007", "a", "error"))
    lines = warning_lines(many)
    assert lines == ["X007 X007 here", "X000 X000 here", "+5 more, see the review"]
    assert warning_lines(many[:3]) == ["X000 X000 here", "X001 X001 here", "X002 X002 here"]


def test_review_text_does_not_depend_on_record_order() -> None:
    ws = workspace()
    shuffled = ws.model_copy(
        update={
            "objectives": tuple(reversed(ws.objectives)),
            "key_results": tuple(reversed(ws.key_results)),
        }
    )
    one = build_cycle_reviews(review())
    other = build_cycle_reviews(
        Review(workspace=shuffled, evaluation=evaluate(shuffled, AT), generated_at=NOW)
    )
    assert [r.model_dump() for r in one] != [] and len(one) == len(other)
    for a, b in zip(one, other, strict=True):
        assert a.attention == b.attention and a.missing_check_ins == b.missing_check_ins
        assert [r.objective.id for r in a.objectives] == [r.objective.id for r in b.objectives]


def test_milestones_are_on_track_until_their_due_date_approaches() -> None:
    milestone = KeyResult(id="m", objective="c", title="Ship it", kind="milestone", done=False)
    ws = workspace().model_copy(update={"key_results": (*workspace().key_results, milestone)})
    early = evaluate(ws, date(2025, 11, 1))
    assert early.key_results["m"].health == "on_track"
    late = evaluate(ws, date(2025, 12, 20))
    assert late.key_results["m"].health == "off_track"
    never = evaluate(ws, date(2025, 11, 1), ScoringSettings(milestone_window_days=200))
    assert never.key_results["m"].health == "at_risk"  # judged by pace, as before


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (2_400_000, "$", "$2.4M"),
        (3_296_710, "$", "$3.3M"),
        (180_000, "$", "$180K"),
        (95, "$", "$95"),
        (95.5, "€", "€95.50"),
        (2_400_000, "accounts", "2,400,000 accounts"),
        (12_345_678_901, None, "12.3B"),
        (1e-7, None, "0"),
        (27, "%", "27%"),
        (900, "/mo", "900/mo"),
        (float("nan"), "$", "–"),
    ],
)
def test_amounts_are_formatted_for_people(value: float, unit: str | None, text: str) -> None:
    assert format_amount(value, unit) == text
    assert "e+" not in format_number(value)


def test_counts_carry_their_unit() -> None:
    assert count(1, "day") == "1 day"
    assert count(14, "day") == "14 days"
    assert count(2, "key result") == "2 key results"
