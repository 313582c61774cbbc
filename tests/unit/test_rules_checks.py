"""Every rule of the catalogue firing on a minimal bad case and staying quiet on a good one.

The baseline workspace is a small, healthy sales OKR set (evaluated with the real
`scoring.evaluate`) on which no rule fires at all; each case changes one thing and runs only
the rule under test, asserting exactly which subjects it flags.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import pytest

from okrsync.evaluation import Evaluation, Health
from okrsync.model import CheckIn, Cycle, KeyResult, Objective, Person, Workspace
from okrsync.rules import RuleSettings, check, make_finding
from okrsync.rules.context import TEXT_LIMIT, scan_title, scan_titles
from okrsync.scoring import evaluate

Q3 = Cycle(id="q3", name="Q3 2025", start=date(2025, 7, 1), end=date(2025, 9, 30))
Q2 = Cycle(id="q2", name="Q2 2025", start=date(2025, 4, 1), end=date(2025, 6, 30))
Y2025 = Cycle(id="y2025", name="2025", start=date(2025, 1, 1), end=date(2025, 12, 31))
AT = date(2025, 8, 15)


def stamp(day: date) -> datetime:
    """Noon UTC on a day, for check-ins and updated_at."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def objective(oid: str, **changes: Any) -> Objective:
    """A well-formed team objective of Sales in Q3 aligned to C1; override any field."""
    fields: dict[str, Any] = {
        "id": oid,
        "title": f"Win the mid-market {oid}",
        "level": "team",
        "team": "Sales",
        "owners": ("ana",),
        "cycle": "q3",
        "parents": ("C1",),
    }
    fields.update(changes)
    return Objective(**fields)


def key_result(kid: str, objective_id: str, **changes: Any) -> KeyResult:
    """A well-formed increase key result with baseline, owner and a recent update."""
    fields: dict[str, Any] = {
        "id": kid,
        "objective": objective_id,
        "title": "Close rate from 22% to 27%",
        "kind": "increase",
        "start": 22.0,
        "target": 27.0,
        "current": 24.5,
        "unit": "%",
        "owners": ("ana",),
        "confidence": 0.6,
        "updated_at": stamp(date(2025, 8, 12)),
    }
    fields.update(changes)
    return KeyResult(**fields)


def base_workspace() -> Workspace:
    """A healthy workspace: one company objective, one aligned team objective, 2 KRs each."""
    objectives = (
        Objective(
            id="C1",
            title="Become the CRM small teams trust most",
            level="company",
            owners=("ceo",),
            cycle="q3",
        ),
        objective("T1", title="Win the mid-market"),
    )
    key_results = (
        key_result(
            "C1-1",
            "C1",
            title="Net promoter score from 30 to 45",
            start=30.0,
            target=45.0,
            current=38.0,
            unit="points",
            owners=("ceo",),
        ),
        key_result(
            "C1-2",
            "C1",
            title="Monthly active teams from 1200 to 2000",
            start=1200.0,
            target=2000.0,
            current=1600.0,
            unit="teams",
            owners=("ceo",),
        ),
        key_result("T1-1", "T1"),
        key_result(
            "T1-2",
            "T1",
            title="Scheduled calls per rep from 3 to 6 per week",
            start=3.0,
            target=6.0,
            current=4.6,
            unit="calls",
        ),
    )
    check_ins = tuple(
        CheckIn(key_result=kr.id, at=stamp(date(2025, 8, 10)), value=kr.current)
        for kr in key_results
    )
    people = (Person(id="ceo", name="Cleo"), Person(id="ana", name="Ana"), Person(id="ben"))
    return Workspace(
        cycles=(Q3,),
        objectives=objectives,
        key_results=key_results,
        people=people,
        check_ins=check_ins,
    )


def replace(ws: Workspace, **records: Any) -> Workspace:
    """`ws` with objectives or key results replaced by id, or added when the id is new.

    Keyword `objectives` / `key_results` take a sequence of records; `drop` a sequence of ids
    to remove; other keywords replace whole collections (cycles, check_ins).
    """
    drop = set(records.pop("drop", ()))
    update: dict[str, Any] = {}
    for name in ("objectives", "key_results"):
        new: Sequence[Any] = records.pop(name, ())
        by_id = {r.id: r for r in getattr(ws, name) if r.id not in drop}
        by_id.update({r.id: r for r in new})
        update[name] = tuple(by_id.values())
    update.update(records)
    return ws.model_copy(update=update)


def evaluation(
    ws: Workspace,
    at: date = AT,
    krs: dict[str, dict[str, Any]] | None = None,
    objectives: dict[str, dict[str, Any]] | None = None,
) -> Evaluation:
    """The real evaluation of `ws` at `at`, with chosen KR/objective results overridden."""
    result = evaluate(ws, at)
    kr_results = dict(result.key_results)
    for kid, changes in (krs or {}).items():
        kr_results[kid] = kr_results[kid]._replace(**changes)
    obj_results = dict(result.objectives)
    for oid, changes in (objectives or {}).items():
        obj_results[oid] = obj_results[oid]._replace(**changes)
    return dataclasses.replace(result, key_results=kr_results, objectives=obj_results)


