"""Write-back through the real notion-client against the sandbox: outputs and review pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from okrsync_notion import NotionConnector
from okrsync_notion.blocks import (
    GENERATED_LINE,
    NOTES_LINE,
    total_blocks,
)
from okrsync_notion.properties import RICH_TEXT_ITEM_LIMIT, RICH_TEXT_ITEMS_LIMIT
from okrsync_notion.writer import parse_marker

from okrsync.connector import Write, Writeback
from okrsync.errors import TransientError
from okrsync.mapping.schema import Mapping
from okrsync.model import Finding
from okrsync.sandbox import SeedResult
from okrsync_sandbox.kit.http_server import RESET, Incoming, Outgoing
from okrsync_sandbox.notion import NotionSandbox

from .conftest import ConnectorFactory
from .pipeline import large_workspace, pull_review, small_workspace

GENERATED = datetime(2025, 8, 1, 10, 30, tzinfo=UTC)


@pytest.fixture
def seeded(sandbox: NotionSandbox) -> SeedResult:
    return sandbox.seed(small_workspace())


def _connector(
    make_connector: ConnectorFactory,
    mapping: Mapping,
    seeded: SeedResult,
    *,
    reviews: bool = False,
    charts: bool = False,
    **options: Any,
) -> NotionConnector:
    """A connector for these tests; the review pages' charts are tested in test_charts.py."""
    opts = {**seeded.options, **options}
    opts.pop("base_url")
    opts["token_env"] = "NOTION_TEST_TOKEN"
    if not reviews:
        opts.pop("review_parent", None)
    return make_connector(mapping, writeback=Writeback(reviews=reviews, charts=charts), **opts)


def _page_values(sandbox: NotionSandbox, page_id: str) -> dict[str, Any]:
    """The page's properties as the API shows them, flattened by name."""
    from okrsync_notion.properties import flatten_value

    store = sandbox.store
    page = store.get_page(page_id)
    return {name: flatten_value(value) for name, value in store.page_properties(page).items()}


def test_outputs_are_written_and_a_second_plan_writes_nothing(
    sandbox: NotionSandbox,
    seeded: SeedResult,
    make_connector: ConnectorFactory,
    template_mapping: Mapping,
) -> None:
    connector = _connector(make_connector, template_mapping, seeded)
    review = pull_review(connector, template_mapping, GENERATED)
    writes = connector.plan(review)
    assert {w.kind for w in writes} == {"properties"}
    assert len(writes) == 5  # two objectives, three key results
    assert all(w.content_hash for w in writes)
    results = [connector.apply(w) for w in writes]
    assert [r.status for r in results] == ["applied"] * 5

    k1 = _page_values(sandbox, seeded.ids["k1"])
    assert k1["Score"] == pytest.approx(0.4)
    assert k1["Health"] in {"On track", "At risk", "Off track"}
    assert k1["Last synced"] == GENERATED.isoformat()
    k3 = _page_values(sandbox, seeded.ids["k3"])
    assert k3["Health"] == "No data"
    assert k3["Warnings"].startswith("⚠ ")
    k3_codes = {f.code for f in review.findings if f.subject == seeded.ids["k3"]}
    assert k3_codes and all(code in k3["Warnings"] for code in k3_codes)

    # the next run pulls the written values back: nothing left to write, even a day later
    later = pull_review(connector, template_mapping, GENERATED + timedelta(days=1))
    assert connector.plan(later) == []
    # applying an old write again (an interrupted run redone) is idempotent: same values
    assert connector.apply(writes[0]).status == "applied"
    assert connector.plan(pull_review(connector, template_mapping, GENERATED)) == []


def test_by_default_an_output_write_is_one_request(
    sandbox: NotionSandbox,
    seeded: SeedResult,
    make_connector: ConnectorFactory,
    template_mapping: Mapping,
) -> None:
    """The default (verify_before_write false): each output write is a single PATCH, no read
    before it; the plan already compared the outputs pulled in the same run."""
    connector = _connector(make_connector, template_mapping, seeded)
    assert connector.options.verify_before_write is False
    writes = connector.plan(pull_review(connector, template_mapping, GENERATED))
    assert writes
    sandbox.reset_log()
    assert [connector.apply(w).status for w in writes] == ["applied"] * len(writes)
    assert sandbox.stats()["by_endpoint"] == {"PATCH /v1/pages/{id}": len(writes)}
    # the next plan, from the values just written, has nothing left to write
    assert connector.plan(pull_review(connector, template_mapping, GENERATED)) == []


