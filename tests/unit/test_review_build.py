"""Tests of `build_cycle_reviews`: grouping, rows, changes, findings, alignment tree, keys."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from okrsync.model import Cycle, Finding, KeyResult, Objective, Person, Workspace
from okrsync.review import AlignmentNode, Review
from okrsync.review_build import alignment_tree, build_cycle_reviews, slug
from okrsync.scoring import evaluate

Q3 = Cycle(id="2025-Q3", name="Q3 2025", start=date(2025, 7, 1), end=date(2025, 9, 30))
Q2 = Cycle(id="2025-Q2", name="Q2 2025", start=date(2025, 4, 1), end=date(2025, 6, 30))
AT = date(2025, 8, 15)


def objective(id: str, **fields: object) -> Objective:
    return Objective.model_validate({"id": id, "title": id.upper(), "cycle": "2025-Q3", **fields})


def key_result(id: str, objective: str, current: float, **fields: object) -> KeyResult:
    return KeyResult.model_validate(
        {
            "id": id,
            "objective": objective,
            "title": f"KR {id}",
            "start": 0,
            "target": 10,
            "current": current,
            **fields,
        }
    )


def workspace() -> Workspace:
    return Workspace(
        cycles=(Q3, Q2),
        people=(Person(id="p1", name="Maria Lopez"), Person(id="p2")),
        objectives=(
            objective("c1", title="Grow revenue", level="company", owners=("p1",)),
            objective("s1", title="Win deals", team="Sales", parents=("c1",), owners=("p2",)),
            objective("s2", title="Add partners", team="Sales", parents=("c1", "zz")),
            objective("m1", title="Better leads", team="Marketing", parents=("s1",)),
            objective("x1", title="Loop one", team="Ops", parents=("x2",)),
            objective("x2", title="Loop two", team="Ops", parents=("x1",)),
            objective("old", title="Last quarter", cycle="2025-Q2", team="Sales"),
            objective("none", title="Unplanned", cycle=None, owners=("ghost",)),
        ),
        key_results=(
            key_result("k-c1", "c1", 5, owners=("p1", "p2")),
            key_result("k-s1b", "s1", 4, title="b second"),
            key_result("k-s1a", "s1", 8, title="a first"),
            key_result("k-m1", "m1", 2),
            key_result("k-old", "old", 10),
        ),
    )


FINDINGS = (
    Finding(code="OBJ001", severity="warning", subject="s1", message="too few key results"),
    Finding(code="KR002", severity="error", subject="k-s1a", message="task", hint="measure it"),
    Finding(code="CYC001", severity="info", subject="2025-Q3", message="cycle note"),
    Finding(code="TEAM01", severity="warning", subject="Sales", message="too many KRs"),
    Finding(code="MAP001", severity="error", subject="page-without-id", message="unreadable"),
    Finding(code="OBJ012", severity="info", subject="old", message="last quarter"),
)


def review(**fields: object) -> Review:
    ws = workspace()
    return Review.model_validate(
        {
            "workspace": ws,
            "evaluation": evaluate(ws, AT),
            "findings": FINDINGS,
            "generated_at": datetime(2025, 8, 15, 6, 0, tzinfo=UTC),
            "previous_scores": {"s1": 0.5, "k-s1a": 0.9},
            "source": "notion",
            "planning_weeks": 52,  # everything shown in full; the noise policy has its own tests
            **fields,
        }
    )


def test_one_review_per_cycle_in_start_order_then_no_cycle() -> None:
    reviews = build_cycle_reviews(review())
    assert [r.title_key for r in reviews] == ["2025-Q2", "2025-Q3", "no-cycle"]
    assert reviews[2].cycle is None
    assert [r.team for r in reviews] == [None, None, None]


def test_per_team_reviews_follow_their_cycle() -> None:
    keys = [r.title_key for r in build_cycle_reviews(review(), per_team=True)]
    assert keys == [
        "2025-Q2",
        "2025-Q2:sales",
        "2025-Q3",
        "2025-Q3:marketing",
        "2025-Q3:ops",
        "2025-Q3:sales",
        "no-cycle",
    ]


def test_team_slugs() -> None:
    assert slug("Sales & Ops") == "sales-ops"
    assert slug("  Überteam 2 ") == "überteam-2"
    assert slug("!!!") == "team"


def test_rows_in_page_order_level_team_title_with_key_results_by_title() -> None:
    q3 = build_cycle_reviews(review())[1]
    # company first, then by team (Marketing, Ops, Sales), then title; never by score
    assert [row.objective.id for row in q3.objectives] == ["c1", "m1", "x1", "x2", "s2", "s1"]
    s1 = next(row for row in q3.objectives if row.objective.id == "s1")
    assert [k.key_result.id for k in s1.key_results] == ["k-s1a", "k-s1b"]
    # the ranking by risk is the attention list's: m1 is behind pace, so it leads there
    assert q3.attention[0].objective_id == "m1"
    assert q3.objectives[1].attention > 0 and q3.objectives[0].attention == 0


def test_a_changed_score_leaves_every_row_in_its_place() -> None:
    before = build_cycle_reviews(review())[1]
    ws = workspace()
    behind = tuple(
        kr.model_copy(update={"current": 0}) if kr.id == "k-c1" else kr for kr in ws.key_results
    )
    ws = ws.model_copy(update={"key_results": behind})
    after = build_cycle_reviews(review(workspace=ws, evaluation=evaluate(ws, AT)))[1]
    c1 = {row.objective.id: row for row in after.objectives}["c1"]
    assert c1.attention > 0  # the company objective fell behind pace: it ranks first now
    assert after.attention[0].objective_id == "c1"
    ids = [row.objective.id for row in after.objectives]
    assert ids == [row.objective.id for row in before.objectives]


def test_owner_display_names_never_show_ids() -> None:
    reviews = build_cycle_reviews(review())
    q3 = {row.objective.id: row for row in reviews[1].objectives}
    assert q3["c1"].owners == ("Maria Lopez",)
    assert q3["c1"].key_results[0].owners == ("Maria Lopez", "unknown person")
    assert q3["s1"].owners == ("unknown person",)  # person without a name
    assert reviews[2].objectives[0].owners == ("unknown person",)  # not in the workspace


def test_change_since_previous_scores() -> None:
    q3 = {row.objective.id: row for row in build_cycle_reviews(review())[1].objectives}
    assert q3["s1"].change == pytest.approx(0.6 - 0.5)
    assert q3["s1"].key_results[0].change == pytest.approx(0.8 - 0.9)
    assert q3["c1"].change is None  # no previous score


def test_findings_attach_to_rows_and_group_by_severity() -> None:
    q2, q3, no_cycle = build_cycle_reviews(review())
    rows = {row.objective.id: row for row in q3.objectives}
    assert [f.code for f in rows["s1"].findings] == ["OBJ001"]
    assert [f.code for f in rows["s1"].key_results[0].findings] == ["KR002"]
    assert rows["c1"].findings == ()
    assert list(q3.findings) == ["error", "warning", "info"]
    assert [f.code for f in q3.findings["error"]] == ["KR002", "MAP001"]
    assert [f.code for f in q3.findings["warning"]] == ["OBJ001", "TEAM01"]
    assert [f.code for f in q3.findings["info"]] == ["CYC001"]
    # the finding about last quarter's objective stays in last quarter's review
    assert [f.code for f in q2.findings["info"]] == ["OBJ012"]
    assert "OBJ012" not in {f.code for f in no_cycle.findings["info"]}
    assert q3.headline.findings_by_severity == {"error": 2, "warning": 2, "info": 1}


def test_team_review_holds_only_its_team() -> None:
    reviews = {r.title_key: r for r in build_cycle_reviews(review(), per_team=True)}
    sales = reviews["2025-Q3:sales"]
    assert sales.team == "Sales"
    assert [row.objective.id for row in sales.objectives] == ["s2", "s1"]
    codes = {f.code for group in sales.findings.values() for f in group}
    assert codes == {"OBJ001", "KR002", "TEAM01"}
    assert [node.objective_id for node in sales.alignment] == ["s2", "s1"]


def test_headline_figures() -> None:
    q3 = build_cycle_reviews(review())[1]
    head = q3.headline
    assert head.objectives == 6
    assert head.key_results == 4
    scored = [0.5, 0.6, 0.2]  # c1, s1 (mean of 0.8 and 0.4), m1
    assert head.mean_score == pytest.approx(sum(scored) / 3)
    assert head.elapsed_share == pytest.approx(45 / 92)
    # s1, s2, m1 have a real parent; x1 and x2 align only to each other (still a parent)
    assert head.aligned_share == pytest.approx(5 / 5)
    assert sum(head.health_counts.values()) == 6
    assert head.health_counts["no_data"] == 3  # s2, x1, x2 have no key results


def test_alignment_tree_roots_children_and_loops() -> None:
    tree = build_cycle_reviews(review())[1].alignment
    # x1 and x2 only align to each other: the first becomes a root, the loop is cut below it
    assert [n.objective_id for n in tree] == ["c1", "x1"]
    c1 = tree[0]
    assert [n.objective_id for n in c1.children] == ["s2", "s1"]
    assert [n.objective_id for n in c1.children[1].children] == ["m1"]
    assert c1.grade == 0.5
    assert c1.health == "on_track"
    x1 = tree[1]
    assert [n.objective_id for n in x1.children] == ["x2"]
    back = x1.children[0].children
    assert [(n.objective_id, n.cycle_edge, n.children) for n in back] == [("x1", True, ())]


def test_alignment_tree_self_loop_and_diamond() -> None:
    objectives = [
        objective("a", title="A"),
        objective("b", title="B", parents=("a",)),
        objective("c", title="C", parents=("a",)),
        objective("d", title="D", parents=("b", "c", "d")),
    ]
    ws = Workspace(cycles=(Q3,), objectives=tuple(objectives))
    tree = alignment_tree(objectives, evaluate(ws, AT))
    assert [n.objective_id for n in tree] == ["a"]

    def ids(node: AlignmentNode) -> list[object]:
        return [node.objective_id, node.cycle_edge, [ids(c) for c in node.children]]

    d_under = [False, [["d", True, []]]]
    assert ids(tree[0]) == [
        "a",
        False,
        [["b", False, [["d", *d_under]]], ["c", False, [["d", *d_under]]]],
    ]


def test_same_input_gives_the_same_reviews() -> None:
    first = build_cycle_reviews(review(), per_team=True)
    shuffled_ws = workspace().model_copy(
        update={
            "objectives": tuple(reversed(workspace().objectives)),
            "key_results": tuple(reversed(workspace().key_results)),
        }
    )
    second = build_cycle_reviews(
        review(workspace=shuffled_ws, evaluation=evaluate(shuffled_ws, AT)), per_team=True
    )
    assert [r.model_dump() for r in first] == [r.model_dump() for r in second]


def test_duplicate_team_slugs_get_distinct_keys() -> None:
    ws = Workspace(
        cycles=(Q3,),
        objectives=(objective("a", team="Sales"), objective("b", team="sales")),
    )
    rev = Review(workspace=ws, evaluation=evaluate(ws, AT), generated_at=datetime(2025, 8, 15))
    keys = [r.title_key for r in build_cycle_reviews(rev, per_team=True)]
    assert keys == ["2025-Q3", "2025-Q3:sales", "2025-Q3:sales-2"]


@st.composite
def alignment_graphs(draw: st.DrawFn) -> list[Objective]:
    n = draw(st.integers(1, 14))
    ids = [f"o{i}" for i in range(n)]
    return [
        objective(i, parents=tuple(draw(st.lists(st.sampled_from([*ids, "outside"]), max_size=3))))
        for i in ids
    ]


@given(objectives=alignment_graphs())
@settings(max_examples=150, deadline=None)
def test_alignment_tree_terminates_and_shows_every_objective(objectives: list[Objective]) -> None:
    ws = Workspace(cycles=(Q3,), objectives=tuple(objectives))
    tree = alignment_tree(objectives, evaluate(ws, AT))
    shown: set[str] = set()
    stack = list(tree)
    while stack:
        node = stack.pop()
        shown.add(node.objective_id)
        assert not (node.cycle_edge and node.children)
        stack.extend(node.children)
    assert shown == {o.id for o in objectives}


def test_alignment_tree_stays_small_on_a_many_parent_lattice() -> None:
    # 20 layers of 3 objectives, each aligned to all 3 of the layer above: 3**19 paths
    layers = [[f"l{d}-{i}" for i in range(3)] for d in range(20)]
    objectives = [
        objective(oid, parents=tuple(layers[d - 1]) if d else ())
        for d, layer in enumerate(layers)
        for oid in layer
    ]
    ws = Workspace(cycles=(Q3,), objectives=tuple(objectives))
    tree = alignment_tree(objectives, evaluate(ws, AT))
    count, stack = 0, list(tree)
    while stack:
        node = stack.pop()
        count += 1
        stack.extend(node.children)
    assert count < 20_000
    assert [n.objective_id for n in tree] == ["l0-0", "l0-1", "l0-2"]