def subjects(
    code: str,
    ws: Workspace,
    ev: Evaluation | None = None,
    thresholds: dict[str, Any] | None = None,
) -> list[str]:
    """Subjects flagged by one rule alone, sorted."""
    settings = RuleSettings(select=(code,), thresholds={code: thresholds or {}})
    found = check(ws, ev if ev is not None else evaluation(ws), settings)
    assert all(f.code == code for f in found)
    return sorted(f.subject for f in found)


def test_baseline_is_clean() -> None:
    ws = base_workspace()
    assert check(ws, evaluation(ws)) == []


# -- objectives --------------------------------------------------------------------------------


def test_obj001_team_owner_and_company_limits() -> None:
    ws = base_workspace()
    team = [objective(f"T{i}", owners=(f"p{i}",)) for i in range(2, 5)]  # T1..T4: 4 for Sales
    assert subjects("OBJ001", replace(ws, objectives=team)) == ["Sales"]
    assert subjects("OBJ001", replace(ws, objectives=team[:2])) == []
    owned = [objective(f"B{i}", team=f"team{i}", owners=("ben",)) for i in range(4)]
    assert subjects("OBJ001", replace(ws, objectives=owned)) == ["ben"]
    company = [objective(f"C{i}", level="company", team=None, parents=()) for i in range(2, 7)]
    assert subjects("OBJ001", replace(ws, objectives=company)) == ["q3"]  # 6 company
    assert subjects("OBJ001", replace(ws, objectives=company[:4])) == []  # 5 company


def test_obj001_threshold_override() -> None:
    ws = replace(base_workspace(), objectives=[objective(f"T{i}") for i in range(2, 5)])
    assert subjects("OBJ001", ws) == ["Sales", "ana"]
    assert subjects("OBJ001", ws, thresholds={"max_per_team": 4, "max_per_owner": 4}) == []


def test_obj001_messages_name_people_objectives_and_cycles_not_ids() -> None:
    ws = replace(
        base_workspace(),
        objectives=[objective(f"T{i}", title=f"Delight segment {i}") for i in range(2, 5)],
    )
    found = check(ws, evaluation(ws), RuleSettings(select=("OBJ001",)))
    by_subject = {f.subject: f.message for f in found}
    assert by_subject["ana"].startswith("Ana owns 4 objectives in Q3 2025, more than 3 objectives")
    assert "'Delight segment 2'" in by_subject["ana"]
    assert "(q3)" not in by_subject["Sales"] and "T2" not in by_subject["Sales"]


def test_obj002_too_few_key_results() -> None:
    ws = base_workspace()
    one = replace(ws, drop=["T1-2"])
    assert subjects("OBJ002", one) == ["T1"]
    assert subjects("OBJ002", ws) == []
    assert subjects("OBJ002", replace(ws, drop=["T1-1", "T1-2"])) == []  # OBJ004's case


def test_obj003_too_many_key_results() -> None:
    ws = base_workspace()
    five = replace(ws, key_results=[key_result(f"T1-{i}", "T1") for i in range(3, 6)])
    assert subjects("OBJ003", five) == []
    six = replace(five, key_results=[key_result("T1-6", "T1")])
    assert subjects("OBJ003", six) == ["T1"]


def test_obj004_objective_without_key_results() -> None:
    ws = base_workspace()
    assert subjects("OBJ004", replace(ws, drop=["T1-1", "T1-2"])) == ["T1"]
    assert subjects("OBJ004", ws) == []


def test_obj005_objective_without_owner() -> None:
    ws = base_workspace()
    assert subjects("OBJ005", replace(ws, objectives=[objective("T1", owners=())])) == ["T1"]
    assert subjects("OBJ005", ws) == []


@pytest.mark.parametrize(
    ("title", "fires"),
    [
        ("Grow revenue by 20%", True),
        ("Reach $500K in new business", True),
        ("10x faster onboarding", True),
        ("Improve NPS from 30 to 45", True),
        ("Win 1,000 new customers", True),
        ("Umsatz von 2 auf 3 Mio steigern", True),
        ("Win the mid-market in 2025", False),
        ("Become a top 3 vendor in Q3", False),
        ("Delight our customers", False),
    ],
)
def test_obj006_objective_phrased_as_metric(title: str, fires: bool) -> None:
    ws = replace(base_workspace(), objectives=[objective("T1", title=title)])
    assert subjects("OBJ006", ws) == (["T1"] if fires else [])


def test_obj006_quotes_the_whole_number() -> None:
    ws = replace(base_workspace(), objectives=[objective("T1", title="Increase MQLs by 40%")])
    (finding,) = check(ws, evaluation(ws), RuleSettings(select=("OBJ006",)))
    assert finding.message.endswith("reads like a metric ('40%')")


def test_obj006_plain_number_threshold() -> None:
    ws = replace(base_workspace(), objectives=[objective("T1", title="Serve 50 new regions")])
    assert subjects("OBJ006", ws) == []
    assert subjects("OBJ006", ws, thresholds={"plain_number_from": 10}) == ["T1"]