def test_verify_before_write_reads_first_and_answers_unchanged(
    sandbox: NotionSandbox,
    seeded: SeedResult,
    make_connector: ConnectorFactory,
    template_mapping: Mapping,
) -> None:
    """verify_before_write=true: a read before each write; a page already holding the planned
    outputs is not written again."""
    connector = _connector(make_connector, template_mapping, seeded, verify_before_write=True)
    writes = connector.plan(pull_review(connector, template_mapping, GENERATED))
    assert writes
    sandbox.reset_log()
    assert [connector.apply(w).status for w in writes] == ["applied"] * len(writes)
    assert sandbox.stats()["by_endpoint"] == {
        "GET /v1/pages/{id}": len(writes),
        "PATCH /v1/pages/{id}": len(writes),
    }
    sandbox.reset_log()
    assert connector.apply(writes[0]).status == "unchanged"
    assert sandbox.stats()["by_endpoint"] == {"GET /v1/pages/{id}": 1}


def test_last_synced_is_not_part_of_the_content_hash(
    seeded: SeedResult, make_connector: ConnectorFactory, template_mapping: Mapping
) -> None:
    connector = _connector(make_connector, template_mapping, seeded)
    records = list(connector.pull(None))
    first = connector.plan(pull_review(connector, template_mapping, GENERATED, records=records))
    second = connector.plan(
        pull_review(connector, template_mapping, GENERATED + timedelta(hours=5), records=records)
    )
    assert [w.content_hash for w in first] == [w.content_hash for w in second]
    assert first[0].payload["always"] != second[0].payload["always"]


def test_warnings_past_the_limits_end_with_more_and_still_apply(
    sandbox: NotionSandbox,
    seeded: SeedResult,
    make_connector: ConnectorFactory,
    template_mapping: Mapping,
) -> None:
    connector = _connector(make_connector, template_mapping, seeded)
    review = pull_review(connector, template_mapping, GENERATED)
    o1 = seeded.ids["o1"]
    many = tuple(
        Finding(code=f"X{i:03d}", severity="warning", subject=o1, message="m" * 2500)
        for i in range(150)
    )
    review = review.model_copy(update={"findings": review.findings + many})
    (write,) = [w for w in connector.plan(review) if w.payload["page_id"] == o1]
    items = write.payload["properties"]["Warnings"]["rich_text"]
    assert len(items) <= RICH_TEXT_ITEMS_LIMIT
    assert all(len(i["text"]["content"]) <= RICH_TEXT_ITEM_LIMIT for i in items)
    assert items[-1]["text"]["content"].endswith("more, see the review")
    assert connector.apply(write).status == "applied"
    written = _page_values(sandbox, o1)["Warnings"]
    assert written.splitlines()[-1].startswith("+") and written.endswith("see the review")
    assert len(written.splitlines()) == 3  # at most three lines on an OKR page


def test_one_bad_page_does_not_stop_the_others(
    sandbox: NotionSandbox,
    seeded: SeedResult,
    make_connector: ConnectorFactory,
    template_mapping: Mapping,
) -> None:
    connector = _connector(make_connector, template_mapping, seeded)
    writes = connector.plan(pull_review(connector, template_mapping, GENERATED))
    trashed = seeded.ids["k2"]
    sandbox.store.trash_page(trashed)  # someone deletes a page between pull and write
    missing = "0e0e0e0e-0e0e-4e0e-8e0e-0e0e0e0e0e0e"
    ghost = Write(
        target=f"notion:page:{missing}",
        kind="properties",
        description="a page that no longer exists",
        payload={**writes[0].payload, "page_id": missing},
    )
    results = [connector.apply(w) for w in [ghost, *writes]]
    by_subject = {r.subject: r for r in results}
    assert by_subject[missing].status == "failed"
    assert "share the page/database with the integration" in (by_subject[missing].error or "")
    assert by_subject[trashed].status == "failed"
    assert "archived" in (by_subject[trashed].error or "")
    applied = [r for r in results if r.status == "applied"]
    assert len(applied) == 4


