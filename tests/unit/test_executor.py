"""The write executor: skips unchanged writes, records only confirmed ones, goes on after one
fails, and stops cleanly between writes."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from okrsync.connector import ConnectorContext, Write
from okrsync.executor import (
    DENIALS_THAT_STOP_A_SOURCE,
    ExecutionReport,
    WriteOutcome,
    execute,
    preview,
)
from okrsync.state import StateStore
from tests.cli.fake_connector import FakeConnector, load_vendor

T0 = datetime(2025, 7, 1, tzinfo=UTC)


def clock() -> datetime:
    return T0


def vendor(tmp_path: Path, **extra: object) -> FakeConnector:
    path = tmp_path / "vendor.json"
    path.write_text(json.dumps({"records": [], **extra}))
    return FakeConnector(ConnectorContext(source="s", options={"vendor": str(path)}, mapping=None))


def writes(n: int, value: int = 1) -> list[Write]:
    return [
        Write(
            target=f"fake:page:{i}",
            kind="properties",
            description=f"page {i}",
            payload={"v": value},
        ).with_hash()
        for i in range(n)
    ]


def run(
    planned: list[Write],
    conn: FakeConnector,
    store: StateStore,
    *,
    stop_event: threading.Event | None = None,
    on_outcome: Callable[[WriteOutcome], None] | None = None,
) -> ExecutionReport:
    """`execute` for source "s" at T0, with a stop event nobody sets unless the test has one."""
    return execute(
        planned,
        connector=conn,
        store=store,
        source="s",
        clock=clock,
        stop_event=stop_event or threading.Event(),
        on_outcome=on_outcome,
    )


def test_second_execution_skips_everything(tmp_path: Path) -> None:
    conn = vendor(tmp_path)
    with StateStore(tmp_path / "s.db") as store:
        first = run(writes(3), conn, store)
        assert first.count("applied") == 3
        second = run(writes(3), conn, store)
        assert second.count("skipped") == 3 and second.count("applied") == 0
        changed = run(writes(3, value=2)[:1], conn, store)
        assert changed.count("applied") == 1
        assert store.ledger("s")["fake:page:0"].remote_version == "2"
    assert load_vendor(tmp_path / "vendor.json")["applied"].count("fake:page:0") == 2


def test_failed_write_is_reported_not_recorded_and_the_rest_continue(tmp_path: Path) -> None:
    for mode in ("result", "record", "transient"):
        sub = tmp_path / mode
        sub.mkdir()
        conn = vendor(sub, fail_targets=["fake:page:1"], fail_mode=mode)
        with StateStore(sub / "s.db") as store:
            report = run(writes(3), conn, store)
            assert [o.status for o in report.outcomes] == ["applied", "failed", "applied"], mode
            assert set(store.ledger("s")) == {"fake:page:0", "fake:page:2"}
            assert report.errors and "fake:page:1" in report.errors[0]
            assert report.transient_failures == (1 if mode == "transient" else 0)


def test_auth_error_stops_the_source(tmp_path: Path) -> None:
    conn = vendor(tmp_path, auth_fail_writes=True)
    with StateStore(tmp_path / "s.db") as store:
        report = run(writes(3), conn, store)
        assert report.auth_error is not None
        assert [o.status for o in report.outcomes] == ["failed", "not_attempted", "not_attempted"]
        assert store.ledger("s") == {}


def test_one_refused_page_fails_alone_but_refusals_in_a_row_stop_the_source(
    tmp_path: Path,
) -> None:
    one = tmp_path / "one"
    one.mkdir()
    conn = vendor(one, fail_targets=["fake:page:1"], fail_mode="denied")
    with StateStore(one / "s.db") as store:
        report = run(writes(5), conn, store)
    assert report.count("failed") == 1 and report.count("applied") == 4
    assert report.auth_error is None

    many = tmp_path / "many"
    many.mkdir()
    refused = [f"fake:page:{i}" for i in range(1, 5)]
    conn = vendor(many, fail_targets=refused, fail_mode="denied")
    with StateStore(many / "s.db") as store:
        report = run(writes(8), conn, store)
    assert report.count("applied") == 1  # page 0, before the refusals began
    assert report.count("failed") == DENIALS_THAT_STOP_A_SOURCE
    assert report.count("not_attempted") == 8 - 1 - DENIALS_THAT_STOP_A_SOURCE
    assert report.auth_error is not None and "in a row" in report.auth_error


def test_stop_between_writes_keeps_what_was_confirmed(tmp_path: Path) -> None:
    conn = vendor(tmp_path)
    stop = threading.Event()
    with StateStore(tmp_path / "s.db") as store:

        def stop_after_first(outcome: object) -> None:
            stop.set()

        report = run(writes(3), conn, store, stop_event=stop, on_outcome=stop_after_first)
        assert report.interrupted
        assert [o.status for o in report.outcomes] == ["applied", "not_attempted", "not_attempted"]
        assert set(store.ledger("s")) == {"fake:page:0"}
        resumed = run(writes(3), conn, store)
        assert [o.status for o in resumed.outcomes] == ["skipped", "applied", "applied"]


def test_unchanged_at_remote_is_recorded_without_a_second_write(tmp_path: Path) -> None:
    conn = vendor(tmp_path, pages={"fake:page:0": {"v": 1}})
    with StateStore(tmp_path / "s.db") as store:
        report = run(writes(1), conn, store)
        assert report.count("unchanged") == 1
        assert "fake:page:0" in store.ledger("s")
    assert load_vendor(tmp_path / "vendor.json")["applied"] == []


def test_preview_marks_ledger_matches_as_skipped() -> None:
    planned = writes(2)
    report = preview(planned, {planned[0].target: planned[0].content_hash})
    assert [o.status for o in report.outcomes] == ["skipped", "planned"]