def test_obj007_exact_and_near_duplicates() -> None:
    ws = base_workspace()
    exact = replace(ws, objectives=[objective("T2", title="win the  Mid-Market!", team="Ops")])
    assert subjects("OBJ007", exact) == ["T2"]
    near = replace(
        ws,
        objectives=[
            objective("T1", title="Win the mid-market segment"),
            objective("T2", title="Win the mid-market segments"),
        ],
    )
    assert subjects("OBJ007", near) == ["T2"]
    assert subjects("OBJ007", near, thresholds={"similarity": 0.99}) == []
    other_cycle = replace(
        near,
        cycles=(Q3, Q2),
        objectives=[objective("T2", title="Win the mid-market segment", cycle="q2")],
    )
    assert subjects("OBJ007", other_cycle) == []
    distinct = replace(ws, objectives=[objective("T2", title="Hire a world-class support team")])
    assert subjects("OBJ007", distinct) == []
    untitled = replace(ws, objectives=[objective("T1", title="?"), objective("T2", title="")])
    assert subjects("OBJ007", untitled) == []


def test_obj007_large_group_uses_window_and_still_finds_neighbours() -> None:
    titles = [hashlib.sha256(str(i).encode()).hexdigest()[:24] for i in range(300)]
    many = [objective(f"X{i:03d}", title=t, owners=()) for i, t in enumerate(titles)]
    twin = objective("X999", title=titles[7] + "s", owners=())
    ws = replace(base_workspace(), objectives=[*many, twin])
    assert subjects("OBJ007", ws) == ["X999"]


def test_obj008_committed_miss() -> None:
    ws = base_workspace()
    ev = evaluation(ws, objectives={"T1": {"miss": True}})
    assert subjects("OBJ008", ws, ev) == ["T1"]
    assert subjects("OBJ008", ws) == []


@pytest.mark.parametrize(
    ("health", "off_track", "at_risk"),
    [("off_track", ["T1"], []), ("at_risk", [], ["T1"]), ("on_track", [], [])],
)
def test_obj009_obj010_behind_pace(
    health: Health, off_track: list[str], at_risk: list[str]
) -> None:
    ws = base_workspace()
    ev = evaluation(ws, objectives={"T1": {"health": health}})
    assert subjects("OBJ009", ws, ev) == off_track
    assert subjects("OBJ010", ws, ev) == at_risk


def test_obj009_with_real_scores() -> None:
    ws = replace(
        base_workspace(),
        key_results=[key_result("T1-1", "T1", current=22.0), key_result("T1-2", "T1", current=22)],
    )
    assert subjects("OBJ009", ws) == ["T1"]


def test_obj011_zero_total_weight() -> None:
    ws = base_workspace()
    zero = [key_result("T1-1", "T1", weight=0), key_result("T1-2", "T1", weight=0)]
    assert subjects("OBJ011", replace(ws, key_results=zero)) == ["T1"]
    assert subjects("OBJ011", replace(ws, key_results=zero[:1])) == []


def test_obj012_objective_without_cycle() -> None:
    ws = base_workspace()
    assert subjects("OBJ012", replace(ws, objectives=[objective("T1", cycle=None)])) == ["T1"]
    assert subjects("OBJ012", ws) == []


def test_obj013_title_too_long() -> None:
    ws = base_workspace()
    assert subjects("OBJ013", replace(ws, objectives=[objective("T1", title="w" * 101)])) == ["T1"]
    assert subjects("OBJ013", replace(ws, objectives=[objective("T1", title="w" * 100)])) == []


# -- key results -------------------------------------------------------------------------------


def test_kr001_not_measurable() -> None:
    ws = base_workspace()
    assert subjects("KR001", replace(ws, key_results=[key_result("T1-1", "T1", target=None)])) == [
        "T1-1"
    ]
    milestone = key_result("T1-1", "T1", kind="milestone", target=None, start=None, unit=None)
    assert subjects("KR001", replace(ws, key_results=[milestone])) == []
    done_flag = key_result("T1-1", "T1", kind=None, target=None, start=None, done=False)
    assert subjects("KR001", replace(ws, key_results=[done_flag])) == []


@pytest.mark.parametrize(
    ("title", "extra", "fires"),
    [
        ("Launch the new onboarding flow", (), True),
        ("Implement single sign-on", (), True),
        ("Hold weekly customer meetings", (), True),
        ("Migrate billing to the new provider", (), True),
        ("Onboarding-Prozess einführen", (), True),
        ("Erstellen eines Vertriebsleitfadens", (), True),
        ("Kundenumfrage durchführen", (), True),
        ("Sunset the legacy plan", ("sunset",), True),
        ("Sunset the legacy plan", (), False),
        ("Increase activation from 20% to 35%", (), False),
        ("Time to launch under two weeks", (), False),
        ("Build time from 20 to 5 minutes", (), False),
        ("Build-out of the EU region at 100%", (), False),  # a noun, not "build"
        ("Release frequency from 2 to 4 per month", (), False),
        ("Run rate from $1M to $2M", (), False),
        ("Release the mobile app", (), True),
        ("Kundenzufriedenheit von 7 auf 8 steigern", (), False),
    ],
)
def test_kr002_key_result_is_a_task(title: str, extra: tuple[str, ...], fires: bool) -> None:
    ws = replace(base_workspace(), key_results=[key_result("T1-1", "T1", title=title)])
    assert subjects("KR002", ws, thresholds={"extra_verbs": extra}) == (["T1-1"] if fires else [])