def test_a_wrong_output_type_fails_that_page_with_a_message_naming_the_property(
    sandbox: NotionSandbox,
    seeded: SeedResult,
    make_connector: ConnectorFactory,
    template_mapping: Mapping,
) -> None:
    connector = _connector(make_connector, template_mapping, seeded)
    writes = connector.plan(pull_review(connector, template_mapping, GENERATED))
    bad = writes[0].model_copy(
        update={
            "payload": {
                **writes[0].payload,
                "properties": {"Score": {"number": "high"}},
                "expected": {"Score": "high"},
            }
        }
    )
    result = connector.apply(bad)
    assert result.status == "failed"
    assert result.subject == writes[0].payload["page_id"]
    assert "Score" in (result.error or "")
    assert (result.error or "").startswith(writes[0].description)  # names the page by title
    assert "fix:" in (result.error or "")
    assert connector.apply(writes[1]).status == "applied"


# ----------------------------------------------------------------------------- review pages


def _review_pages(sandbox: NotionSandbox, parent: str) -> list[str]:
    store = sandbox.store
    return [b for b in store.live_children(parent) if store.blocks[b]["type"] == "child_page"]


def _texts(sandbox: NotionSandbox, page_id: str) -> list[str]:
    store = sandbox.store
    out = []
    for block_id in store.live_children(page_id):
        content = store.blocks[block_id].get("content") or {}
        out.append("".join(i.get("plain_text", "") for i in content.get("rich_text") or []))
    return out


def _long_lists(sandbox: NotionSandbox, page_id: str) -> list[str]:
    """The block ids of the Objectives and Key results sections and of every block in them."""
    store = sandbox.store
    texts = _texts(sandbox, page_id)
    tops = [
        block_id
        for block_id, text in zip(store.live_children(page_id), texts, strict=True)
        if text.startswith(("Objectives (", "Key results ("))
    ]
    assert len(tops) == 2

    def below(block_id: str) -> list[str]:
        return [block_id, *(b for child in store.live_children(block_id) for b in below(child))]

    return [b for top in tops for b in below(top)]


def _tree_size(sandbox: NotionSandbox, container: str) -> int:
    store = sandbox.store
    return sum(1 + _tree_size(sandbox, child) for child in store.live_children(container))


def test_the_review_page_is_created_once_and_updated_in_place(
    sandbox: NotionSandbox,
    seeded: SeedResult,
    make_connector: ConnectorFactory,
    template_mapping: Mapping,
) -> None:
    parent = seeded.options["review_parent"]
    connector = _connector(make_connector, template_mapping, seeded, reviews=True)
    review = pull_review(connector, template_mapping, GENERATED)
    (page_write,) = [w for w in connector.plan(review) if w.kind == "page"]
    assert page_write.payload["title"] == "OKR Review Q3 2025"
    assert connector.apply(page_write).status == "applied"
    (page_id,) = _review_pages(sandbox, parent)
    texts = _texts(sandbox, page_id)
    marker = parse_marker(texts[0])
    assert marker == ("okrsync:review:okrs:" + seeded.ids["q3"], page_write.content_hash)
    assert GENERATED_LINE in texts
    assert _tree_size(sandbox, page_id) == 5 + total_blocks(page_write.payload["blocks"])

    # the same content again: found by its marker, left alone
    assert connector.apply(page_write).status == "unchanged"
    assert _review_pages(sandbox, parent) == [page_id]

    # someone writes a note in the kept section; then the OKRs change
    notes_line = sandbox.store.live_children(page_id)[2]
    sandbox.store.append_children(
        page_id, [{"paragraph": {"rich_text": [{"text": {"content": "My note"}}]}}],
        after=notes_line,
    )  # fmt: skip
    sandbox.store.update_page(seeded.ids["k2"], {"Current Value": {"number": 15}})
    changed = pull_review(connector, template_mapping, GENERATED + timedelta(hours=1))
    (new_write,) = [w for w in connector.plan(changed) if w.kind == "page"]
    assert new_write.content_hash != page_write.content_hash
    sandbox.reset_log()
    assert connector.apply(new_write).status == "applied"
    # the listing that found the page showed its title unchanged: not written again
    assert "PATCH /v1/pages/{id}" not in sandbox.stats()["by_endpoint"]
    assert _review_pages(sandbox, parent) == [page_id]
    texts = _texts(sandbox, page_id)
    assert parse_marker(texts[0]) == (marker[0], new_write.content_hash)
    assert "My note" in texts
    assert _tree_size(sandbox, page_id) == 6 + total_blocks(new_write.payload["blocks"])

    # a new title (the title pattern changed): the same page, renamed
    renamed = new_write.model_copy(
        update={
            "payload": {**new_write.payload, "title": "OKR Review Q3", "hash": "renamed"},
            "content_hash": "renamed",
        }
    )
    assert connector.apply(renamed).status == "applied"
    assert _review_pages(sandbox, parent) == [page_id]
    assert sandbox.store.title_of(sandbox.store.get_page(page_id)) == "OKR Review Q3"


