"""mapping infer end to end: the Notion template in the sandbox drafts the shipped mapping.

The Notion sandbox (a local HTTP emulator, no internet) is seeded with the OKR template; the
real connector describes it; the draft must read the same properties as the shipped
`mappings/notion-okr-template.yaml` and map the pulled pages to the same workspace.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from okrsync_notion import create

from okrsync.connector import ConnectorContext, SourceRecord
from okrsync.mapping.apply import apply_mapping
from okrsync.mapping.infer import infer_mapping, missing_outputs
from okrsync.mapping.loader import load_mapping, parse_mapping
from okrsync.mapping.schema import CollectionMap, FieldSpec, Mapping
from okrsync.model import Cycle, KeyResult, Objective, Person, Workspace
from okrsync_sandbox.kit.clock import ManualClock
from okrsync_sandbox.notion import NotionSandbox

TEMPLATE = Path(__file__).resolve().parents[2] / "mappings" / "notion-okr-template.yaml"
TOKEN = "secret_sandbox_token"


WORKSPACE = Workspace(
    cycles=(Cycle(id="q3", name="Q3 2025", start=date(2025, 7, 1), end=date(2025, 9, 30)),),
    people=(Person(id="ada", name="Ada Lovelace", email="ada@example.com"),),
    objectives=(
        Objective(id="o1", title="Grow revenue", level="company", owners=("ada",), cycle="q3"),
        Objective(
            id="o2",
            title="Win mid-market accounts",
            level="team",
            team="Sales",
            cycle="q3",
            parents=("o1",),
            kind="committed",
        ),
    ),
    key_results=(
        KeyResult(id="k1", objective="o2", title="Close rate", start=22, target=27, current=24.5),
        KeyResult(id="k2", objective="o2", title="Calls per rep", start=3, target=6, current=4.2),
        KeyResult(
            id="k3", objective="o1", title="Pipeline", kind="at_least", target=500, confidence=0.7
        ),
    ),
)


@pytest.fixture
def seeded() -> Iterator[tuple[NotionSandbox, ManualClock, dict[str, object]]]:
    clock = ManualClock(datetime(2025, 8, 1, 10, tzinfo=UTC))
    box = NotionSandbox(token=TOKEN, clock=clock, seed=3)
    box.start()
    try:
        result = box.seed(WORKSPACE)
        options = {**result.options, "token_env": "NOTION_TOKEN", "requests_per_second": 1000.0}
        yield box, clock, options
    finally:
        box.stop()


def pull(options: dict[str, object], mapping: Mapping, clock: ManualClock) -> list[SourceRecord]:
    connector = create(
        ConnectorContext(
            source="okrs",
            options=options,
            mapping=mapping,
            env={"NOTION_TOKEN": TOKEN},
            clock=clock.now,
            sleep=clock.sleep,
        )
    )
    try:
        return list(connector.pull(None))
    finally:
        connector.close()


def test_the_seeded_template_drafts_the_shipped_mapping(
    seeded: tuple[NotionSandbox, ManualClock, dict[str, object]],
) -> None:
    _box, clock, options = seeded
    placeholder = Mapping(
        collections={"objectives": CollectionMap(fields={"title": FieldSpec(field="@title")})}
    )
    describe_options = {k: v for k, v in options.items() if k != "databases"}
    connector = create(
        ConnectorContext(
            source="okrs",
            options=describe_options,
            mapping=placeholder,
            env={"NOTION_TOKEN": TOKEN},
            clock=clock.now,
            sleep=clock.sleep,
        )
    )
    try:
        schema = connector.describe()
    finally:
        connector.close()
    draft = parse_mapping(infer_mapping(schema), source="draft")
    template = load_mapping(TEMPLATE)
    for collection in ("objectives", "key_results", "cycles"):
        assert set(draft.source_fields(collection)) == set(template.source_fields(collection))
    assert draft.collections["objectives"].fields["title"].field == "Objective"
    assert draft.collections["key_results"].fields["objective"].field == "Objective"
    assert draft.collections["key_results"].fields["target"].field == "Target Value"
    assert draft.collections["cycles"].fields["start"].field == "Dates"
    assert missing_outputs(draft, schema) == missing_outputs(template, schema)

    drafted = apply_mapping(draft, pull(options, draft, clock), connector="notion")
    shipped = apply_mapping(template, pull(options, template, clock), connector="notion")
    assert drafted.findings == shipped.findings == ()

    def essentials(ws: Workspace) -> list[tuple[object, ...]]:
        return sorted(
            [("o", o.title, o.level, o.kind, o.cycle, len(o.parents)) for o in ws.objectives]
            + [("k", k.title, k.start, k.current, k.target, k.kind) for k in ws.key_results]
        )

    assert essentials(drafted.workspace) == essentials(shipped.workspace)
    titles = {o.title: o for o in shipped.workspace.objectives}
    assert titles["Grow revenue"].level == "company"
    assert titles["Win mid-market accounts"].kind == "committed"