@pytest.mark.parametrize(
    "titles",
    [
        ["Launch the new site", "Build-time under 5 minutes", "Cut churn to 2%"],
        ["Ship it\nthis quarter", "Raise NPS"],  # a line break inside a title
        ["Kundenzufriedenheit steigern", "Raise NPS"],  # not ASCII
        ["İstanbul office live", "Raise NPS"],  # folds as re.IGNORECASE does
        ["x" * (TEXT_LIMIT + 50) + " launch", ""],  # past the limit, and empty
        [],
    ],
)
def test_titles_scanned_together_read_as_each_scanned_alone(titles: list[str]) -> None:
    assert scan_titles(titles) == [scan_title(title) for title in titles]


def test_kr003_missing_baseline() -> None:
    ws = base_workspace()
    assert subjects("KR003", replace(ws, key_results=[key_result("T1-1", "T1", start=None)])) == [
        "T1-1"
    ]
    band = key_result("T1-1", "T1", start=None, kind="at_least", title="Pipeline at least 500")
    assert subjects("KR003", replace(ws, key_results=[band])) == []
    assert subjects("KR003", ws) == []


def test_kr004_start_equals_target() -> None:
    ws = replace(base_workspace(), key_results=[key_result("T1-1", "T1", start=27.0)])
    assert subjects("KR004", ws) == ["T1-1"]
    assert subjects("KR004", base_workspace()) == []


def test_kr005_never_checked_in() -> None:
    ws = base_workspace()
    silent = replace(
        ws,
        key_results=[key_result("T1-1", "T1", current=None, updated_at=None)],
        check_ins=tuple(c for c in ws.check_ins if c.key_result != "T1-1"),
    )
    assert subjects("KR005", silent) == ["T1-1"]
    early = date(2025, 7, 5)
    assert subjects("KR005", silent, evaluation(silent, at=early)) == []
    assert subjects("KR005", silent, thresholds={"grace_days": 60}) == []
    assert subjects("KR005", replace(silent, check_ins=ws.check_ins)) == []


def test_kr006_stale_check_in() -> None:
    ws = base_workspace()
    old = stamp(date(2025, 7, 20))
    stale = replace(
        ws,
        key_results=[key_result("T1-1", "T1", updated_at=old)],
        check_ins=tuple(
            c.model_copy(update={"at": old}) if c.key_result == "T1-1" else c for c in ws.check_ins
        ),
    )
    assert subjects("KR006", stale) == ["T1-1"]
    assert subjects("KR006", stale, thresholds={"days": 30}) == []
    after = date(2025, 10, 20)
    assert subjects("KR006", stale, evaluation(stale, at=after)) == []
    fortnight = stamp(date(2025, 8, 1))
    edge = replace(
        ws,
        key_results=[key_result("T1-1", "T1", updated_at=fortnight)],
        check_ins=tuple(c for c in ws.check_ins if c.key_result != "T1-1"),
    )
    assert subjects("KR006", edge) == []  # exactly 14 days is not more than 14


def test_kr006_one_finding_per_stale_objective_not_one_per_key_result() -> None:
    ws = base_workspace()
    old = stamp(date(2025, 7, 20))
    older = stamp(date(2025, 7, 10))
    stale = replace(
        ws,
        key_results=[
            key_result("T1-1", "T1", updated_at=old),
            key_result("T1-2", "T1", title="Calls per rep", updated_at=older),
        ],
        check_ins=tuple(c for c in ws.check_ins if not c.key_result.startswith("T1")),
    )
    found = check(stale, evaluation(stale), RuleSettings(select=("KR006",)))
    assert [f.subject for f in found] == ["T1"]  # one root cause, one finding
    assert found[0].message == (
        "2 of 2 key results of 'Win the mid-market' were not checked in or updated for more "
        "than 14 days (the oldest 36 days, since 2025-07-10)"
    )


def test_kr006_message_states_its_unit() -> None:
    ws = base_workspace()
    old = stamp(date(2025, 7, 20))
    stale = replace(
        ws,
        key_results=[key_result("T1-1", "T1", updated_at=old)],
        check_ins=tuple(c for c in ws.check_ins if c.key_result != "T1-1"),
    )
    (finding,) = check(stale, evaluation(stale), RuleSettings(select=("KR006",)))
    assert finding.message.endswith("26 days ago (2025-07-20), more than 14 days")


def test_kr005_leaves_unfinished_milestones_alone() -> None:
    ws = base_workspace()
    milestone = key_result(
        "T1-1", "T1", kind="milestone", start=None, target=None, current=None, updated_at=None
    )
    silent = replace(
        ws,
        key_results=[milestone],
        check_ins=tuple(c for c in ws.check_ins if c.key_result != "T1-1"),
    )
    assert subjects("KR005", silent) == []


def test_kr004_kr014_amounts_are_written_for_people() -> None:
    ws = base_workspace()
    flat = replace(
        ws,
        key_results=[
            key_result("T1-1", "T1", start=2_400_000.0, target=2_400_000.0, unit="$", kind=None)
        ],
    )
    (finding,) = check(flat, evaluation(flat), RuleSettings(select=("KR004",)))
    assert "($2.4M)" in finding.message and "e+" not in finding.message
    backwards = replace(
        ws, key_results=[key_result("T1-1", "T1", start=3_600_000.0, target=2_400_000.0, unit="$")]
    )
    (finding,) = check(backwards, evaluation(backwards), RuleSettings(select=("KR014",)))
    assert finding.message.endswith("goes from $3.6M to $2.4M")