def test_regenerating_a_large_review_page_deletes_a_handful_of_blocks_and_keeps_notes(
    sandbox: NotionSandbox, make_connector: ConnectorFactory, template_mapping: Mapping
) -> None:
    """The generated part is a few toggle headings holding the sections (after the open meeting
    view), so replacing a page of a thousand blocks deletes about a dozen blocks (their children
    go with them), not every block."""
    seeded = sandbox.seed(large_workspace(120))
    parent = seeded.options["review_parent"]
    connector = _connector(make_connector, template_mapping, seeded, reviews=True)
    (page_write,) = [
        w for w in connector.plan(pull_review(connector, template_mapping, GENERATED))
        if w.kind == "page"
    ]  # fmt: skip
    blocks = page_write.payload["blocks"]
    assert total_blocks(blocks) > 1000 and len(blocks) <= 13
    assert connector.apply(page_write).status == "applied"
    (page_id,) = _review_pages(sandbox, parent)
    store = sandbox.store
    top = store.live_children(page_id)
    texts = _texts(sandbox, page_id)
    assert texts[1:5] == ["Notes", NOTES_LINE, "", GENERATED_LINE]
    generated = texts[5:]
    assert generated[:2] == ["Summary", generated[1]] and generated[1].startswith("Q3 2025")
    assert generated[2] == "Needs attention"  # the meeting view, open
    assert generated[3].startswith("What changed since Mon")
    assert generated[4] == "Missing check-ins"
    assert generated[5].startswith("Decisions")
    assert generated[6:9] == ["Objectives (120)", "Key results (360)", "Alignment"]
    assert generated[9] == "Findings"
    rest = generated[10:]  # "Warnings (n)"..., then the planning notes
    assert rest and all(t.endswith(")") or t == "Planning notes" for t in rest)
    for index, (block_id, text) in enumerate(zip(top[5:], generated, strict=True)):
        content = store.blocks[block_id]["content"]
        sections = index in (6, 7, 8) or index >= 10
        assert bool(content.get("is_toggleable")) == sections, text
        open_lists = index in (2, 3, 4)  # callouts showing their items without a click
        assert bool(store.live_children(block_id)) == (sections or open_lists), text
    assert _tree_size(sandbox, page_id) == 5 + total_blocks(blocks)

    # a note in the kept section; a key result changes; a connector that has not kept the
    # page's block tree (a lost state store) regenerates the generated part whole
    notes_line = top[2]
    sandbox.store.append_children(
        page_id, [{"paragraph": {"rich_text": [{"text": {"content": "My note"}}]}}],
        after=notes_line,
    )  # fmt: skip
    sandbox.store.update_page(seeded.ids["k7-0"], {"Current Value": {"number": 9}})
    changed = pull_review(connector, template_mapping, GENERATED + timedelta(hours=1))
    (new_write,) = [w for w in connector.plan(changed) if w.kind == "page"]
    assert new_write.content_hash != page_write.content_hash
    sandbox.reset_log()
    forgetful = _connector(make_connector, template_mapping, seeded, reviews=True)
    assert forgetful.apply(new_write).status == "applied"
    per_endpoint = sandbox.stats()["by_endpoint"]
    assert per_endpoint["DELETE /v1/blocks/{id}"] == len(blocks)
    assert _review_pages(sandbox, parent) == [page_id]
    texts = _texts(sandbox, page_id)
    assert parse_marker(texts[0]) == (page_write.payload["marker"], new_write.content_hash)
    assert texts[1:6] == ["Notes", NOTES_LINE, "My note", "", GENERATED_LINE]
    assert _tree_size(sandbox, page_id) == 6 + total_blocks(new_write.payload["blocks"])
    assert connector.apply(new_write).status == "unchanged"


