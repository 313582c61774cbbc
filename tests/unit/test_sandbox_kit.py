"""The emulator kit's own mechanisms (the emulators' tests cover them through HTTP)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from okrsync.sandbox import FaultPlan
from okrsync_sandbox.kit.clock import ManualClock, moment
from okrsync_sandbox.kit.faults import FaultInjector
from okrsync_sandbox.kit.rate import RetryWatch, TokenBucket, retry_after_header
from okrsync_sandbox.kit.state import load_state, save_state


def test_a_plan_with_a_limit_stops_after_that_many_faults() -> None:
    injector = FaultInjector(FaultPlan(rates={"500": 1.0}, methods=("post",), limit=2))
    draws = [injector.draw("POST", "/x") for _ in range(5)]
    assert draws == ["500", "500", None, None, None]
    assert injector.draw("GET", "/x") is None  # methods compare case-insensitively


def test_eligibility_keeps_a_kind_off_requests_it_cannot_hit() -> None:
    def writes_only(kind: str, method: str, path: str) -> bool:
        return kind != "conflict" or method != "GET"

    injector = FaultInjector(FaultPlan(rates={"conflict": 1.0}), writes_only)
    assert injector.draw("GET", "/p") is None
    assert injector.draw("PUT", "/p") == "conflict"


def test_the_bucket_refills_with_the_clock_it_reads() -> None:
    clock = ManualClock(datetime(2025, 1, 1, tzinfo=UTC))
    bucket = TokenBucket(2, clock)
    assert [bucket.take(), bucket.take()] == [None, None]
    assert bucket.take() == pytest.approx(0.5)
    clock.advance(0.5)
    assert bucket.take() is None


def test_retry_after_is_whole_seconds_or_milliseconds_below_one() -> None:
    assert [retry_after_header(s) for s in (1, 1.2, 30, 0.05, 0.0004)] == [
        "1",
        "2",
        "30",
        "0.050",
        "0.001",
    ]


def test_the_watch_counts_only_requests_before_the_retry_after_ran_out() -> None:
    clock = ManualClock(datetime(2025, 1, 1, tzinfo=UTC))
    watch = RetryWatch(clock)
    watch.sent(2.0)
    clock.advance(1.0)
    assert watch.arrived() is True
    clock.advance(1.0)
    assert watch.arrived() is False
    assert watch.early_retries == 1


def test_one_clock_reads_as_epoch_datetime_and_monotonic() -> None:
    clock = ManualClock(datetime(2025, 8, 1, 10, 0, 0, 250_000, tzinfo=UTC))
    clock.sleep(1.5)
    assert clock.sleeps == [1.5]
    assert moment(clock) == clock.now() == datetime(2025, 8, 1, 10, 0, 1, 750_000, tzinfo=UTC)
    assert clock() == clock.monotonic() == clock.now().timestamp()


def test_state_files_keep_order_and_replace_the_old_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "notion.json"
    save_state(path, {"pages": {"b": 1, "a": 2}})
    save_state(path, {"pages": {"z": 3, "y": 4}})
    assert list(load_state(path)["pages"]) == ["z", "y"]
    assert [p.name for p in tmp_path.iterdir()] == ["notion.json"]
    path.write_text(json.dumps([1, 2]), encoding="utf-8")
    with pytest.raises(ValueError, match="not a sandbox state file"):
        load_state(path)
