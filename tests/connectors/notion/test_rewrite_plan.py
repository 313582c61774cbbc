"""The rewrite plan of a review page: which changed blocks to patch in place and which to
replace (delete and append anew), for the fewest requests within the budget of appends.

The pure plan is checked on kept trees built by hand (ids known as far as a first write
learns them: Notion's append answers with the ids of the first level it was sent); one page
is then written and rewritten through the real SDK against the sandbox, to check that the
writer spends exactly what its plan counted.
"""

from __future__ import annotations

from typing import Any

import pytest
from okrsync_notion.blocks import Block, Node, block_tree, section, text_block
from okrsync_notion.writer import Writer, _block_ways, _replace_cost, _rewrite_plan

from okrsync_sandbox.kit.clock import ManualClock
from okrsync_sandbox.notion import NotionSandbox

from .test_rewrite_random import generated_part, review_parent_and_api, write_review
from .test_writing import _planned


def _known(block: Block, levels: int, prefix: str = "b") -> Node:
    """The kept tree of `block` with the ids of its first `levels` levels known."""
    node = block_tree(block)

    def fill(n: Node, path: str, depth: int) -> None:
        if depth < levels:
            n[3] = path
        for i, kid in enumerate(n[2]):
            fill(kid, f"{path}.{i}", depth + 1)

    fill(node, prefix, 0)
    return node


def test_a_section_is_patched_or_replaced_whichever_costs_fewer_requests() -> None:
    """A section where one line changed is patched (one update); a section whose long list
    was reordered (the meeting view sorts by score) costs far fewer requests replaced whole
    (its delete and a few appends) than moved block by block; a toggle whose lines' ids are
    not kept costs a listing more patched (three requests) than replaced (two, one of them an
    append); the first child of a block has nothing before it to be appended after, so it is
    patched."""
    lines = [f"Objective {i} — 0.{i % 10}" for i in range(300)]
    before = section("heading_2", "Key results", [text_block("toggle", t) for t in lines])
    edited = section(
        "heading_2",
        "Key results",
        [text_block("toggle", t + (" renamed" if i == 7 else "")) for i, t in enumerate(lines)],
    )
    ((appends, requests, _),) = _block_ways(
        _known(before, 3), edited, block_tree(edited), anchored=True, cap=45
    )
    assert (appends, requests) == (0, 1)

    shuffled = lines[::2] + lines[1::2]  # every other line moves
    reordered = section("heading_2", "Key results", [text_block("toggle", t) for t in shuffled])
    # its delete, the heading, then its 300 toggles in appends of 100
    assert _replace_cost(reordered) == (1 + 1 + 3, 1 + 3)
    ways = _block_ways(_known(before, 3), reordered, block_tree(reordered), anchored=True, cap=45)
    assert (ways[-1][0], ways[-1][1]) == (4, 5)  # the fewest requests: replaced
    assert all(requests > 100 for _, requests, _ in ways[:-1])  # patched: a move per line
    unanchored = _block_ways(
        _known(before, 3), reordered, block_tree(reordered), anchored=False, cap=45
    )
    assert all(kept is not None for _, _, kept in unanchored)  # only patched

    toggle = text_block("toggle", "O1 — 0.5", children=[text_block("paragraph", "KR a — 0.5")])
    changed = text_block("toggle", "O1 — 0.7", children=[text_block("paragraph", "KR a — 0.9")])
    ways = _block_ways(_known(toggle, 1), changed, block_tree(changed), anchored=True, cap=45)
    assert [(a, r) for a, r, _ in ways] == [(0, 3), (1, 2)]
    # once its line's id is kept (learnt by a listing), patching costs what replacing does
    ways = _block_ways(_known(toggle, 2), changed, block_tree(changed), anchored=True, cap=45)
    assert [(a, r) for a, r, _ in ways] == [(0, 2)]


def _rows(table: int, changed: bool) -> list[Block]:
    def row(r: int) -> Block:
        mark = " changed" if changed and r % 10 == 0 else ""
        cells = [[{"type": "text", "text": {"content": f"O{table}.{r}{mark}"}}], []]
        return {"object": "block", "type": "table_row", "table_row": {"cells": cells}}

    return [row(r) for r in range(30)]