def _shown(sandbox: NotionSandbox, container: str) -> list[Any]:
    """The blocks below `container` as (type, own content, children), as Notion holds them."""
    store = sandbox.store
    shown = []
    for block_id in store.live_children(container):
        block = store.blocks[block_id]
        content = block.get("content") or {}
        text = "".join(i.get("plain_text", "") for i in content.get("rich_text") or [])
        cells = [
            "".join(i.get("plain_text", "") for i in cell) for cell in content.get("cells") or []
        ]
        shown.append((block["type"], text, cells, _shown(sandbox, block_id)))
    return shown


def _planned(blocks: list[dict[str, Any]]) -> list[Any]:
    """The same view of planned blocks."""
    shown = []
    for block in blocks:
        body = block[block["type"]]
        text = "".join(i["text"]["content"] for i in body.get("rich_text") or [])
        cells = ["".join(i["text"]["content"] for i in cell) for cell in body.get("cells") or []]
        shown.append((block["type"], text, cells, _planned(body.get("children") or [])))
    return shown


def _large_page_written(
    sandbox: NotionSandbox,
    make_connector: ConnectorFactory,
    template_mapping: Mapping,
    **options: Any,
) -> tuple[SeedResult, NotionConnector, str]:
    """A workspace of 120 objectives, a connector that has written its review page, and the
    page's id."""
    seeded = sandbox.seed(large_workspace(120))
    connector = _connector(make_connector, template_mapping, seeded, reviews=True, **options)
    (first,) = [
        w for w in connector.plan(pull_review(connector, template_mapping, GENERATED))
        if w.kind == "page"
    ]  # fmt: skip
    assert connector.apply(first).status == "applied"
    (page_id,) = _review_pages(sandbox, seeded.options["review_parent"])
    return seeded, connector, page_id


def test_a_small_change_rewrites_only_the_blocks_that_changed(
    sandbox: NotionSandbox, make_connector: ConnectorFactory, template_mapping: Mapping
) -> None:
    """With the block tree of the page it wrote, the writer updates changed blocks in place,
    inserts and deletes only what came or went, and ends with exactly the planned page."""
    seeded, connector, page_id = _large_page_written(sandbox, make_connector, template_mapping)
    top = sandbox.store.live_children(page_id)
    sandbox.store.append_children(
        page_id, [{"paragraph": {"rich_text": [{"text": {"content": "My note"}}]}}],
        after=top[2],
    )  # fmt: skip
    kept = connector.lookups()

    # a key result and an objective are renamed: their lines change where they stand
    sandbox.store.update_page(
        seeded.ids["k7-0"], {"Key Result": {"title": [{"text": {"content": "KR 7.0 renamed"}}]}}
    )
    sandbox.store.update_page(
        seeded.ids["o33"], {"Objective": {"title": [{"text": {"content": "Objective 33 renamed"}}]}}
    )
    changed = pull_review(connector, template_mapping, GENERATED + timedelta(hours=1))
    (second,) = [w for w in connector.plan(changed) if w.kind == "page"]
    later = _connector(make_connector, template_mapping, seeded, reviews=True)
    later.restore_lookups(kept)  # as the next run gets them from the state store
    sandbox.reset_log()
    assert later.apply(second).status == "applied"
    per_endpoint = sandbox.stats()["by_endpoint"]
    appends = per_endpoint.get("PATCH /v1/blocks/{id}/children", 0)
    deletes = per_endpoint.get("DELETE /v1/blocks/{id}", 0)
    updates = per_endpoint.get("PATCH /v1/blocks/{id}", 0)
    assert appends == 0 and deletes == 0, per_endpoint
    assert 0 < updates < 20, per_endpoint
    texts = _texts(sandbox, page_id)
    assert parse_marker(texts[0]) == (second.payload["marker"], second.content_hash)
    assert texts[1:6] == ["Notes", NOTES_LINE, "My note", "", GENERATED_LINE]
    assert _shown(sandbox, page_id)[6:] == _planned(second.payload["blocks"])

    # scores change: the objectives' rows and toggles keep their places (the page order does
    # not depend on scores), so they are rewritten where they stand (a changed toggle or
    # table is replaced in its place when that costs fewer requests than listing its lines to
    # patch them); only the short ranked lists of the meeting view and the findings may move
    sandbox.store.update_page(seeded.ids["k7-0"], {"Current Value": {"number": 9}})
    sandbox.store.update_page(seeded.ids["k90-2"], {"Current Value": {"number": 0}})
    moved = pull_review(connector, template_mapping, GENERATED + timedelta(hours=2))
    (moved_write,) = [w for w in later.plan(moved) if w.kind == "page"]
    lists = _long_lists(sandbox, page_id)
    sandbox.reset_log()
    assert later.apply(moved_write).status == "applied"
    spent = sandbox.stats()["requests"]
    per_endpoint = sandbox.stats()["by_endpoint"]
    assert per_endpoint.get("PATCH /v1/blocks/{id}/children", 0) <= 3, per_endpoint
    assert per_endpoint.get("DELETE /v1/blocks/{id}", 0) <= 3, per_endpoint
    after = _long_lists(sandbox, page_id)
    assert len(after) == len(lists) and after[0] == lists[0]  # nothing came, went or moved
    # everything else kept: at most the changed objectives' toggles and their tables replaced
    assert sum(a != b for a, b in zip(after, lists, strict=True)) <= 2 * 100
    assert _shown(sandbox, page_id)[6:] == _planned(moved_write.payload["blocks"])
    assert _texts(sandbox, page_id)[3] == "My note"
    top_level = len(moved_write.payload["blocks"])
    assert spent <= 10 + top_level + total_blocks(moved_write.payload["blocks"]) // 50

    # a person deletes a generated block: the tree no longer lines up, so it is regenerated
    sandbox.store.delete_block(sandbox.store.live_children(page_id)[7])
    sandbox.store.update_page(seeded.ids["k7-0"], {"Current Value": {"number": 2}})
    third_review = pull_review(connector, template_mapping, GENERATED + timedelta(hours=3))
    (third,) = [w for w in later.plan(third_review) if w.kind == "page"]
    assert later.apply(third).status == "applied"
    assert _shown(sandbox, page_id)[6:] == _planned(third.payload["blocks"])


