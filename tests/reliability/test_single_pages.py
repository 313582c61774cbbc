"""Item 10: one bad page (validation_error, object_not_found, 403, a record that cannot map).

The emulator answers every write to one Notion page with the error; the run must report that
page, finish every other write, not hammer the page with retries, and exit 1 (partial). A
record the mapping has to drop holds the source's cursor back, so it is read again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from okrsync.errors import ExitCode
from okrsync.state import StateStore
from tests.reliability.conftest import Rig
from tests.reliability.server_control import fail_page_writes

ERRORS = [
    (400, "validation_error", "Score is expected to be number."),
    (404, "object_not_found", "Could not find page with ID. Make sure it is shared."),
    (403, "restricted_resource", "Insufficient permissions for this endpoint."),
]


@pytest.mark.parametrize(("status", "code", "message"), ERRORS, ids=[e[1] for e in ERRORS])
def test_one_failing_page_is_reported_and_the_others_finish(
    rig: Rig, oracle: dict[str, Any], figures: Any, status: int, code: str, message: str
) -> None:
    page_id = rig.seeds["notion"].ids["kr6"]
    hits = fail_page_writes(rig.sandboxes["notion"], page_id, status, code, message)
    summary = rig.sync()
    notion = summary.sources["notion"]
    failed = [o for o in notion.write_outcomes if o.status == "failed"]
    # A refused page (403) is one page's problem like the others: reported, the rest written.
    assert summary.exit_code == ExitCode.PARTIAL, summary.errors
    assert [o.target for o in failed] == [f"notion:page:{page_id}"]
    assert page_id in (failed[0].subject or "") + (failed[0].target or "")
    # every other output and both review pages are in place
    expected = {k: v for k, v in oracle["notion"]["outputs"].items() if k != "kr6"}
    actual = {k: v for k, v in rig.snapshot()["notion"]["outputs"].items() if k != "kr6"}
    assert actual == expected
    assert summary.sources["confluence"].exit_code == 0
    assert hits() <= 1, "a 4xx must not be retried"
    figures(
        faults={code: hits()},
        requests=rig.requests(),
        outcome=f"exit {summary.exit_code}; failed {[o.target[-12:] for o in failed]}; "
        f"{hits()} request(s) to the bad page",
    )


def test_a_record_that_cannot_map_holds_the_cursor_back(
    rig: Rig, oracle: dict[str, Any], figures: Any
) -> None:
    assert rig.sync().exit_code == 0
    store: Any = rig.sandboxes["notion"].store  # type: ignore[attr-defined]
    page_id = rig.seeds["notion"].ids["kr9"]
    store.update_page(page_id, {"Key Result": {"title": []}})  # a person clears the title
    edited = datetime.fromisoformat(store.pages[page_id]["last_edited_time"])
    summary = rig.sync()
    assert summary.exit_code == ExitCode.PARTIAL, summary.errors
    assert summary.sources["notion"].dropped == 1
    with StateStore(rig.state_path, readonly=True) as state:
        cursor = state.cursor("notion").cursor
    assert cursor is not None and cursor < edited
    # the next incremental run reads it again, and once fixed it maps
    store.update_page(
        page_id, {"Key Result": {"title": [{"text": {"content": "Move metric 9 again"}}]}}
    )
    fixed = rig.sync()
    assert fixed.exit_code == 0 and fixed.sources["notion"].dropped == 0, fixed.errors
    assert not fixed.sources["notion"].full
    figures(
        faults={"unmappable record": 1},
        requests=rig.requests(),
        outcome=f"exit {summary.exit_code} with 1 dropped; cursor {cursor.isoformat()} < edit "
        f"{edited.isoformat()}; fixed page mapped on the next incremental run",
    )