def _table(table: int, changed: bool) -> Block:
    return {
        "object": "block",
        "type": "table",
        "table": {"table_width": 2, "has_column_header": True, "children": _rows(table, changed)},
    }


def _toggle(objective: int, changed: bool) -> Block:
    mark = " changed" if changed else ""
    lines = [text_block("bulleted_list_item", f"KR {objective}.{k}") for k in range(3)]
    if changed:
        lines[1] = text_block("bulleted_list_item", f"KR {objective}.1{mark}")
    return text_block("toggle", f"Objective {objective}{mark}", children=lines)


def _page(changed: bool) -> list[Block]:
    """Like a review page, 10 objectives changed: a section of four tables of 30 rows (three
    changed rows each), a section of 300 toggles (every 30th changed in its heading and a
    line; replaced whole, its delete and 13 appends), and a section that did not change."""
    return [
        text_block("heading_2", "Summary"),
        section("heading_2", "Objectives", [_table(t, changed) for t in range(4)]),
        section(
            "heading_2", "Key results", [_toggle(o, changed and o % 30 == 0) for o in range(300)]
        ),
        section("heading_2", "Alignment", [text_block("paragraph", f"A{i}") for i in range(500)]),
    ]


def _first_write_tree(blocks: list[Block]) -> list[Node]:
    """The kept tree after the page was first written: the ids of the sections, the tables and
    the toggles (each sent alone or in their own appends), not of the rows and lines below."""
    return [_known(block, 2, f"s{i}") for i, block in enumerate(blocks)]


@pytest.mark.parametrize(
    ("budget", "requests", "appends"),
    [
        # every table and toggle patched: a listing and 3 row updates per table, a listing and
        # 2 updates (heading, line) per toggle
        (0, 4 * 4 + 10 * 3, 0),
        # the objectives section replaced whole: its delete, its heading, its four tables in 2
        # appends (4 requests, 3 appends, 12 fewer than patched: 4 per append) before any
        # toggle (2 requests and an append replaced: 1 fewer), then 2 toggles replaced; one
        # exchange rate for the whole page could not use the 2 appends left (a toggle saves
        # exactly 1, so it ties at every weight that leaves the section replaced)
        (5, 4 + 2 * 2 + 8 * 3, 5),
        # within 45 both sections are replaced whole (18 requests, one fewer as the two
        # neighbours' headings travel in one append), which beats replacing the changed
        # toggles (25 requests, 12 appends: the first toggle, the section's first child, can
        # only be patched) and regenerating the page (24 requests, 20 appends)
        (45, 4 + 14 - 1, 3 + 13 - 1),
    ],
)
def test_the_appends_go_where_they_save_the_most_requests(
    budget: int, requests: int, appends: int
) -> None:
    old = _first_write_tree(_page(False))
    blocks = _page(True)
    plan = _rewrite_plan(old, blocks, [block_tree(b) for b in blocks], budget)
    assert plan.patch
    assert (plan.requests, plan.appends) == (requests, appends)


def test_a_page_past_the_budget_is_patched_with_the_fewest_appends() -> None:
    """When no way stays within the budget (blocks that came can only be appended), the plan
    spends the fewest appends it can."""
    old = _first_write_tree(_page(False))
    blocks = _page(True)
    blocks[2] = section(
        "heading_2",
        "Key results",
        [_toggle(o, o % 30 == 0) for o in range(300)]
        + [text_block("paragraph", f"new {i}") for i in range(150)],
    )
    plan = _rewrite_plan(old, blocks, [block_tree(b) for b in blocks], 1)
    assert plan.patch
    assert plan.appends == 2  # the 150 new lines, in appends of 100


