"""The block-by-block rewrite of review pages, against random pages and random changes.

A review page of random sections (nested lists, toggles, tables) is written, then changed
again and again at random: blocks edited, deleted, inserted (also before the first child of a
block, where Notion cannot insert), retyped, sections added, and the writer's kept trees
handed to a new writer as the next run would get them from the state store. After every write
the generated part must be exactly the planned blocks, however it got there.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from okrsync_notion.blocks import GENERATED_LINE, Block, block_tree, section, text_block
from okrsync_notion.client import NotionApi
from okrsync_notion.options import NotionOptions
from okrsync_notion.writer import APPEND_BUDGET, Writer, _rewrite_plan

from okrsync.connector import Write, content_hash
from okrsync.model import Workspace
from okrsync_sandbox.kit.clock import ManualClock
from okrsync_sandbox.notion import NotionSandbox

from .conftest import TOKEN
from .test_writing import _planned, _shown

KINDS = ("bulleted_list_item", "paragraph", "toggle")


class RandomPage:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def item(self, name: str, depth: int) -> Block:
        block = text_block(self.rng.choice(KINDS), f"item {name} v{self.rng.randint(0, 3)}")
        if depth > 0 and self.rng.random() < 0.4:
            kids = [self.item(f"{name}.{k}", depth - 1) for k in range(self.rng.randint(1, 4))]
            block[block["type"]]["children"] = kids
        return block

    def table(self, rows: int) -> Block:
        def cell(text: str) -> list[dict[str, Any]]:
            return [{"type": "text", "text": {"content": text}}]

        body = [
            {
                "object": "block",
                "type": "table_row",
                "table_row": {"cells": [cell(f"r{r} {self.rng.randint(0, 2)}"), cell("x")]},
            }
            for r in range(rows)
        ]
        return {
            "object": "block",
            "type": "table",
            "table": {"table_width": 2, "has_column_header": True, "children": body},
        }

    def page(self) -> list[Block]:
        blocks = [text_block("heading_2", "Summary"), text_block("callout", "mean 0.5")]
        for s in range(self.rng.randint(1, 4)):
            kids = [self.item(f"{s}-{i}", 3) for i in range(self.rng.randint(1, 12))]
            if self.rng.random() < 0.3:
                kids.insert(0, self.table(self.rng.randint(1, 6)))
            blocks.append(section("heading_2", f"Section {s}", kids))
        return blocks

    def change(self, blocks: list[Block], depth: int = 0) -> list[Block]:
        rng = self.rng
        out: list[Block] = []
        for original in blocks:
            roll = rng.random()
            if roll < 0.08 and original["type"] != "table_row":
                continue
            block = copy.deepcopy(original)
            body = block[block["type"]]
            if roll < 0.2 and "rich_text" in body:
                body["rich_text"] = [{"type": "text", "text": {"content": f"new {rng.random()}"}}]
            if block["type"] == "table_row" and roll < 0.3:
                body["cells"][0] = [{"type": "text", "text": {"content": f"{rng.random()}"}}]
            if body.get("children"):
                kids = self.change(body["children"], depth + 1)
                if kids:
                    body["children"] = kids
                else:
                    body.pop("children")
            out.append(block)
            if rng.random() < 0.08 and block["type"] not in ("table", "table_row"):
                out.append(self.item(f"n{rng.randint(0, 999)}", 2 - min(depth, 2)))
        if blocks and blocks[0]["type"] != "table_row" and rng.random() < 0.1:
            out.insert(0, self.item(f"f{rng.randint(0, 999)}", 1))
        if depth == 0 and rng.random() < 0.3:
            out.insert(2, section("heading_2", "Extra", [self.item("x", 2)]))
        return out


def review_parent_and_api(sandbox: NotionSandbox, clock: ManualClock) -> tuple[str, NotionApi]:
    """The review parent of an empty seeded workspace, and an API client of the sandbox."""
    parent = str(sandbox.seed(Workspace()).options["review_parent"])
    options = NotionOptions.model_validate(
        {
            "base_url": sandbox.base_url,
            "token_env": "NOTION_TEST_TOKEN",
            "requests_per_second": 1000,
        }
    )
    return parent, NotionApi(options, TOKEN, clock=clock.now, sleep=clock.sleep)


def generated_part(sandbox: NotionSandbox, parent: str) -> list[Any]:
    """The blocks below the cut line of the one review page under `parent` (see `_shown`)."""
    (page_id,) = [
        b
        for b in sandbox.store.live_children(parent)
        if sandbox.store.blocks[b]["type"] == "child_page"
    ]
    shown = _shown(sandbox, page_id)
    cut = next(i for i, b in enumerate(shown) if b[1] == GENERATED_LINE)
    return shown[cut + 1 :]


def write_review(parent: str, blocks: list[Block]) -> Write:
    digest = content_hash({"title": "Review", "blocks": blocks})
    return Write(
        target="notion:review:okrs:q",
        kind="page",
        description="review page",
        payload={
            "parent": parent,
            "title": "Review",
            "marker": "okrsync:review:okrs:q",
            "hash": digest,
            "blocks": blocks,
        },
        content_hash=digest,
    )


@pytest.mark.parametrize(
    ("seed", "append_budget"),
    [
        (1, APPEND_BUDGET),
        (2, APPEND_BUDGET),
        (3, APPEND_BUDGET),
        (4, APPEND_BUDGET),
        (5, 0),
        (6, 0),
    ],
)
def test_random_changes_end_with_exactly_the_planned_page(
    sandbox: NotionSandbox, clock: ManualClock, seed: int, append_budget: int
) -> None:
    """With the default budget of appends the writer mostly replaces changed blocks (fewest
    requests); with none it patches wherever it can. A rewrite its plan patches never costs
    more than the plan counts (it would if the writer gave up half way and regenerated)."""
    parent, api = review_parent_and_api(sandbox, clock)
    pages = RandomPage(seed)
    writer = Writer(api, append_budget=append_budget)
    blocks = pages.page()
    for _ in range(20):
        before = writer.export()["pages"].get("okrsync:review:okrs:q")
        sandbox.reset_log()
        status = writer.apply(write_review(parent, blocks)).status
        assert status in ("applied", "unchanged")
        spent = sum(sandbox.stats()["by_endpoint"].values())
        assert generated_part(sandbox, parent) == _planned(blocks)
        if before is not None and status == "applied":
            tree = [block_tree(b) for b in blocks]
            plan = _rewrite_plan(before["tree"], blocks, tree, append_budget)
            # and finding the page (its parent and first blocks listed), its marker written twice
            assert not plan.patch or spent <= plan.requests + 4, (plan, sandbox.stats())
        kept = writer.export()
        if pages.rng.random() < 0.5:
            writer = Writer(
                api, append_budget=append_budget
            )  # the next run, given what this one kept
            writer.restore(kept)
        blocks = pages.change(blocks)
    api.close()
