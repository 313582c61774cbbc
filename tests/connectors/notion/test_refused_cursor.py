"""A pagination cursor Notion refuses mid-list, through the real notion-client and the sandbox.

Notion may refuse a `next_cursor` it handed out (400 `validation_error`, "The start_cursor
provided is invalid: ..."); the sandbox's `invalid_cursor` fault answers exactly that, and only
to requests that send a cursor. okrsync reads such a list once more from its first page and
hands on every result once; a second refusal in the same read is a clear error.
"""

from __future__ import annotations

from typing import Any

import pytest
from okrsync_notion.client import CursorRefused, NotionApi, NotionRecordError
from okrsync_notion.options import NotionOptions
from structlog.testing import CapturingLogger

from okrsync.mapping.schema import CollectionMap, FieldSpec, Mapping
from okrsync.sandbox import FaultPlan
from okrsync_sandbox.notion import NotionSandbox

from .conftest import TOKEN, ConnectorFactory, ManualClock

QUERY = "POST /v1/data_sources/{id}/query"
PROPERTY_ITEM = "GET /v1/pages/{id}/properties/{property_id}"


def _rows(sandbox: NotionSandbox, count: int) -> tuple[str, str, list[str]]:
    """A database of `count` rows (a query reads 100 per page): its id, its data source's id
    and the rows' ids."""
    db, source = sandbox.store.create_database(
        "Objectives", properties={"Name": {"title": {}}, "Owner": {"people": {}}}
    )
    rows = [
        sandbox.store.create_page(
            {"data_source_id": source}, {"title": [{"text": {"content": f"O{i}"}}]}
        )
        for i in range(count)
    ]
    return db, source, rows


def _plain(object_id: str) -> str:
    return object_id.replace("-", "")


def _api(sandbox: NotionSandbox, clock: ManualClock, log: Any = None) -> NotionApi:
    options = NotionOptions(base_url=sandbox.base_url, requests_per_second=1000)
    return NotionApi(options, TOKEN, clock=clock.now, sleep=clock.sleep, log=log)


def _refuse_cursors(sandbox: NotionSandbox, times: int) -> None:
    sandbox.set_faults(FaultPlan(rates={"invalid_cursor": 1.0}, limit=times))


def test_a_refused_cursor_restarts_the_query_and_every_row_comes_once(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    db, _source, _ids = _rows(sandbox, 250)
    _refuse_cursors(sandbox, 1)
    mapping = Mapping(
        collections={
            "objectives": CollectionMap(source=db, fields={"title": FieldSpec(field="Name")})
        }
    )
    records = list(make_connector(mapping).pull(None))
    ids = [r.external_id for r in records]
    assert len(ids) == 250
    assert len(set(ids)) == 250
    stats = sandbox.stats()
    # first page, its refused cursor, then the whole list again: 1 + 1 + 3
    assert stats["by_endpoint"][QUERY] == 5
    assert stats["by_status"].get(400) == 1


def test_the_restart_is_logged_and_leaves_out_what_was_read(
    sandbox: NotionSandbox, clock: ManualClock
) -> None:
    _db, source, rows = _rows(sandbox, 250)
    _refuse_cursors(sandbox, 1)
    captured = CapturingLogger()
    api = _api(sandbox, clock, log=captured)
    responses = list(api.query_responses(source))
    sizes = [len(r["results"]) for r in responses]
    assert sizes == [100, 0, 100, 50]  # the first page read again yields nothing new
    ids = [_plain(page["id"]) for r in responses for page in r["results"]]
    assert sorted(ids) == sorted(_plain(row) for row in rows)
    [call] = captured.calls
    assert call.method_name == "warning"
    assert call.args == ("notion_list_restarted",)
    assert call.kwargs["list"] == f"data source {source}"
    assert call.kwargs["results_read"] == 100
    assert TOKEN not in repr(call)


def test_a_refused_cursor_of_a_property_item_list_loses_and_repeats_no_item(
    sandbox: NotionSandbox, clock: ManualClock
) -> None:
    _db, source, [page] = _rows(sandbox, 1)
    people = [sandbox.store.create_user(f"Person {i}") for i in range(130)]
    sandbox.store.update_page(page, {"Owner": {"people": [{"id": u} for u in people]}})
    owner = str(sandbox.store.get_data_source(source)["properties"]["Owner"]["id"])
    _refuse_cursors(sandbox, 1)
    items = _api(sandbox, clock).property_items(page, owner)
    assert [_plain(item["people"]["id"]) for item in items] == [_plain(u) for u in people]
    assert sandbox.stats()["by_endpoint"][PROPERTY_ITEM] == 4  # 1 + refused + 2


def test_a_cursor_refused_twice_is_a_clear_error(
    sandbox: NotionSandbox, clock: ManualClock
) -> None:
    _db, source, _ids = _rows(sandbox, 250)
    _refuse_cursors(sandbox, 2)
    with pytest.raises(CursorRefused) as refused:
        list(_api(sandbox, clock).query_data_source(source))
    message = str(refused.value)
    assert message.startswith(f"Notion data source {source}: Notion refused the list's cursor")
    assert "twice" in message
    assert "next run reads the list again" in refused.value.hint
    assert sandbox.stats()["by_endpoint"][QUERY] == 4  # page 1, refused, page 1, refused


def test_a_first_page_sends_no_cursor_and_a_refused_filter_is_not_read_again(
    sandbox: NotionSandbox, clock: ManualClock
) -> None:
    _db, source, _ids = _rows(sandbox, 3)
    _refuse_cursors(sandbox, 5)
    api = _api(sandbox, clock)
    assert len(list(api.query_data_source(source))) == 3  # no cursor sent: never refused
    sandbox.reset_log()
    with pytest.raises(NotionRecordError) as refused:
        list(api.query_data_source(source, filter={"property": "Nope", "number": {"equals": 1}}))
    assert refused.value.code == "validation_error"
    assert sandbox.stats()["by_endpoint"] == {QUERY: 1}
