"""The check-ins database: okrsync's value history kept in Notion (real SDK, real HTTP).

okrsync appends a row for each value it saw change, reads the rows people add (with notes),
adds no request to a quiet sync, and after its state store is lost rebuilds the history from
the database without adding a single row.
"""

from __future__ import annotations

import argparse
import io
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from okrsync.cli.mapping_cmd import infer_command
from okrsync.config import Config, load_config
from okrsync.demo.environment import config_document
from okrsync.demo.run import PlayClock
from okrsync.model import CheckIn, Cycle, KeyResult, Objective, Person, Workspace
from okrsync.review_build import build_cycle_reviews
from okrsync.sandbox import Sandbox, SeedResult
from okrsync.sync import SyncSummary, run_lint, run_sync
from okrsync_sandbox.notion import NotionSandbox

START = datetime(2026, 12, 3, 10, tzinfo=UTC)  # a Thursday
TODAY = START.date()


def company() -> Workspace:
    cycle = Cycle(
        id="q", name="Q now", start=TODAY - timedelta(days=40), end=TODAY + timedelta(days=50)
    )
    stamp = datetime.combine(TODAY - timedelta(days=3), datetime.min.time(), tzinfo=UTC)
    key_results = tuple(
        KeyResult(
            id=f"kr-{n}",
            objective="o",
            title=f"Reach {n * 10} customers",
            start=0,
            target=n * 10,
            current=n * 4,
            confidence=0.7,
            owners=("u-ana",),
            updated_at=stamp,
        )
        for n in (1, 2, 3)
    )
    note = CheckIn(
        key_result="kr-2",
        at=datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC) - timedelta(hours=20),
        value=7,
        confidence=0.5,
        note="Two pilots signed, one slipped to next month",
        who="Ana Ruiz",
    )
    return Workspace(
        cycles=(cycle,),
        people=(Person(id="u-ana", name="Ana Ruiz"),),
        objectives=(Objective(id="o", title="Grow", cycle="q", owners=("u-ana",)),),
        key_results=key_results,
        check_ins=(note,),
    )


@dataclass
class World:
    sandbox: Sandbox
    seed: SeedResult
    config: Config
    env: dict[str, str]
    state: Path
    clock: PlayClock

    def sync(self, **kwargs: Any) -> SyncSummary:
        """A sync ten minutes after the last one (past the incremental read's overlap)."""
        self.clock.set(self.clock.now() + timedelta(minutes=10))
        return run_sync(self.config, env=self.env, clock=self.clock.now, **kwargs)

    def rows(self) -> list[dict[str, Any]]:
        """The check-in rows, each as property name -> stored value."""
        store: Any = self.sandbox.store
        database = store.databases[self.seed.options["databases"]["check_ins"]]
        source = database["data_sources"][0]
        names = {
            prop["id"]: name for name, prop in store.data_sources[source]["properties"].items()
        }
        return [
            {names.get(k, k): v for k, v in page["properties"].items()}
            for page in store.pages.values()
            if page["parent"].get("data_source_id") == source and not page.get("in_trash")
        ]

    def queries_of_check_ins(self, since: int) -> int:
        store: Any = self.sandbox.store
        database = store.databases[self.seed.options["databases"]["check_ins"]]
        source = database["data_sources"][0]
        return sum(
            1
            for e in self.sandbox.request_log()[since:]
            if e.path == f"/v1/data_sources/{source}/query"
        )


