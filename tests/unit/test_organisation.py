"""The organisation workspace (pure): several sources' workspaces become one."""

from __future__ import annotations

from datetime import UTC, date, datetime

from okrsync.collisions import planned_collisions
from okrsync.history import new_observations, previous_scores
from okrsync.model import CheckIn, Cycle, KeyResult, Objective, SourceRef, Workspace
from okrsync.organisation import combine
from okrsync.records import Write

Q3 = Cycle(id="2025-Q3", name="Q3 2025", start=date(2025, 7, 1), end=date(2025, 9, 30))
Q3_NOTION = Cycle(
    id="page-q3",
    name="Q3  2025",
    start=Q3.start,
    end=Q3.end,
    source=SourceRef(connector="notion", external_id="page-q3"),
)


def objective(
    oid: str, title: str, *, cycle: str, url: str | None = None, **extra: object
) -> Objective:
    return Objective(
        id=oid,
        title=title,
        cycle=cycle,
        source=SourceRef(connector="x", external_id=oid, url=url),
        **extra,  # type: ignore[arg-type]
    )


WIKI = Workspace(
    cycles=(Q3,),
    objectives=(
        objective(
            "65542",
            "Win the market",
            cycle=Q3.id,
            level="company",
            url="https://acme.atlassian.net/wiki/spaces/OKR/pages/65542/Win+the+market",
        ),
        objective("65543", "Delight customers", cycle=Q3.id, level="company"),
    ),
)


def notion(*parents: str) -> Workspace:
    return Workspace(
        cycles=(Q3_NOTION,),
        objectives=(
            objective(
                "1f3a0c2e-0000-4000-8000-00000000000a",
                "Ship faster",
                cycle="page-q3",
                parents=parents,
                url="https://www.notion.so/Ship-faster-1f3a0c2e00004000800000000000000a",
            ),
        ),
    )


def parents_of(workspace: Workspace, title: str) -> tuple[str, ...]:
    return next(o.parents for o in workspace.objectives if o.title == title)


def test_a_parent_given_as_a_page_url_resolves_to_the_other_sources_objective() -> None:
    url = "https://acme.atlassian.net/wiki/spaces/OKR/pages/65542/Win+the+market?src=mail"
    combined, renamed = combine([("wiki", WIKI), ("product", notion(url))])
    assert parents_of(combined, "Ship faster") == ("65542",)
    assert renamed == frozenset()


def test_a_parent_given_by_exact_title_or_id_resolves_and_an_unknown_one_stays() -> None:
    combined, _ = combine([("wiki", WIKI), ("product", notion("Delight customers", "nowhere"))])
    assert parents_of(combined, "Ship faster") == ("65543", "nowhere")


def test_a_notion_url_resolves_a_confluence_link_the_other_way() -> None:
    page = "https://www.notion.so/acme/Ship-faster-1f3a0c2e000040008000" + "00000000000a"
    wiki = WIKI.model_copy(
        update={
            "objectives": (
                *WIKI.objectives[:1],
                objective("7", "Team", cycle=Q3.id, parents=(page,)),
            )
        }
    )
    combined, _ = combine([("wiki", wiki), ("product", notion())])
    assert parents_of(combined, "Team") == ("1f3a0c2e-0000-4000-8000-00000000000a",)


def test_an_ambiguous_title_is_not_guessed() -> None:
    twice = WIKI.model_copy(
        update={"objectives": (*WIKI.objectives, objective("65544", "Win the market", cycle=Q3.id))}
    )
    combined, _ = combine([("wiki", twice), ("product", notion("Win the market"))])
    assert parents_of(combined, "Ship faster") == ("Win the market",)


def test_one_quarter_in_two_tools_is_one_cycle_with_the_stable_id() -> None:
    combined, _ = combine([("product", notion()), ("wiki", WIKI)])
    assert [c.id for c in combined.cycles] == ["2025-Q3"]
    assert {o.cycle for o in combined.objectives} == {"2025-Q3"}


def test_a_quarter_only_one_tool_keeps_gets_the_id_its_name_gives() -> None:
    """Not the Notion page id: the organisation's pages are labelled and keyed by it."""
    no_quarter = WIKI.model_copy(update={"cycles": (), "objectives": ()})
    combined, _ = combine([("product", notion()), ("wiki", no_quarter)])
    assert [c.id for c in combined.cycles] == ["2025-Q3"]
    assert {o.cycle for o in combined.objectives} == {"2025-Q3"}
    odd = Q3_NOTION.model_copy(update={"name": "Summer push"})
    alone = notion().model_copy(update={"cycles": (odd,)})
    kept, _ = combine([("product", alone), ("wiki", no_quarter)])
    assert [c.id for c in kept.cycles] == ["page-q3"]  # not a period name: kept as it is


def test_ids_taken_by_an_earlier_source_are_qualified_with_their_references() -> None:
    at = datetime(2025, 8, 1, tzinfo=UTC)
    other = Workspace(
        cycles=(Q3,),
        objectives=(objective("65542", "Their goal", cycle=Q3.id, parents=("65543",)),),
        key_results=(KeyResult(id="65542#kr-a", objective="65542", title="A"),),
        check_ins=(CheckIn(key_result="65542#kr-a", at=at, value=1),),
    )
    mine = other.model_copy(
        update={"objectives": (objective("65543", "Mine", cycle=Q3.id), *other.objectives)}
    )
    combined, renamed = combine([("wiki", WIKI), ("site2", mine)])
    assert renamed == frozenset({"site2"})
    ids = {o.id for o in combined.objectives}
    assert ids == {"65542", "65543", "site2:65542", "site2:65543"}
    theirs = next(o for o in combined.objectives if o.title == "Their goal")
    assert theirs.parents == ("site2:65543",)
    assert combined.key_results[0].objective == "site2:65542"
    assert combined.check_ins[0].key_result == "site2:65542#kr-a"


def test_history_adds_only_changed_values_and_previous_scores_show_this_runs_change() -> None:
    at = datetime(2025, 8, 1, tzinfo=UTC)
    history = [CheckIn(key_result="k", at=at, value=1), CheckIn(key_result="k", at=at, value=2)]
    seen = [CheckIn(key_result="k", at=at, value=2), CheckIn(key_result="j", at=at, value=5)]
    assert [c.key_result for c in new_observations(history, seen)] == ["j"]
    stored = {"o": (0.5, 0.3), "p": (0.4, None)}
    assert previous_scores(stored) == {"o": 0.3}
    assert previous_scores(stored, {"o": 0.5, "p": 0.6}) == {"o": 0.3, "p": 0.4}


def page(title: str) -> Write:
    return Write(
        target=f"t:{title}",
        kind="page",
        description=f"review page {title!r}",
        payload={},
        page=f"confluence:site:space:OKR:title:{title}",
    )


def test_planned_collisions_name_both_writers_and_the_page() -> None:
    problems = planned_collisions(
        [
            ("sources.wiki", [page("OKR Review Q3 2025")]),
            ("destinations.board", [page("OKR Review Q3 2025"), page("Other")]),
        ]
    )
    assert len(problems) == 1
    assert "sources.wiki and destinations.board" in problems[0]
    assert planned_collisions([("sources.a", [page("A")]), ("sources.b", [page("B")])]) == []