def _rewritten(
    sandbox: NotionSandbox,
    clock: ManualClock,
    budget: int,
    before: list[Block],
    after: list[Block],
) -> tuple[dict[str, Any], list[Node]]:
    """Write `before` through the real SDK, then `after` as the next run (given what the first
    kept) with a budget of appends: the requests the rewrite made by endpoint, and the kept
    tree it started from. The page must read as planned."""
    parent, api = review_parent_and_api(sandbox, clock)
    try:
        writer = Writer(api, append_budget=budget)
        assert writer.apply(write_review(parent, before)).status == "applied"
        kept = writer.export()
        writer = Writer(api, append_budget=budget)  # the next run, given what this one kept
        writer.restore(kept)
        sandbox.reset_log()
        assert writer.apply(write_review(parent, after)).status == "applied"
        by_endpoint: dict[str, Any] = sandbox.stats()["by_endpoint"]
        assert generated_part(sandbox, parent) == _planned(after)
    finally:
        api.close()
    (page,) = kept["pages"].values()
    return by_endpoint, page["tree"]


@pytest.mark.parametrize(
    ("budget", "appends", "deletes", "listings", "updates"),
    [
        # the objectives section and 2 toggles replaced; 8 toggles listed, their headings and
        # lines updated
        (5, 5, 3, 8, 16),
        # both sections replaced, their headings in one append
        (45, 15, 2, 0, 0),
    ],
)
def test_the_writer_spends_what_its_plan_counts(
    sandbox: NotionSandbox,
    clock: ManualClock,
    budget: int,
    appends: int,
    deletes: int,
    listings: int,
    updates: int,
) -> None:
    """Written through the real SDK and rewritten within a budget of appends: the sandbox sees
    exactly the plan's requests (plus finding the page and its marker), and the page reads as
    planned."""
    blocks = _page(True)
    by_endpoint, _ = _rewritten(sandbox, clock, budget, _page(False), blocks)
    tree = _first_write_tree(_page(False))
    plan = _rewrite_plan(tree, blocks, [block_tree(b) for b in blocks], budget)
    assert (plan.requests, plan.appends) == (appends + deletes + listings + updates, appends)
    # finding the page lists its parent and its first blocks; the marker is written twice
    # (pending, then the new hash)
    assert by_endpoint.get("PATCH /v1/blocks/{id}/children") == appends, by_endpoint
    assert by_endpoint.get("DELETE /v1/blocks/{id}", 0) == deletes, by_endpoint
    assert by_endpoint.get("GET /v1/blocks/{id}/children") == 2 + listings, by_endpoint
    assert by_endpoint.get("PATCH /v1/blocks/{id}") == updates + 2, by_endpoint
    assert sum(by_endpoint.values()) == plan.requests + 4, by_endpoint


def _first_line_retyped(changed: bool) -> list[Block]:
    """A section whose first toggle's first line changes type (a paragraph becomes a bullet)
    while its second line stays, followed by 250 toggles that do not change."""
    first = text_block("bulleted_list_item" if changed else "paragraph", "first")
    second = text_block("paragraph", "second" + (" changed" if changed else ""))
    toggles = [text_block("toggle", f"Other {i}") for i in range(250)]
    return [
        text_block("heading_2", "Summary"),
        section(
            "heading_2",
            "Key results",
            [text_block("toggle", "Objective", children=[first, second]), *toggles],
        ),
    ]


@pytest.mark.parametrize("budget", [45, 0])
def test_a_first_child_that_cannot_be_put_back_first_is_planned_as_the_writer_does(
    sandbox: NotionSandbox, clock: ManualClock, budget: int
) -> None:
    """Nothing can be inserted before a block's first child: a first line that changes type is
    deleted and its successor cannot go back in its place while a later line stays, so its
    block cannot be patched. The plan says so (the block, here the section's first toggle,
    cannot be replaced in its place either: the section is replaced whole) and the writer
    spends what it counted, instead of giving up half way and regenerating the page."""
    blocks = _first_line_retyped(True)
    by_endpoint, kept = _rewritten(sandbox, clock, budget, _first_line_retyped(False), blocks)
    plan = _rewrite_plan(kept, blocks, [block_tree(b) for b in blocks], budget)
    assert plan.patch
    # finding the page lists its parent and its first blocks; the marker is written twice
    assert sum(by_endpoint.values()) == plan.requests + 4, by_endpoint
    assert by_endpoint.get("PATCH /v1/blocks/{id}/children") == plan.appends, by_endpoint