@pytest.fixture
def world(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[World]:
    """The seeded workspace; `indirect` parametrisation with True writes review pages too, with
    (True, a workspace) review pages of that workspace."""
    param = getattr(request, "param", False)
    reviews, workspace = param if isinstance(param, tuple) else (param, company())
    clock = PlayClock(START)
    sandbox = NotionSandbox(0, clock=clock)
    sandbox.start()
    try:
        seed = sandbox.seed(workspace)
        document = config_document({"notion": seed}, tmp_path)
        document["sources"]["notion"]["writeback"]["reviews"] = reviews
        path = tmp_path / "okrsync.toml"
        path.write_text(tomli_w.dumps(document), encoding="utf-8")
        config = load_config(path)
        yield World(sandbox, seed, config, dict(seed.env), tmp_path / "state.db", clock)
    finally:
        sandbox.stop()


def _values(rows: list[dict[str, Any]]) -> list[tuple[str, float | None]]:
    found = []
    for row in rows:
        relation = row.get("Key Result") or [""]
        found.append((relation[0], row.get("Value")))
    return sorted(found, key=lambda x: (x[0], x[1] or 0))


def test_history_lives_in_the_check_ins_database(world: World) -> None:
    ids = world.seed.ids
    assert len(world.rows()) == 1  # the note someone wrote by hand
    first = world.sync()
    assert first.exit_code == 0, first
    rows = world.rows()
    assert len(rows) == 4  # one observed value per key result, beside the hand-written row
    assert (ids["kr-3"], 12) in _values(rows)
    assert {r["By"][0]["plain_text"] for r in rows} == {"okrsync", "Ana Ruiz"}

    # okrsync's own writes are read back once; after that a quiet sync does not even query
    # the check-ins database, and writes nothing.
    assert world.sync().writes == 0
    mark = len(world.sandbox.request_log())
    quiet = world.sync()
    assert quiet.writes == 0
    assert world.queries_of_check_ins(mark) == 0

    # A person moves one key result: exactly one new row.
    store: Any = world.sandbox.store
    store.update_page(ids["kr-1"], {"Current Value": {"number": 9}})
    moved = world.sync()
    assert moved.exit_code == 0
    assert len(world.rows()) == 5
    assert (ids["kr-1"], 9) in _values(world.rows())

    # The state store is lost: the history comes back from the database, no row is added
    # and nothing is written.
    world.state.unlink()
    rebuilt = world.sync()
    assert rebuilt.exit_code == 0
    assert rebuilt.writes == 0, rebuilt
    assert len(world.rows()) == 5
    lint = run_lint(world.config, env=world.env, clock=world.clock.now)
    review = lint.reviews["notion"]
    values = sorted(
        (c.at, c.value) for c in review.workspace.check_ins if c.key_result == ids["kr-1"]
    )
    assert [v for _, v in values][-2:] == [4, 9]  # the value before, and the move


def test_a_hand_written_note_is_shown_in_what_changed(world: World) -> None:
    world.sync()
    review = run_lint(world.config, env=world.env, clock=world.clock.now).reviews["notion"]
    (cycle_review,) = build_cycle_reviews(review)
    notes = [n for item in cycle_review.what_changed for n in item.notes]
    assert [(n.who, n.note) for n in notes] == [
        ("Ana Ruiz", "Two pilots signed, one slipped to next month")
    ]


def test_without_a_check_ins_database_the_history_stays_in_the_store(world: World) -> None:
    store: Any = world.sandbox.store
    database = store.databases[world.seed.options["databases"]["check_ins"]]
    store.update_data_source(database["data_sources"][0], title="Old check-ins")
    path = world.state.parent / "okrsync.toml"
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    del document["sources"]["notion"]["options"]["databases"]["check_ins"]
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    world.config = load_config(path)
    first = world.sync()
    assert first.exit_code == 0, first
    assert first.writes == 4  # the outputs only
    assert len(world.rows()) == 1  # nothing appended where okrsync was not asked to
    mark = len(world.sandbox.request_log())
    world.sync()
    searches = [e for e in world.sandbox.request_log()[mark:] if e.path == "/v1/search"]
    assert searches == []  # the absent database is remembered, not searched for every run


def test_infer_apply_creates_the_check_ins_database_after_asking(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    store: Any = world.sandbox.store
    old = store.databases[world.seed.options["databases"]["check_ins"]]
    store.update_data_source(old["data_sources"][0], title="Old check-ins")
    path = world.state.parent / "okrsync.toml"
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    del document["sources"]["notion"]["options"]["databases"]["check_ins"]
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    world.config = load_config(path)
    for name, value in world.env.items():
        monkeypatch.setenv(name, value)
    args = argparse.Namespace(
        config=path, source="notion", schema_json=None, out=None, force=False, apply=True, yes=False
    )
    asked: list[str] = []

    def answer(question: str) -> bool:
        asked.append(question)
        return question == "create it?"

    out = io.StringIO()
    assert infer_command(args, out=out, confirm=answer) == 0
    assert "create it?" in asked
    assert "created the check-ins database" in out.getvalue()
    (created,) = [
        source_id
        for source_id, source in store.data_sources.items()
        if source["title"] == "Check-ins"
    ]
    schema = store.data_sources[created]["properties"]
    assert (
        schema["Key Result"]["relation"]["data_source_id"]
        == store.databases[world.seed.options["databases"]["key_results"]]["data_sources"][0]
    )
    assert world.sync(full=True).exit_code == 0
    rows = [p for p in store.pages.values() if p["parent"].get("data_source_id") == created]
    assert len(rows) == 3  # one observed value per key result


def test_a_created_check_ins_database_takes_the_mappings_own_names() -> None:
    """A German mapping's check_ins fields name the database okrsync creates, so what it
    creates is what the mapping reads; without names, the shipped layout's."""
    from okrsync_notion.check_ins import PROPERTY_NAMES, database_definition

    from okrsync.mapping.schema import FieldSpec

    german = {
        "key_result": FieldSpec(field="Schlüsselergebnis"),
        "at": FieldSpec(field="Datum"),
        "value": FieldSpec(field="Wert"),
        "confidence": FieldSpec(field="Zuversicht", parse="scale_10"),
        "note": FieldSpec(field="Notiz"),
        "who": FieldSpec(field="Von"),
    }
    created = database_definition("ds-krs", german)
    assert set(created) == {"Check-in", "Schlüsselergebnis", "Datum", "Wert", "Zuversicht"} | {
        "Notiz",
        "Von",
    }
    assert created["Schlüsselergebnis"]["relation"]["data_source_id"] == "ds-krs"
    assert created["Datum"] == {"date": {}}
    assert set(database_definition("ds-krs")) == {"Check-in", *PROPERTY_NAMES.values()}


def _review_images(world: World) -> dict[str, str]:
    """Image block -> the upload it shows, on every review page below the review parent."""
    store: Any = world.sandbox.store
    found: dict[str, str] = {}
    todo = list(store.live_children(world.seed.options["review_parent"]))
    while todo:
        block_id = todo.pop()
        block = store.blocks[block_id]
        if block["type"] == "image":
            found[block_id] = block["content"]["file_upload"]["id"]
        todo.extend(store.live_children(block_id))
    return found


@pytest.mark.parametrize("world", [True], indirect=True)
def test_a_lost_state_store_keeps_every_chart_and_trend(world: World) -> None:
    """Issue 14: after the state store is lost, the history comes back from the check-ins
    database, so the review (its charts, trends and notes) is the one already in place: nothing
    is uploaded or written, and no check-in row is added twice."""
    ids = world.seed.ids
    store: Any = world.sandbox.store
    assert world.sync().exit_code == 0
    store.update_page(ids["kr-1"], {"Current Value": {"number": 9}})
    assert world.sync().exit_code == 0
    assert world.sync().writes == 0
    images, rows = _review_images(world), len(world.rows())
    assert images and all(store.uploads.records[u]["status"] == "uploaded" for u in images.values())
    before = run_lint(world.config, env=world.env, clock=world.clock.now).reviews["notion"]

    world.state.unlink()
    mark = len(world.sandbox.request_log())
    rebuilt = world.sync()
    assert rebuilt.exit_code == 0 and rebuilt.writes == 0, rebuilt
    assert not [e for e in world.sandbox.request_log()[mark:] if "file_uploads" in e.path]
    assert _review_images(world) == images and len(world.rows()) == rows
    after = run_lint(world.config, env=world.env, clock=world.clock.now).reviews["notion"]
    (was,), (now,) = build_cycle_reviews(before), build_cycle_reviews(after)
    assert [o.trend for o in now.objectives] == [o.trend for o in was.objectives]
    assert [k.trend for o in now.objectives for k in o.key_results] == [
        k.trend for o in was.objectives for k in o.key_results
    ]
    assert now.what_changed == was.what_changed


def company_with_a_tie() -> Workspace:
    """kr-1's page was last edited last Saturday, at the very instant of a check-in Ana wrote
    with a larger value: two values of one instant, okrsync's observation (the page's value
    after that edit, 4) and hers (9)."""
    base = company()
    edited = datetime.combine(TODAY - timedelta(days=5), time.min, tzinfo=UTC)
    key_results = tuple(
        kr.model_copy(update={"updated_at": edited}) if kr.id == "kr-1" else kr
        for kr in base.key_results
    )
    tie = CheckIn(key_result="kr-1", at=edited, value=9, who="Ana Ruiz")
    return base.model_copy(update={"key_results": key_results, "check_ins": (*base.check_ins, tie)})


@pytest.mark.parametrize("world", [(True, company_with_a_tie())], indirect=True)
def test_the_first_sync_builds_the_review_the_next_one_sees(world: World) -> None:
    """Issues 14 and 16: the first sync orders a history's check-ins of one instant as the
    next sync does when it reads its own row back (in the database's order), so the no-change
    sync after it writes nothing (it rewrote the review page's change since Monday); and the
    page's value is the latest of that instant, so kr-1 held 4 since Saturday: no change since
    Monday (not -0.5 from Ana's 9)."""
    assert world.sync().exit_code == 0
    second = world.sync()
    assert second.exit_code == 0 and second.writes == 0, second
    review = run_lint(world.config, env=world.env, clock=world.clock.now).reviews["notion"]
    (cycle_review,) = build_cycle_reviews(review)
    (kr_1,) = [
        k
        for o in cycle_review.objectives
        for k in o.key_results
        if k.key_result.title.endswith(" 10 customers")
    ]
    assert kr_1.trend is not None and kr_1.trend.week is not None
    assert kr_1.trend.week.delta == 0
