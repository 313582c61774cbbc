"""Seeding the template layout from a canonical workspace; save/load; HTML view; registry."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from notion_client import Client

from okrsync.model import Cycle, KeyResult, Objective, Person, Workspace
from okrsync.sandbox import Sandbox, SeedResult, load_sandbox
from okrsync_sandbox.notion import NotionSandbox, create_sandbox

ROOT = Path(__file__).resolve().parents[3]

TEMPLATE: dict[str, dict[str, str]] = {
    "Check-ins": {
        "Check-in": "title",
        "Key Result": "relation",
        "Date": "date",
        "Value": "number",
        "Confidence": "number",
        "Note": "rich_text",
        "By": "rich_text",
    },
    "Objectives": {
        "Objective": "title",
        "Owner": "people",
        "Team": "select",
        "Level": "select",
        "Quarter": "relation",
        "Type": "select",
        "Aligned to": "relation",
        "Key Results": "relation",
        "Status": "status",
        "Notes": "rich_text",
        "Score": "number",
        "Health": "select",
        "Warnings": "rich_text",
        "Last synced": "date",
    },
    "Key Results": {
        "Key Result": "title",
        "Objective": "relation",
        "Owner": "people",
        "Kind": "select",
        "Start Value": "number",
        "Current Value": "number",
        "Target Value": "number",
        "Weight": "number",
        "Unit": "select",
        "Confidence": "number",
        "Due": "date",
        "Done": "checkbox",
        "Notes": "rich_text",
        "Score": "number",
        "Health": "select",
        "Warnings": "rich_text",
        "Last synced": "date",
    },
    "Quarters": {"Name": "title", "Dates": "date"},
}


@pytest.fixture
def workspace() -> Workspace:
    return Workspace(
        cycles=(Cycle(id="q1", name="Q1 2026", start=date(2026, 1, 1), end=date(2026, 3, 31)),),
        people=(Person(id="ana", name="Ana Lima", email="ana@example.com"),),
        objectives=(
            Objective(
                id="o1",
                title="Win the market",
                level="company",
                kind="committed",
                cycle="q1",
                owners=("ana",),
                status="In progress",
                description="Why it matters.",
            ),
            Objective(
                id="o2",
                title="Ship faster",
                team="Platform",
                cycle="q1",
                parents=("o1",),
                ignore_rules=("OBJ003", "ALIGN"),
                status="At risk",
            ),
        ),
        key_results=(
            KeyResult(
                id="k1",
                objective="o1",
                title="Revenue to 2M",
                kind="increase",
                start=1,
                target=2,
                current=1.4,
                unit="MEUR",
                confidence=0.7,
                owners=("ana",),
                due=date(2026, 3, 31),
            ),
            KeyResult(
                id="k2",
                objective="o2",
                title="Lead time under 2 days",
                kind="at_most",
                target=2,
                current=3,
                weight=2,
                done=True,
                ignore_rules=("KR002",),
            ),
        ),
    )


def _plain(value: dict[str, Any]) -> Any:
    kind = value["type"]
    inner = value[kind]
    if kind in ("title", "rich_text"):
        return "".join(item["plain_text"] for item in inner)
    if kind in ("select", "status"):
        return inner["name"] if inner else None
    if kind in ("relation", "people"):
        return [item["id"] for item in inner]
    return inner


def _rows(client: Client, database_id: str) -> dict[str, dict[str, Any]]:
    database = client.databases.retrieve(database_id)
    assert len(database["data_sources"]) == 1
    pages = client.data_sources.query(database["data_sources"][0]["id"])["results"]
    return {
        page["id"]: {name: _plain(value) for name, value in page["properties"].items()}
        for page in pages
    }


def test_seed_lays_out_the_template(
    sandbox: NotionSandbox, client: Client, workspace: Workspace
) -> None:
    result = sandbox.seed(workspace)
    assert isinstance(result, SeedResult)
    assert result.connector == "notion"
    assert result.mapping == ROOT / "mappings" / "notion-okr-template.yaml"
    assert result.env == {"OKRSYNC_SANDBOX_NOTION_TOKEN": sandbox.token}
    options = result.options
    assert options["base_url"] == sandbox.base_url
    assert options["token_env"] == "OKRSYNC_SANDBOX_NOTION_TOKEN"
    assert set(options["databases"]) == {"objectives", "key_results", "cycles", "check_ins"}
    names = {
        "objectives": "Objectives",
        "key_results": "Key Results",
        "cycles": "Quarters",
        "check_ins": "Check-ins",
    }
    for key, database_id in options["databases"].items():
        database = client.databases.retrieve(database_id)
        assert database["title"][0]["plain_text"] == names[key]
        source = client.data_sources.retrieve(database["data_sources"][0]["id"])
        schema = {name: prop["type"] for name, prop in source["properties"].items()}
        assert schema == TEMPLATE[names[key]]
    review_parent = client.pages.retrieve(options["review_parent"])
    assert review_parent["properties"]["title"]["title"][0]["plain_text"] == "OKR Reviews"

    ids = result.ids
    assert set(ids) == {"q1", "ana", "o1", "o2", "k1", "k2"}
    objectives = _rows(client, options["databases"]["objectives"])
    o1, o2 = objectives[ids["o1"]], objectives[ids["o2"]]
    assert o1["Objective"] == "Win the market"
    assert (o1["Level"], o1["Type"], o1["Status"]) == ("Company", "Committed", "In progress")
    assert o1["Owner"] == [ids["ana"]]
    assert o1["Quarter"] == [ids["q1"]]
    assert o1["Key Results"] == [ids["k1"]]
    assert (o2["Team"], o2["Type"], o2["Status"]) == ("Platform", "Aspirational", "At risk")
    assert o2["Aligned to"] == [ids["o1"]]
    assert o2["Notes"] == "okrsync: ignore OBJ003, ALIGN"
    assert o1["Score"] is None and o1["Warnings"] == "" and o1["Last synced"] is None

    krs = _rows(client, options["databases"]["key_results"])
    k1, k2 = krs[ids["k1"]], krs[ids["k2"]]
    assert (k1["Kind"], k1["Start Value"], k1["Current Value"], k1["Target Value"]) == (
        "Increase",
        1,
        1.4,
        2,
    )
    assert (k1["Unit"], k1["Confidence"], k1["Weight"], k1["Done"]) == ("MEUR", 7, 1, False)
    assert k1["Due"] == {"start": "2026-03-31", "end": None, "time_zone": None}
    assert k1["Objective"] == [ids["o1"]] and k1["Owner"] == [ids["ana"]]
    assert (k2["Kind"], k2["Weight"], k2["Done"], k2["Confidence"]) == ("At most", 2, True, None)
    assert k2["Notes"] == "okrsync: ignore KR002"

    cycles = _rows(client, options["databases"]["cycles"])
    assert cycles[ids["q1"]]["Dates"] == {
        "start": "2026-01-01",
        "end": "2026-03-31",
        "time_zone": None,
    }
    people = {u["id"]: u for u in client.users.list()["results"]}
    assert people[ids["ana"]]["person"]["email"] == "ana@example.com"
    body = client.blocks.children.list(ids["o1"])["results"]
    assert body[0]["paragraph"]["rich_text"][0]["plain_text"] == "Why it matters."


def test_save_and_load_round_trip(
    sandbox: NotionSandbox, client: Client, workspace: Workspace, tmp_path: Path
) -> None:
    result = sandbox.seed(workspace)
    client.blocks.children.append(
        result.options["review_parent"],
        children=[
            {
                "toggle": {
                    "rich_text": [{"text": {"content": "kept"}}],
                    "children": [{"divider": {}}],
                }
            }
        ],
    )
    state = tmp_path / "notion.json"
    sandbox.save(state)
    before = {
        key: client.data_sources.query(client.databases.retrieve(db)["data_sources"][0]["id"])[
            "results"
        ]
        for key, db in result.options["databases"].items()
    }
    fresh = NotionSandbox()
    fresh.load(state)
    fresh.start()
    try:
        other = Client(auth=fresh.token, base_url=fresh.base_url, retry=False)
        for key, db in result.options["databases"].items():
            source = other.databases.retrieve(db)["data_sources"][0]["id"]
            after = other.data_sources.query(source)["results"]
            assert [{**p, "request_id": None} for p in after] == [
                {**p, "request_id": None} for p in before[key]
            ]
        toggle = other.blocks.children.list(result.options["review_parent"])["results"][0]
        assert toggle["has_children"] is True
        assert other.users.me()["id"] == sandbox.store.bot_id
        other.close()
    finally:
        fresh.stop()
    fresh.save(tmp_path / "again.json")
    assert (tmp_path / "again.json").read_text() == state.read_text()


def test_render_html_shows_pages_and_blocks(sandbox: NotionSandbox, workspace: Workspace) -> None:
    result = sandbox.seed(workspace)
    sandbox.store.append_children(
        result.options["review_parent"],
        [{"heading_2": {"rich_text": [{"text": {"content": "Q1 <review>"}}]}}],
    )
    views = sandbox.render_html()
    assert "<h2>Q1 &lt;review&gt;</h2>" in views["OKR Reviews"]
    assert "Why it matters." in views["Win the market"]


def test_factory_and_entry_point_give_a_sandbox() -> None:
    box = create_sandbox()
    assert isinstance(box, Sandbox)
    assert box.name == "notion"
    assert load_sandbox("notion") is create_sandbox
    box.start()
    box.start()  # idempotent
    try:
        assert box.base_url.startswith("http://127.0.0.1:")
        assert not box.base_url.endswith(":0")
    finally:
        box.stop()


def test_seeding_before_start_gives_the_final_url(workspace: Workspace) -> None:
    box = create_sandbox()
    try:
        result = box.seed(workspace)  # the port is bound when the URL is first asked for
        assert not result.options["base_url"].endswith(":0")
        box.start()
        assert result.options["base_url"] == box.base_url
        notion = Client(auth=box.token, base_url=result.options["base_url"], retry=False)
        assert notion.pages.retrieve(result.ids["o1"])["id"] == result.ids["o1"]
        notion.close()
    finally:
        box.stop()


def test_a_loaded_workspace_never_reuses_ids(tmp_path: Path, workspace: Workspace) -> None:
    first = NotionSandbox(seed=5)
    result = first.seed(workspace)
    first.stop()
    first.save(tmp_path / "state.json")
    second = NotionSandbox(seed=5)  # same seed: its generator would start over
    second.load(tmp_path / "state.json")
    fresh = second.store.create_page({"page_id": result.options["review_parent"]}, {})
    assert fresh not in first.store.pages
    assert fresh not in set(first.store.users) | set(first.store.blocks)


def test_seeded_key_results_were_last_edited_when_they_were_last_checked_in(
    sandbox: NotionSandbox, client: Client
) -> None:
    from datetime import UTC, datetime

    checked_in = datetime(2026, 1, 20, 10, 17, 42, tzinfo=UTC)
    workspace = Workspace(
        cycles=(Cycle(id="q1", name="Q1 2026", start=date(2026, 1, 1), end=date(2026, 3, 31)),),
        objectives=(Objective(id="o1", title="Win the market", cycle="q1"),),
        key_results=(
            KeyResult(
                id="k1", objective="o1", title="Old news", start=0, target=1, updated_at=checked_in
            ),
            KeyResult(id="k2", objective="o1", title="No date", start=0, target=1),
        ),
    )
    result = sandbox.seed(workspace)
    old = client.pages.retrieve(result.ids["k1"])
    assert old["last_edited_time"] == "2026-01-20T10:17:00.000Z"
    fresh = client.pages.retrieve(result.ids["k2"])
    assert fresh["last_edited_time"] > old["last_edited_time"]
