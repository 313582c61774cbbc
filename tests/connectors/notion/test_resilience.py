"""Rate limits, transient failures, bad tokens and Notion's block limits, against the sandbox."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from okrsync_notion.blocks import (
    MAX_BLOCKS_PER_APPEND,
    append_batches,
    children_of,
    total_blocks,
)

from okrsync.connector import Writeback
from okrsync.errors import AuthError, ConfigError, TransientError
from okrsync.mapping.schema import CollectionMap, FieldSpec, Mapping
from okrsync.model import Cycle, KeyResult, Objective, Workspace
from okrsync.sandbox import FaultPlan
from okrsync_sandbox.notion import NotionSandbox

from .conftest import TOKEN, ConnectorFactory, ManualClock
from .pipeline import pull_review

GENERATED = datetime(2025, 8, 1, 11, 0, tzinfo=UTC)


def _objectives(database: str) -> Mapping:
    return Mapping(
        collections={
            "objectives": CollectionMap(source=database, fields={"title": FieldSpec(field="Name")})
        }
    )


def _database_with_pages(sandbox: NotionSandbox, count: int) -> str:
    db, source = sandbox.store.create_database("Objectives", properties={"Name": {"title": {}}})
    for i in range(count):
        sandbox.store.create_page(
            {"data_source_id": source}, {"title": [{"text": {"content": f"O{i}"}}]}
        )
    return db


def test_429_is_honoured_with_retry_after(
    sandbox: NotionSandbox, make_connector: ConnectorFactory, clock: ManualClock
) -> None:
    db = _database_with_pages(sandbox, 250)
    sandbox.set_rate_limit(3, burst=2)
    connector = make_connector(_objectives(db), requests_per_second=1000.0)
    records = list(connector.pull(None))
    assert len(records) == 250
    stats = connector.stats()
    assert stats.rate_limited >= 1
    assert stats.retries >= stats.rate_limited
    assert sandbox.stats()["early_retries"] == 0
    assert any(s >= 1.0 for s in clock.sleeps)  # waited the whole Retry-After


def test_the_throttle_keeps_under_the_rate_limit(
    sandbox: NotionSandbox, make_connector: ConnectorFactory, clock: ManualClock
) -> None:
    db = _database_with_pages(sandbox, 250)
    sandbox.set_rate_limit(3, burst=1)
    connector = make_connector(_objectives(db), requests_per_second=3.0)
    assert len(list(connector.pull(None))) == 250
    assert connector.stats().rate_limited == 0
    assert sandbox.stats()["rate_limited"] == 0
    assert connector.stats().requests == 5
    assert sum(clock.sleeps) == pytest.approx(4 * (1 / 3 + 0.001))  # four gaps of 1/3 s


def test_transient_server_errors_are_retried(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    db = _database_with_pages(sandbox, 120)
    sandbox.set_faults(FaultPlan(seed=3, rates={"500": 0.3, "502": 0.2, "503": 0.2, "504": 0.1}))
    connector = make_connector(_objectives(db), max_retries=8)
    assert len(list(connector.pull(None))) == 120
    assert connector.stats().retries >= 1
    assert sum(sandbox.stats()["faults"].values()) == connector.stats().retries


def test_connection_resets_are_retried(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    db = _database_with_pages(sandbox, 10)
    sandbox.set_faults(FaultPlan(seed=4, rates={"reset": 0.5}))
    connector = make_connector(_objectives(db), max_retries=10)
    assert len(list(connector.pull(None))) == 10
    assert connector.stats().retries >= 1


def test_exhausted_retries_raise_a_transient_error(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    db = _database_with_pages(sandbox, 1)
    sandbox.set_faults(FaultPlan(rates={"503": 1.0}))
    connector = make_connector(_objectives(db), max_retries=2)
    with pytest.raises(TransientError):
        list(connector.pull(None))
    assert sandbox.stats()["requests"] == 3  # one try and two retries, no SDK retries stacked


def test_a_rejected_token_says_where_to_make_a_new_one(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    db = _database_with_pages(sandbox, 1)
    wrong = "secret_not_the_right_one_123"
    connector = make_connector(_objectives(db), env={"NOTION_TEST_TOKEN": wrong})
    with pytest.raises(AuthError) as err:  # the contract suite checks that much for all
        list(connector.pull(None))
    assert "notion.so/my-integrations" in str(err.value)  # ... and Notion says where to fix it
    assert [p.subject for p in connector.check()] == ["token"]


def test_bad_options_are_reported_all_at_once(make_connector: ConnectorFactory) -> None:
    with pytest.raises(ConfigError) as err:
        make_connector(_objectives("Objectives"), requests_per_second=0, review_parent="not a page")
    text = str(err.value)
    assert "requests_per_second" in text
    assert "review_parent" in text


# ----------------------------------------------------------------------------- block limits


def _big_workspace() -> Workspace:
    """120 objectives in one cycle, aligned in a chain five levels deep, 3 KRs each."""
    cycle = Cycle(id="q3", name="Q3 2025", start=date(2025, 7, 1), end=date(2025, 9, 30))
    objectives = []
    for i in range(120):
        parent = (f"o{i - 1}",) if 0 < i < 5 else ("o0",) if i >= 5 else ()
        objectives.append(Objective(id=f"o{i}", title=f"Objective {i}", cycle="q3", parents=parent))
    krs = [
        KeyResult(id=f"k{i}-{j}", objective=f"o{i}", title=f"KR {i}.{j}", start=0, target=10,
                  current=j * 3)
        for i in range(120)
        for j in range(3)
    ]  # fmt: skip
    return Workspace(cycles=(cycle,), objectives=tuple(objectives), key_results=tuple(krs))


def test_a_large_review_page_is_appended_within_notions_limits(
    sandbox: NotionSandbox, make_connector: ConnectorFactory, template_mapping: Mapping
) -> None:
    seeded = sandbox.seed(_big_workspace())
    options: dict[str, Any] = {**seeded.options, "token_env": "NOTION_TEST_TOKEN"}
    options.pop("base_url")
    connector = make_connector(template_mapping, writeback=Writeback(pages=False), **options)
    review = pull_review(connector, template_mapping, GENERATED)
    (write,) = connector.plan(review)
    blocks = write.payload["blocks"]
    assert total_blocks(blocks) > 3 * MAX_BLOCKS_PER_APPEND
    for batch in append_batches(blocks):
        assert batch.size <= MAX_BLOCKS_PER_APPEND
        assert all(_depth(b) <= 2 for b in batch.payload)
    assert max(_depth(b) for b in blocks) > 2  # the alignment chain needs follow-up appends

    before = connector.stats().requests
    assert connector.apply(write).status == "applied"
    assert connector.stats().by_endpoint["blocks.children.append"] >= 5
    store = sandbox.store
    (page_id,) = [
        b for b in store.live_children(seeded.options["review_parent"])
        if store.blocks[b]["type"] == "child_page"
    ]  # fmt: skip
    assert _tree_size(sandbox, page_id) == 5 + total_blocks(blocks)
    assert connector.stats().requests > before


def _depth(block: dict[str, Any]) -> int:
    kids = children_of(block)
    return 0 if not kids else 1 + max(_depth(k) for k in kids)


def _tree_size(sandbox: NotionSandbox, container: str) -> int:
    store = sandbox.store
    return sum(1 + _tree_size(sandbox, child) for child in store.live_children(container))


def test_the_sandbox_token_constant_matches(sandbox: NotionSandbox) -> None:
    assert sandbox.token == TOKEN


def test_conflicts_on_writes_are_retried(
    sandbox: NotionSandbox, make_connector: ConnectorFactory, template_mapping: Mapping
) -> None:
    from .pipeline import small_workspace

    seeded = sandbox.seed(small_workspace())
    options: dict[str, Any] = {**seeded.options, "token_env": "NOTION_TEST_TOKEN"}
    options.pop("base_url")
    options.pop("review_parent")
    connector = make_connector(template_mapping, writeback=Writeback(reviews=False), **options)
    writes = connector.plan(pull_review(connector, template_mapping, GENERATED))
    sandbox.set_faults(FaultPlan(seed=3, rates={"conflict": 0.5}, methods=("PATCH",)))
    assert [connector.apply(w).status for w in writes] == ["applied"] * len(writes)
    conflicts = sandbox.stats()["faults"]["conflict"]
    assert conflicts >= 1
    assert connector.stats().retries == conflicts


def test_a_timed_out_request_is_retried(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    db = _database_with_pages(sandbox, 3)
    # seed 1 draws 0.13 first, then nothing below 0.2 for a while: exactly one slow answer
    sandbox.set_faults(FaultPlan(seed=1, rates={"slow": 0.2}, slow_seconds=0.6))
    connector = make_connector(_objectives(db), timeout_s=0.2)
    assert len(list(connector.pull(None))) == 3
    assert connector.stats().retries == 1  # nothing but the slow answer can cause a retry