def test_plan_is_pure_and_plans_a_page_per_cycle_and_team(
    sandbox: NotionSandbox,
    seeded: SeedResult,
    make_connector: ConnectorFactory,
    template_mapping: Mapping,
) -> None:
    opts = {**seeded.options, "token_env": "NOTION_TEST_TOKEN"}
    opts.pop("base_url")
    connector = make_connector(
        template_mapping, writeback=Writeback(reviews=True, per_team=True), **opts
    )
    review = pull_review(connector, template_mapping, GENERATED)
    served = sandbox.stats()["requests"]
    writes = connector.plan(review)
    assert sandbox.stats()["requests"] == served  # planning touched nothing
    pages = [w for w in writes if w.kind == "page"]
    assert [w.payload["title"] for w in pages] == [
        "OKR Review Q3 2025",
        "OKR Review Q3 2025 - Sales",
    ]
    markers = [w.payload["marker"] for w in pages]
    assert len(set(markers)) == 2
    assert all(m.startswith("okrsync:review:okrs:") for m in markers)
    assert connector.plan(review) == writes  # deterministic: same review, same writes


def test_health_is_written_as_the_databases_own_options_when_the_mapping_maps_them(
    sandbox: NotionSandbox,
    seeded: SeedResult,
    make_connector: ConnectorFactory,
    template_mapping: Mapping,
) -> None:
    """`health_options` names the select's own options ("Im Plan", "Gefährdet", ...): okrsync
    writes those instead of its labels, and the next plan sees them as written."""
    german = {
        "on_track": "Im Plan",
        "at_risk": "Gefährdet",
        "off_track": "Kritisch",
        "no_data": "Keine Daten",
        "not_started": "Nicht begonnen",
    }
    outputs = {
        collection: template_mapping.output_map(collection).model_copy(
            update={"health_options": german}
        )
        for collection in ("objectives", "key_results")
    }
    mapping = template_mapping.model_copy(update={"outputs": outputs})
    connector = _connector(make_connector, mapping, seeded)
    review = pull_review(connector, mapping, GENERATED)
    writes = connector.plan(review)
    assert [connector.apply(w).status for w in writes] == ["applied"] * len(writes)
    written = {_page_values(sandbox, seeded.ids[key])["Health"] for key in ("k1", "k2", "k3", "o1")}
    assert written <= set(german.values()), written
    assert _page_values(sandbox, seeded.ids["k3"])["Health"] == "Keine Daten"
    assert connector.plan(pull_review(connector, mapping, GENERATED)) == []


