"""Charts on the Notion review page through the real notion-client against the sandbox.

Image blocks whose files are uploads (File Upload API: create, send, attach), replaced in place
only when their picture changed; a failed upload leaves the page and its old chart as they were
and the next run retries; an upload that expired before a block used it is made again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from okrsync_notion.writer import parse_marker

from okrsync.connector import Writeback
from okrsync.errors import TransientError
from okrsync.mapping.schema import Mapping
from okrsync.model import CheckIn
from okrsync.records import Write
from okrsync.review import Review
from okrsync.sandbox import FaultPlan, SeedResult
from okrsync_sandbox.kit.clock import ManualClock
from okrsync_sandbox.kit.http_server import Incoming, Outgoing
from okrsync_sandbox.notion import NotionSandbox

from .conftest import ConnectorFactory
from .pipeline import pull_review, small_workspace

GENERATED = datetime(2025, 8, 1, 9, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def seeded(sandbox: NotionSandbox) -> SeedResult:
    return sandbox.seed(small_workspace())


def _plan(
    make_connector: ConnectorFactory,
    mapping: Mapping,
    seeded: SeedResult,
    *moves: tuple[int, float],
) -> tuple[Any, Write]:
    """A connector and its review page write, with dated values of "Close 20 deals"."""
    options = {**seeded.options, "token_env": "NOTION_TEST_TOKEN"}
    options.pop("base_url")
    connector = make_connector(mapping, writeback=Writeback(reviews=True), **options)
    review: Review = pull_review(connector, mapping, GENERATED)
    kr = next(k for k in review.workspace.key_results if k.title == "Close 20 deals")
    check_ins = tuple(
        CheckIn(key_result=kr.id, at=datetime(2025, 7, day, 9, tzinfo=UTC), value=value)
        for day, value in moves
    )
    review = review.model_copy(
        update={"workspace": review.workspace.model_copy(update={"check_ins": check_ins})}
    )
    (write,) = [w for w in connector.plan(review) if w.kind == "page"]
    return connector, write


def _written_then_moved(
    sandbox: NotionSandbox,
    make_connector: ConnectorFactory,
    mapping: Mapping,
    seeded: SeedResult,
) -> tuple[Any, Write, str, dict[str, str]]:
    """The review page written with one value of "Close 20 deals", and the write of the next
    week, when it moved: (connector, that write, the page, its image blocks' uploads)."""
    connector, first = _plan(make_connector, mapping, seeded, (7, 2))
    connector.apply(first)
    page = _review_page(sandbox, seeded)
    _, second = _plan(make_connector, mapping, seeded, (7, 2), (14, 9))
    return connector, second, page, _images(sandbox, page)


def _images(sandbox: NotionSandbox, container: str) -> dict[str, str]:
    """Image block id -> the id of the upload it shows, anywhere below `container`."""
    store = sandbox.store
    found: dict[str, str] = {}
    for block_id in store.live_children(container):
        block = store.blocks[block_id]
        if block["type"] == "image":
            found[block_id] = block["content"]["file_upload"]["id"]
        found |= _images(sandbox, block_id)
    return found


def _review_page(sandbox: NotionSandbox, seeded: SeedResult) -> str:
    store = sandbox.store
    (page,) = [
        b
        for b in store.live_children(seeded.options["review_parent"])
        if store.blocks[b]["type"] == "child_page"
    ]
    return page


def _uploads_sent(sandbox: NotionSandbox, since: int = 0) -> int:
    return sum(
        1
        for e in sandbox.request_log()[since:]
        if e.method == "POST" and e.path.endswith("/file_uploads")
    )


def test_charts_are_image_blocks_of_uploads_and_an_unchanged_page_sends_nothing(
    sandbox: NotionSandbox,
    seeded: SeedResult,
    make_connector: ConnectorFactory,
    template_mapping: Mapping,
) -> None:
    connector, write = _plan(make_connector, template_mapping, seeded, (7, 2), (14, 5))
    assert len(write.payload["charts"]) == 3  # the burn-up and two objectives
    assert connector.apply(write).status == "applied"
    page = _review_page(sandbox, seeded)
    images = _images(sandbox, page)
    assert len(images) == 3
    for upload_id in images.values():
        record = sandbox.store.uploads.get(upload_id)
        assert record["status"] == "uploaded" and record["attached"]
        data, kind = sandbox.store.uploads.file_content(upload_id)
        assert data.startswith(PNG) and kind == "image/png"
    mark = len(sandbox.request_log())
    assert connector.apply(write).status == "unchanged"
    assert _uploads_sent(sandbox, mark) == 0
    assert _images(sandbox, page) == images


def test_a_changed_chart_replaces_its_image_block_in_place(
    sandbox: NotionSandbox,
    seeded: SeedResult,
    make_connector: ConnectorFactory,
    template_mapping: Mapping,
) -> None:
    connector, second, page, before = _written_then_moved(
        sandbox, make_connector, template_mapping, seeded
    )
    mark = len(sandbox.request_log())
    assert connector.apply(second).status == "applied"
    after = _images(sandbox, page)
    assert len(after) == 3
    # "Win mid-market accounts" and the burn-up are new uploads; "Grow revenue" keeps its own
    # (the section diff updates an image block in place, or rewrites the section around it
    # when that costs fewer requests: either way the unchanged chart is not uploaded again)
    assert len(set(after.values()) & set(before.values())) == 1
    assert _uploads_sent(sandbox, mark) == 2
    assert parse_marker(
        sandbox.store.blocks[sandbox.store.live_children(page)[0]]["content"]["rich_text"][0][
            "plain_text"
        ]
    ) == (second.payload["marker"], second.content_hash)


def test_a_failed_upload_keeps_the_old_chart_and_the_next_run_retries(
    sandbox: NotionSandbox,
    seeded: SeedResult,
    make_connector: ConnectorFactory,
    template_mapping: Mapping,
) -> None:
    connector, second, page, before = _written_then_moved(
        sandbox, make_connector, template_mapping, seeded
    )
    blocks_before = sandbox.store.live_children(page)
    sandbox.set_faults(FaultPlan(seed=3, rates={"500": 1.0}, paths=("file_uploads",)))
    with pytest.raises(TransientError):
        connector.apply(second)
    assert _images(sandbox, page) == before  # the page still shows the old charts
    assert sandbox.store.live_children(page) == blocks_before
    sandbox.set_faults(None)
    assert connector.apply(second).status == "applied"  # the next run
    after = _images(sandbox, page)
    assert len(after) == 3 and len(set(after.values()) & set(before.values())) == 1


def test_an_upload_that_expired_before_its_block_was_sent_is_made_again(
    sandbox: NotionSandbox,
    seeded: SeedResult,
    make_connector: ConnectorFactory,
    template_mapping: Mapping,
    clock: ManualClock,
) -> None:
    connector, second, page, _ = _written_then_moved(
        sandbox, make_connector, template_mapping, seeded
    )
    slow: list[str] = []

    def an_hour_passes_before_the_first_image_is_sent(incoming: Incoming, respond: Any) -> Outgoing:
        if not slow and incoming.method == "PATCH" and b'"file_upload"' in incoming.body:
            slow.append(incoming.path)
            clock.advance(2 * 3600)  # the uploads made for this write expire unattached
        return respond(incoming)  # type: ignore[no-any-return]

    sandbox.set_interceptor(an_hour_passes_before_the_first_image_is_sent)
    mark = len(sandbox.request_log())
    assert connector.apply(second).status == "applied"
    sandbox.set_interceptor(None)
    assert slow
    refused = [e for e in sandbox.request_log()[mark:] if e.status == 400]
    assert refused and all(e.method == "PATCH" for e in refused)
    images = _images(sandbox, page)
    for upload_id in images.values():
        assert sandbox.store.uploads.get(upload_id)["status"] == "uploaded"
    # the two changed charts, and each refused one made again
    assert _uploads_sent(sandbox, mark) == 2 + len(refused)
    clock.advance(timedelta(days=1).total_seconds())
    assert connector.apply(second).status == "unchanged"
