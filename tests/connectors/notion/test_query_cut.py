"""Notion stops one query at about 10 000 rows (`request_status: incomplete`); okrsync goes on.

The sandbox does not emulate that cut, so this test serves the query endpoint from a tiny
in-process stand-in for Notion (an httpx transport, no socket at all) that cuts every query at
120 rows, and reads through the real notion-client and okrsync's own reader.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from okrsync_notion.client import NotionApi
from okrsync_notion.options import NotionOptions
from okrsync_notion.reader import DataSource, Reader, Resolver

from okrsync.errors import ConfigError
from okrsync.mapping.schema import CollectionMap, FieldSpec, Mapping
from okrsync_sandbox.kit.clock import ManualClock

CUT = 120
START = datetime(2025, 1, 1, tzinfo=UTC)


class CuttingNotion:
    """Answers data source queries the way Notion does past its per-query row limit."""

    def __init__(self, rows: int, per_minute: int) -> None:
        self.pages = [
            {
                "object": "page",
                "id": f"page-{i:04d}",
                "created_time": (START + timedelta(minutes=i // per_minute)).strftime(
                    "%Y-%m-%dT%H:%M:00.000Z"
                ),
                "last_edited_time": "2025-01-02T00:00:00.000Z",
                "properties": {},
            }
            for i in range(rows)
        ]
        self.bodies: list[dict[str, Any]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content or b"{}")
        self.bodies.append(body)
        after = _created_after(body.get("filter"))
        assert body.get("sorts") == [{"timestamp": "created_time", "direction": "ascending"}]
        matching = [p for p in self.pages if after is None or p["created_time"] >= after]
        offset = int(body.get("start_cursor") or 0)
        size = int(body.get("page_size", 100))
        end = min(offset + size, len(matching), CUT)
        cut = len(matching) > CUT and end == CUT
        more = not cut and end < len(matching)
        answer: dict[str, Any] = {
            "object": "list",
            "results": matching[offset:end],
            "has_more": more,
            "next_cursor": str(end) if more else None,
        }
        if cut:
            answer["request_status"] = {"type": "incomplete"}
        return httpx.Response(200, json=answer)


def _created_after(filter_: dict[str, Any] | None) -> str | None:
    if not filter_:
        return None
    for condition in filter_.get("and", [filter_]):
        if condition.get("timestamp") == "created_time":
            return str(condition["created_time"]["on_or_after"]).replace("+00:00", ".000Z")
    return None


def _reader(server: CuttingNotion, clock: ManualClock) -> tuple[Reader, NotionApi]:
    options = NotionOptions(base_url="https://notion.invalid", requests_per_second=1000)
    api = NotionApi(
        options,
        "secret_cut_test_token",
        clock=clock.now,
        sleep=clock.sleep,
        http_client=httpx.Client(transport=httpx.MockTransport(server.handle)),
    )
    mapping = Mapping(
        collections={"objectives": CollectionMap(fields={"title": FieldSpec(field="Name")})}
    )
    return Reader(api, Resolver(api, options, mapping), mapping), api


SOURCE = DataSource(
    id="ds", name="Big", database_id="db", database_title="Big", url=None, properties={}
)


def test_reading_goes_on_past_an_incomplete_query(clock: ManualClock) -> None:
    server = CuttingNotion(rows=300, per_minute=2)
    reader, api = _reader(server, clock)
    rows = [page["id"] for page in reader.rows(SOURCE, [], None)]
    api.close()
    assert set(rows) == {p["id"] for p in server.pages}
    assert len(rows) > 300  # the minute at each cut comes twice; pull() drops the repeats
    restarts = [b for b in server.bodies if _created_after(b.get("filter")) is not None]
    assert len(restarts) >= 2


def test_a_cut_inside_one_minute_is_reported_not_looped(clock: ManualClock) -> None:
    server = CuttingNotion(rows=200, per_minute=500)  # every row created in the same minute
    reader, api = _reader(server, clock)
    with pytest.raises(ConfigError, match="stopped a query early"):
        list(reader.rows(SOURCE, [], None))
    api.close()