def test_a_rewrite_stopped_half_way_is_repaired_by_the_next_run(
    sandbox: NotionSandbox, make_connector: ConnectorFactory, template_mapping: Mapping
) -> None:
    """The rewrite of a changed toggle deletes it and appends it anew in its place. When the
    run stops between the two (Notion unreachable), the page keeps its pending marker, and the
    next run, whose kept tree no longer matches the page, regenerates the generated part."""
    seeded, connector, page_id = _large_page_written(
        sandbox, make_connector, template_mapping, max_retries=1
    )
    sandbox.store.update_page(seeded.ids["k7-0"], {"Current Value": {"number": 9}})
    changed = pull_review(connector, template_mapping, GENERATED + timedelta(hours=1))
    (second,) = [w for w in connector.plan(changed) if w.kind == "page"]
    deleted: list[str] = []

    def notion_goes_away_after_a_delete(incoming: Incoming, respond: Any) -> Outgoing:
        if deleted:
            return RESET
        if incoming.method == "DELETE":
            deleted.append(incoming.path)
        return respond(incoming)  # type: ignore[no-any-return]

    sandbox.set_interceptor(notion_goes_away_after_a_delete)
    with pytest.raises(TransientError):
        connector.apply(second)
    sandbox.set_interceptor(None)
    assert deleted
    assert parse_marker(_texts(sandbox, page_id)[0]) == (second.payload["marker"], "pending")
    assert _shown(sandbox, page_id)[5:] != _planned(second.payload["blocks"])  # half done

    later = _connector(make_connector, template_mapping, seeded, reviews=True)
    later.restore_lookups(connector.lookups())  # what the stopped run kept
    assert later.apply(second).status == "applied"
    texts = _texts(sandbox, page_id)
    assert parse_marker(texts[0]) == (second.payload["marker"], second.content_hash)
    assert _shown(sandbox, page_id)[5:] == _planned(second.payload["blocks"])
    assert later.apply(second).status == "unchanged"


def test_a_changed_toggle_is_replaced_in_its_place_and_unchanged_blocks_are_untouched(
    sandbox: NotionSandbox, make_connector: ConnectorFactory, template_mapping: Mapping
) -> None:
    """One key result moves: its objective's toggle, whose lines' ids okrsync never learnt, is
    deleted and appended anew right where it stood (two requests, no listing of its lines);
    the other toggles and the sections that did not change keep their blocks."""
    seeded, connector, page_id = _large_page_written(sandbox, make_connector, template_mapping)
    store = sandbox.store
    texts = _texts(sandbox, page_id)
    top = store.live_children(page_id)
    section_id = top[texts.index("Key results (360)")]
    toggles = store.live_children(section_id)
    alignment = top[texts.index("Alignment")]
    alignment_blocks = store.live_children(alignment)

    sandbox.store.update_page(seeded.ids["k7-0"], {"Current Value": {"number": 9}})
    changed = pull_review(connector, template_mapping, GENERATED + timedelta(hours=1))
    (second,) = [w for w in connector.plan(changed) if w.kind == "page"]
    sandbox.reset_log()
    assert connector.apply(second).status == "applied"
    assert _shown(sandbox, page_id)[5:] == _planned(second.payload["blocks"])
    assert store.live_children(page_id)[texts.index("Key results (360)")] == section_id
    after = store.live_children(section_id)
    replaced = [i for i, (a, b) in enumerate(zip(toggles, after, strict=True)) if a != b]
    assert len(replaced) == 1  # the moved objective's toggle, in its place
    assert store.blocks[toggles[replaced[0]]]["in_trash"]  # the old one
    assert store.live_children(alignment) == alignment_blocks  # only patched where it changed
    by_endpoint = sandbox.stats()["by_endpoint"]
    assert by_endpoint["PATCH /v1/blocks/{id}/children"] <= 6, by_endpoint