def test_kr007_key_result_without_owner() -> None:
    ws = base_workspace()
    assert subjects("KR007", replace(ws, key_results=[key_result("T1-1", "T1", owners=())])) == [
        "T1-1"
    ]
    assert subjects("KR007", ws) == []


@pytest.mark.parametrize(
    ("title", "unit", "target", "fires"),
    [
        ("Close rate from 22% to 27%", "$", 27.0, True),
        ("Revenue from $1M to $2M", "%", 27.0, True),
        ("Conversion to 27 percent", "EUR", 27.0, True),
        ("Share of wallet up", "%", 150.0, True),
        ("Net revenue retention from 104% to 112%", "%", 112.0, False),
        ("Net revenue retention from 104% to 112%", "%", 1120.0, True),
        ("Close rate from 22% to 27%", "%", 27.0, False),
        ("Revenue to €2M", "€", 27.0, False),
        ("Close rate from 22% to 27%", "calls", 27.0, False),
    ],
)
def test_kr008_unit_mismatch(title: str, unit: str, target: float, fires: bool) -> None:
    kr = key_result("T1-1", "T1", title=title, unit=unit, target=target)
    ws = replace(base_workspace(), key_results=[kr])
    assert subjects("KR008", ws) == (["T1-1"] if fires else [])


def test_kr009_target_hit_early() -> None:
    ws = replace(base_workspace(), key_results=[key_result("T1-1", "T1", current=27.0)])
    assert subjects("KR009", ws, evaluation(ws, at=date(2025, 7, 28))) == ["T1-1"]
    assert subjects("KR009", ws, evaluation(ws, at=date(2025, 8, 20))) == []  # past half
    assert (
        subjects("KR009", base_workspace(), evaluation(base_workspace(), at=date(2025, 7, 28)))
        == []
    )


def test_kr010_far_overachieved() -> None:
    ws = base_workspace()
    assert subjects("KR010", replace(ws, key_results=[key_result("T1-1", "T1", current=28.5)])) == [
        "T1-1"
    ]  # progress 1.3
    assert (
        subjects("KR010", replace(ws, key_results=[key_result("T1-1", "T1", current=28.0)])) == []
    )


@pytest.mark.parametrize(
    ("title", "kind", "fires"),
    [
        ("Qualified pipeline at least 500", "at_least", True),
        ("Support backlog under 40 tickets", "at_most", True),
        ("Maintain uptime above 99.9%", "increase", True),
        ("Keep churn below 2%", "decrease", True),
        ("Churn unter 2% halten", "decrease", True),
        ("Close rate from 22% to 27%", "increase", False),
    ],
)
def test_kr011_kpi_as_key_result(title: str, kind: str, fires: bool) -> None:
    kr = key_result("T1-1", "T1", title=title, kind=kind, start=30.0, target=40.0, unit=None)
    ws = replace(base_workspace(), key_results=[kr])
    assert subjects("KR011", ws) == (["T1-1"] if fires else [])


@pytest.mark.parametrize(
    ("confidence", "health", "fires"),
    [
        (0.9, "off_track", True),
        (0.8, "off_track", True),
        (0.2, "on_track", True),
        (0.5, "off_track", False),
        (0.9, "on_track", False),
        (0.2, "off_track", False),
    ],
)
def test_kr012_confidence_contradicts_progress(
    confidence: float, health: Health, fires: bool
) -> None:
    ws = replace(base_workspace(), key_results=[key_result("T1-1", "T1", confidence=confidence)])
    ev = evaluation(ws, krs={"T1-1": {"health": health}})
    assert subjects("KR012", ws, ev) == (["T1-1"] if fires else [])


def test_kr012_reads_confidence_from_latest_check_in() -> None:
    ws = base_workspace()
    ws = replace(
        ws,
        key_results=[key_result("T1-1", "T1", confidence=None)],
        check_ins=(
            *ws.check_ins,
            CheckIn(key_result="T1-1", at=stamp(date(2025, 7, 1)), confidence=0.2),
            CheckIn(key_result="T1-1", at=stamp(date(2025, 8, 1)), confidence=0.9),
        ),
    )
    ev = evaluation(ws, krs={"T1-1": {"health": "off_track"}})
    assert subjects("KR012", ws, ev) == ["T1-1"]


def test_kr013_due_outside_cycle() -> None:
    ws = base_workspace()
    late = key_result("T1-1", "T1", due=date(2025, 10, 15))
    assert subjects("KR013", replace(ws, key_results=[late])) == ["T1-1"]
    last_day = key_result("T1-1", "T1", due=date(2025, 9, 30))
    assert subjects("KR013", replace(ws, key_results=[last_day])) == []


def test_kr014_kind_contradicts_values() -> None:
    ws = base_workspace()
    wrong = key_result("T1-1", "T1", kind="increase", start=10.0, target=5.0, current=8.0)
    assert subjects("KR014", replace(ws, key_results=[wrong])) == ["T1-1"]
    right = key_result("T1-1", "T1", kind="decrease", start=10.0, target=5.0, current=8.0)
    assert subjects("KR014", replace(ws, key_results=[right])) == []
    wrong_down = key_result("T1-1", "T1", kind="decrease", start=5.0, target=10.0)
    assert subjects("KR014", replace(ws, key_results=[wrong_down])) == ["T1-1"]


