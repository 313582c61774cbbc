"""The incremental cursor after okrsync's own writes, through the real notion-client.

The cursor is Notion's time at the start of a pull (its `Date` header), so the pages okrsync
writes after a pull are read back once by the next pull and then no more: a settled workspace
costs one query per data source.
"""

from __future__ import annotations

from datetime import UTC, datetime

from okrsync.connector import Writeback
from okrsync.mapping.schema import Mapping
from okrsync.sync import safe_cursor
from okrsync_sandbox.kit.clock import ManualClock
from okrsync_sandbox.notion import NotionSandbox

from .conftest import ConnectorFactory
from .pipeline import pull_review, small_workspace

QUERY = "POST /v1/data_sources/{id}/query"
PROPERTY_ITEM = "GET /v1/pages/{id}/properties/{property_id}"


def test_after_a_writing_sync_the_written_pages_are_read_once_then_one_query_each(
    sandbox: NotionSandbox,
    make_connector: ConnectorFactory,
    template_mapping: Mapping,
    clock: ManualClock,
) -> None:
    seeded = sandbox.seed(small_workspace())
    store = sandbox.store
    owners = [store.create_user(f"Person {i}") for i in range(30)]  # past the 25-reference cut
    store.update_page(seeded.ids["k1"], {"Owner": {"people": [{"id": u} for u in owners]}})
    connector = make_connector(
        template_mapping,
        writeback=Writeback(reviews=False),
        databases=seeded.options["databases"],
    )
    clock.advance(300)  # 10:05: the seeding minute is long past

    # 1. a writing sync: full pull, then every output written
    first = list(connector.pull(None))
    review = pull_review(connector, template_mapping, clock.now(), records=first)
    writes = connector.plan(review)
    written = {str(w.payload["page_id"]) for w in writes}
    assert len(written) == 5  # two objectives, three key results
    assert {connector.apply(w).status for w in writes} == {"applied"}
    cursor = connector.cursor()
    assert cursor == datetime(2025, 8, 1, 10, 5, tzinfo=UTC)

    # 2. the next sync (three minutes later) reads exactly okrsync's own writes back, once;
    # OKR rows changed, so the check-ins database is queried too
    clock.advance(180)
    sandbox.reset_log()
    second = list(connector.pull(cursor))
    assert {r.external_id for r in second} == written
    assert sandbox.stats()["by_endpoint"] == {QUERY: 4, PROPERTY_ITEM: 1}
    cursor = connector.cursor()
    assert cursor == datetime(2025, 8, 1, 10, 8, tzinfo=UTC)

    # 3. the sync after that, at once: one query per OKR data source, nothing else (a quiet
    # sync does not query the check-ins database)
    clock.advance(5)
    sandbox.reset_log()
    assert list(connector.pull(cursor)) == []
    assert sandbox.stats()["by_endpoint"] == {QUERY: 3}
    # and so it stays
    clock.advance(600)
    sandbox.reset_log()
    assert list(connector.pull(connector.cursor())) == []
    assert sandbox.stats()["by_endpoint"] == {QUERY: 3}


def test_the_engine_still_holds_the_cursor_before_a_record_its_mapping_dropped(
    sandbox: NotionSandbox,
    make_connector: ConnectorFactory,
    template_mapping: Mapping,
    clock: ManualClock,
) -> None:
    """okrsync.sync.safe_cursor with the pull-start cursor: a dropped record is read again
    by the next pull, however late, until it maps."""
    seeded = sandbox.seed(small_workspace())
    connector = make_connector(
        template_mapping,
        writeback=Writeback(reviews=False),
        databases=seeded.options["databases"],
    )
    clock.advance(120)  # 10:02
    broken = seeded.ids["k3"]
    sandbox.store.update_page(broken, {"Key Result": {"title": []}})  # no title: dropped
    clock.advance(40)  # 10:02:40
    records = list(connector.pull(None))
    pulled_at = connector.cursor()
    assert pulled_at == datetime(2025, 8, 1, 10, 2, 40, tzinfo=UTC)
    held = safe_cursor(pulled_at, records, [broken])
    assert held is not None and held < pulled_at
    clock.advance(3600)
    again = {r.external_id for r in connector.pull(held)}
    assert broken in again
    # without a dropped record the pull-start cursor is kept as it is
    assert safe_cursor(pulled_at, records, []) == pulled_at
