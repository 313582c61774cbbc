"""The check-in log on Confluence objective pages (a content property; real SDK, real HTTP).

okrsync keeps each objective page's value history in the `okrsync-check-ins` content property,
reads it with the page listing (no request more), writes it only when it observed a change,
and after its state store is lost rebuilds the history from it without writing anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from okrsync.config import Config, load_config
from okrsync.demo.environment import config_document
from okrsync.demo.run import PlayClock
from okrsync.model import Cycle, KeyResult, Objective, Person, Workspace
from okrsync.sandbox import SeedResult
from okrsync.sync import SyncSummary, run_lint, run_sync
from okrsync_sandbox.confluence import ConfluenceSandbox
from tests.connectors.notion.test_check_ins import START

LOG = "okrsync-check-ins"


def company() -> Workspace:
    today = START.date()
    cycle = Cycle(
        id="q", name="Q now", start=today - timedelta(days=40), end=today + timedelta(days=50)
    )
    return Workspace(
        cycles=(cycle,),
        people=(Person(id="u-ana", name="Ana Ruiz"),),
        objectives=(
            Objective(id="o1", title="Grow", cycle="q", owners=("u-ana",)),
            Objective(id="o2", title="Hire", cycle="q", owners=("u-ana",)),
        ),
        key_results=(
            KeyResult(id="k1", objective="o1", title="Revenue", start=0, target=1000, current=437),
            KeyResult(id="k2", objective="o1", title="Deals", start=0, target=80, current=23),
            KeyResult(id="k3", objective="o2", title="Hires", start=0, target=12, current=5),
        ),
    )


@dataclass
class Wiki:
    sandbox: ConfluenceSandbox
    seed: SeedResult
    config: Config
    env: dict[str, str]
    state: Path
    clock: PlayClock

    def sync(self) -> SyncSummary:
        self.clock.set(self.clock.now() + timedelta(minutes=10))
        return run_sync(self.config, env=self.env, clock=self.clock.now)

    def log(self, objective: str) -> list[dict[str, Any]]:
        page = self.sandbox.store.page(self.seed.ids[objective])
        prop = page.properties.get(LOG)
        return list(prop.value["check_ins"]) if prop is not None else []


@pytest.fixture
def wiki(tmp_path: Path) -> Iterator[Wiki]:
    clock = PlayClock(START)
    sandbox = ConfluenceSandbox(0, deployment="cloud", clock=clock)
    sandbox.start()
    try:
        seed = sandbox.seed(company())
        document = config_document({"confluence": seed}, tmp_path)
        document["sources"]["confluence"]["writeback"]["reviews"] = False
        path = tmp_path / "okrsync.toml"
        path.write_text(tomli_w.dumps(document), encoding="utf-8")
        yield Wiki(sandbox, seed, load_config(path), dict(seed.env), tmp_path / "state.db", clock)
    finally:
        sandbox.stop()


def _property_requests(wiki: Wiki, since: int) -> list[str]:
    return [
        f"{e.method} {e.path}" for e in wiki.sandbox.request_log()[since:] if "/property" in e.path
    ]


def test_the_history_lives_in_a_log_on_each_objective_page(wiki: Wiki) -> None:
    mark = len(wiki.sandbox.request_log())
    first = wiki.sync()
    assert first.exit_code == 0, first
    # The listing asked for the logs and found none: each is created without a read first.
    created = _property_requests(wiki, mark)
    assert sorted(created) == sorted(
        f"POST /wiki/rest/api/content/{wiki.seed.ids[o]}/property" for o in ("o1", "o2")
    )
    assert sorted(e["value"] for e in wiki.log("o1")) == [23, 437]
    assert [e["value"] for e in wiki.log("o2")] == [5]
    assert {e["who"] for e in wiki.log("o1")} == {"okrsync"}

    mark = len(wiki.sandbox.request_log())
    quiet = wiki.sync()
    assert quiet.writes == 0
    assert _property_requests(wiki, mark) == []  # the log came with the listing, if at all

    # A person moves one key result: only that page's log grows, by one entry.
    page_id = wiki.seed.ids["o1"]
    body = wiki.sandbox.store.page(page_id).body
    assert body.count(">437<") == 1
    wiki.sandbox.human_edit(page_id, body.replace(">437<", ">612<"))
    mark = len(wiki.sandbox.request_log())
    moved = wiki.sync()
    assert moved.exit_code == 0, moved
    assert sorted(e["value"] for e in wiki.log("o1")) == [23, 437, 612]
    assert len(wiki.log("o2")) == 1
    assert [r for r in _property_requests(wiki, mark) if not r.startswith("GET")] == [
        f"PUT /wiki/rest/api/content/{page_id}/property/{LOG}"
    ]

    # The state store is lost: a full read brings the logs back; nothing is written.
    wiki.state.unlink()
    rebuilt = wiki.sync()
    assert rebuilt.exit_code == 0, rebuilt
    assert rebuilt.writes == 0, rebuilt
    assert sorted(e["value"] for e in wiki.log("o1")) == [23, 437, 612]
    review = run_lint(wiki.config, env=wiki.env, clock=wiki.clock.now).reviews["confluence"]
    revenue = next(kr for kr in review.workspace.key_results if kr.title == "Revenue")
    history = [c.value for c in review.workspace.check_ins if c.key_result == revenue.id]
    assert history == [437, 612]