def test_kr015_key_result_off_track() -> None:
    ws = base_workspace()
    assert subjects("KR015", ws, evaluation(ws, krs={"T1-2": {"health": "off_track"}})) == ["T1-2"]
    assert subjects("KR015", ws, evaluation(ws, krs={"T1-2": {"health": "at_risk"}})) == []


# -- alignment --------------------------------------------------------------------------------


def test_aln001_orphan_objective() -> None:
    ws = base_workspace()
    assert subjects("ALN001", replace(ws, objectives=[objective("T1", parents=())])) == ["T1"]
    assert subjects("ALN001", ws) == []  # the company objective needs no parent


def test_aln002_unsupported_company_objective() -> None:
    ws = base_workspace()
    assert subjects("ALN002", replace(ws, objectives=[objective("T1", parents=())])) == ["C1"]
    assert subjects("ALN002", ws) == []


def test_aln003_parent_in_other_cycle() -> None:
    ws = base_workspace()
    moved = replace(ws, cycles=(Q3, Q2), objectives=[objective("T1", cycle="q2")])
    assert subjects("ALN003", moved) == ["T1"]
    annual_parent = replace(
        ws,
        cycles=(Q3, Y2025),
        objectives=[
            Objective(id="C1", title="Be trusted", level="company", owners=("c",), cycle="y2025")
        ],
    )
    assert subjects("ALN003", annual_parent) == []
    assert subjects("ALN003", ws) == []


def test_aln004_alignment_loop() -> None:
    ws = base_workspace()
    loop = replace(
        ws,
        objectives=[
            objective("T1", parents=("T2",)),
            objective("T2", parents=("T3",)),
            objective("T3", parents=("T1",)),
        ],
    )
    assert subjects("ALN004", loop) == ["T1", "T2", "T3"]
    self_loop = replace(ws, objectives=[objective("T1", parents=("T1",))])
    assert subjects("ALN004", self_loop) == ["T1"]
    chain = replace(ws, objectives=[objective("T2", parents=("T1",))])
    assert subjects("ALN004", chain) == []


def test_aln004_deep_chain_does_not_recurse() -> None:
    chain = [objective(f"D{i:04d}", parents=(f"D{i + 1:04d}",)) for i in range(3000)]
    chain.append(objective("D3000", parents=("D0000",)))
    ws = replace(base_workspace(), objectives=chain)
    assert len(subjects("ALN004", ws)) == 3001


def test_aln005_dangling_parent() -> None:
    ws = base_workspace()
    assert subjects("ALN005", replace(ws, objectives=[objective("T1", parents=("gone",))])) == [
        "T1"
    ]
    assert subjects("ALN005", ws) == []


def test_aln006_level_inversion() -> None:
    ws = base_workspace()
    inverted = replace(
        ws,
        objectives=[
            Objective(
                id="C1",
                title="Trusted",
                level="company",
                owners=("c",),
                cycle="q3",
                parents=("T1",),
            ),
            objective("T1", parents=()),
        ],
    )
    assert subjects("ALN006", inverted) == ["C1"]
    peer = replace(ws, objectives=[objective("T2", parents=("T1",))])
    assert subjects("ALN006", peer) == []
    assert subjects("ALN006", ws) == []


def test_aln008_parent_on_track_while_most_children_are_behind() -> None:
    ws = base_workspace()
    kids = [objective(f"K{i}", title=f"Kid {i}") for i in range(3)]
    behind = {f"K{i}": {"health": "off_track", "score": 0.1} for i in range(3)}
    masked = replace(ws, objectives=kids)
    found = check(
        masked,
        evaluation(masked, objectives={"C1": {"health": "on_track", "grade": 0.5}, **behind}),
        RuleSettings(select=("ALN008",)),
    )
    assert [f.subject for f in found] == ["C1"]
    assert "3 of its 4 aligned objectives are behind" in found[0].message
    only_one = {"K0": {"health": "off_track"}}
    assert (
        subjects(
            "ALN008",
            masked,
            evaluation(masked, objectives={"C1": {"health": "on_track"}, **only_one}),
        )
        == []
    )
    assert (
        subjects(
            "ALN008", masked, evaluation(masked, objectives={"C1": {"health": "at_risk"}, **behind})
        )
        == []
    )  # the parent already says it is behind


def test_person_and_team_findings_name_their_cycle() -> None:
    ws = replace(
        base_workspace(),
        objectives=[objective(f"T{i}", title=f"Delight segment {i}") for i in range(2, 5)],
    )
    found = check(ws, evaluation(ws), RuleSettings(select=("OBJ001",)))
    assert {f.subject: f.cycle for f in found} == {"ana": "q3", "Sales": "q3"}


def test_messages_never_show_a_raw_id() -> None:
    ws = base_workspace()
    loop = replace(
        ws,
        objectives=[
            objective("T1", title="Loop A", parents=("T2",)),
            objective("T2", title="Loop B", parents=("T1",)),
            objective("T3", title="Dangling", parents=("gone-123",)),
        ],
    )
    found = check(loop, evaluation(loop), RuleSettings(select=("ALN004", "ALN005")))
    text = " ".join(f.message for f in found)
    assert "'Loop A' -> 'Loop B' -> 'Loop A'" in text
    assert "gone-123" not in text and "T1" not in text.replace("'", "")
    unnamed = replace(ws, objectives=[objective(f"T{i}") for i in range(2, 5)], people=())
    found = check(unnamed, evaluation(unnamed), RuleSettings(select=("OBJ001",)))
    owner = next(f for f in found if f.subject == "ana")
    assert owner.message.startswith("unknown person owns 4 objectives")


def test_aln007_too_many_parents() -> None:
    ws = base_workspace()
    extra = [objective(f"P{i}", level="department") for i in range(3)]
    three = replace(ws, objectives=[*extra, objective("T1", parents=("P0", "P1", "P2"))])
    assert subjects("ALN007", three) == ["T1"]
    two = replace(ws, objectives=[*extra, objective("T1", parents=("P0", "P1", "P1"))])
    assert subjects("ALN007", two) == []


# -- cycles and portfolio ---------------------------------------------------------------------


def test_cyc001_cyc002_cycle_length() -> None:
    ws = base_workspace()
    short = Cycle(id="s", name="Sprint", start=date(2025, 7, 1), end=date(2025, 7, 20))
    four_weeks = Cycle(id="f", name="Four", start=date(2025, 7, 1), end=date(2025, 7, 28))
    long = Cycle(id="l", name="Long", start=date(2025, 1, 1), end=date(2026, 2, 4))
    year = Cycle(id="y", name="Year", start=date(2025, 1, 1), end=date(2025, 12, 31))
    cycles = replace(ws, cycles=(Q3, short, four_weeks, long, year))
    assert subjects("CYC001", cycles) == ["s"]
    assert subjects("CYC002", cycles) == ["l"]


def test_cyc003_overlapping_team_cycles() -> None:
    ws = base_workspace()
    summer = Cycle(id="summer", name="Summer", start=date(2025, 6, 15), end=date(2025, 8, 15))
    overlap = replace(ws, cycles=(Q3, summer), objectives=[objective("T2", cycle="summer")])
    assert subjects("CYC003", overlap) == ["Sales"]
    nested = replace(ws, cycles=(Q3, Y2025), objectives=[objective("T2", cycle="y2025")])
    assert subjects("CYC003", nested) == ["Sales"]
    assert subjects("CYC003", nested, thresholds={"allow_nested": True}) == []
    adjacent = replace(ws, cycles=(Q3, Q2), objectives=[objective("T2", cycle="q2")])
    assert subjects("CYC003", adjacent) == []
    other_team = replace(
        ws, cycles=(Q3, summer), objectives=[objective("T2", cycle="summer", team="Ops")]
    )
    assert subjects("CYC003", other_team) == []


def test_cyc004_cycle_without_objectives() -> None:
    ws = base_workspace()
    assert subjects("CYC004", replace(ws, cycles=(Q3, Q2))) == ["q2"]
    assert subjects("CYC004", ws) == []


def test_pf001_low_alignment_share() -> None:
    ws = base_workspace()
    half = replace(ws, objectives=[objective("T2", parents=())])
    assert subjects("PF001", half) == ["q3"]
    assert subjects("PF001", half, thresholds={"min_share": 0.5}) == []
    assert subjects("PF001", ws) == []


def test_pf002_too_many_team_key_results() -> None:
    ws = base_workspace()
    more = [key_result(f"T1-{i}", "T1") for i in range(3, 13)]  # 12 in total
    assert subjects("PF002", replace(ws, key_results=more)) == []
    assert subjects("PF002", replace(ws, key_results=[*more, key_result("T1-13", "T1")])) == [
        "Sales"
    ]


def _ended(ws: Workspace, score: float, count: int) -> tuple[Workspace, Evaluation]:
    objectives = [objective(f"T{i}") for i in range(1, count)]
    ws = replace(ws, objectives=objectives)
    ids = [o.id for o in ws.objectives]
    ev = evaluation(ws, at=date(2025, 10, 15), objectives={i: {"score": score} for i in ids})
    return ws, ev


def test_pf003_pf004_portfolio_grades() -> None:
    ws = base_workspace()
    assert subjects("PF003", *_ended(ws, 0.9, 3)) == ["q3"]
    assert subjects("PF003", *_ended(ws, 0.85, 3)) == []
    assert subjects("PF003", *_ended(ws, 0.9, 2)) == []  # too few objectives to judge
    assert subjects("PF004", *_ended(ws, 0.2, 3)) == ["q3"]
    assert subjects("PF004", *_ended(ws, 0.3, 3)) == []
    during = evaluation(ws, objectives={"C1": {"score": 0.95}, "T1": {"score": 0.95}})
    assert subjects("PF003", ws, during, thresholds={"min_objectives": 1}) == []


def test_pf005_team_silence() -> None:
    ws = base_workspace()
    old = stamp(date(2025, 7, 20))
    quiet = replace(
        ws,
        key_results=[
            key_result("T1-1", "T1", updated_at=old),
            key_result("T1-2", "T1", updated_at=old),
        ],
        check_ins=tuple(c for c in ws.check_ins if not c.key_result.startswith("T1")),
    )
    assert subjects("PF005", quiet) == ["Sales"]
    one_alive = replace(quiet, key_results=[key_result("T1-2", "T1")])
    assert subjects("PF005", one_alive) == []
    never = replace(
        quiet,
        key_results=[
            key_result("T1-1", "T1", updated_at=None),
            key_result("T1-2", "T1", updated_at=None),
        ],
    )
    assert subjects("PF005", never) == ["Sales"]
    assert subjects("PF005", never, evaluation(never, at=date(2025, 7, 10))) == []


# -- data -------------------------------------------------------------------------------------


def test_data004_dangling_relations_in_the_workspace() -> None:
    ws = base_workspace()
    dangling = replace(
        ws,
        objectives=[objective("T1", cycle="q9")],
        key_results=[key_result("K9", "nowhere")],
        check_ins=(*ws.check_ins, CheckIn(key_result="ghost", at=stamp(AT), value=1.0)),
    )
    assert subjects("DATA004", dangling) == ["K9", "T1", "ghost"]
    assert subjects("DATA004", ws) == []


def test_data008_unknown_suppression() -> None:
    ws = base_workspace()
    typo = replace(ws, key_results=[key_result("T1-1", "T1", ignore_rules=("KR999", "KR007"))])
    found = check(typo, evaluation(typo))
    data008 = [f for f in found if f.code == "DATA008"]
    assert [(f.subject, "KR999" in f.message, "KR007" in f.message) for f in data008] == [
        ("T1-1", True, False)
    ]
    known = replace(ws, key_results=[key_result("T1-1", "T1", ignore_rules=("alignment",))])
    assert subjects("DATA008", known) == []


@pytest.mark.parametrize(
    ("code", "params", "expected"),
    [
        (
            "DATA001",
            {
                "collection": "key_results",
                "field": "Target",
                "value": "about 20",
                "expected": "a number",
            },
            "key_results field 'Target' holds 'about 20', which cannot be read as a number",
        ),
        (
            "DATA002",
            {"collection": "objectives", "field": "title"},
            "objectives record has no value for required field 'title'",
        ),
        (
            "DATA003",
            {
                "collection": "objectives",
                "field": "Level",
                "value": "Tribe",
                "known": "Company, Team",
            },
            "objectives field 'Level' has option 'Tribe', which the mapping does not know; "
            "known: Company, Team",
        ),
        (
            "DATA004",
            {"collection": "key_results", "field": "Objective", "target": "abc"},
            "key_results field 'Objective' refers to 'abc', which is not in the workspace",
        ),
        (
            "DATA005",
            {"collection": "objectives", "id": "p1"},
            "objectives id 'p1' appears more than once",
        ),
        (
            "DATA006",
            {"collection": "objectives", "field": "Owner", "vendor_type": "button"},
            "objectives field 'Owner' has an unsupported button value",
        ),
        (
            "DATA007",
            {"collection": "cycles", "problem": "ends before it starts"},
            "cycles record is invalid: ends before it starts",
        ),
    ],
)
def test_data_rules_build_mapping_findings(
    code: str, params: dict[str, str], expected: str
) -> None:
    finding = make_finding(code, "rec-1", **params)
    assert finding.message == expected
    assert (finding.code, finding.subject, finding.family) == (code, "rec-1", "data")
    assert finding.hint and finding.name


def test_obj007_large_group_finds_titles_that_differ_at_the_start() -> None:
    titles = [hashlib.sha256(str(i).encode()).hexdigest()[:24] for i in range(300)]
    many = [objective(f"X{i:03d}", title=t, owners=()) for i, t in enumerate(titles)]
    twin = objective("X999", title="z" + titles[42][1:], owners=())
    ws = replace(base_workspace(), objectives=[*many, twin])
    found = subjects("OBJ007", ws)
    assert len(found) == 1 and found[0] in ("X042", "X999")


def test_kr009_ignores_band_kpis_that_hold() -> None:
    band = key_result(
        "T1-1",
        "T1",
        kind="at_least",
        title="Pipeline at least 500",
        start=None,
        target=500.0,
        current=520.0,
        unit=None,
    )
    ws = replace(base_workspace(), key_results=[band])
    ev = evaluation(ws, at=date(2025, 7, 28))
    assert ev.key_results["T1-1"].score == 1
    assert subjects("KR009", ws, ev) == []


def test_rules_work_without_scores() -> None:
    """With an empty evaluation, score-based rules stay quiet and date-based ones still work."""
    ws = base_workspace()
    old = stamp(date(2025, 7, 20))
    stale = replace(
        ws,
        key_results=[key_result("T1-1", "T1", updated_at=old)],
        check_ins=tuple(c for c in ws.check_ins if c.key_result != "T1-1"),
    )
    found = check(stale, Evaluation(at=AT))
    assert [(f.code, f.subject) for f in found] == [("KR006", "T1-1")]


def test_check_ins_at_the_same_moment_resolve_independently_of_order() -> None:
    ws = replace(base_workspace(), key_results=[key_result("T1-1", "T1", confidence=None)])
    moment = stamp(date(2025, 8, 14))
    pair = (
        CheckIn(key_result="T1-1", at=moment, confidence=0.9),
        CheckIn(key_result="T1-1", at=moment, confidence=0.2),
    )
    ev = evaluation(ws, krs={"T1-1": {"health": "off_track"}})
    forward = replace(ws, check_ins=(*ws.check_ins, *pair))
    backward = replace(ws, check_ins=(*ws.check_ins, *pair[::-1]))
    assert subjects("KR012", forward, ev) == subjects("KR012", backward, ev) == ["T1-1"]
