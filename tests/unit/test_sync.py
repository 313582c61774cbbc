"""The sync pipeline end to end over an in-test vendor (tests/cli/fake_connector.py)."""

from __future__ import annotations

import io
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from okrsync.cli.sync_cmd import progress_for
from okrsync.config import Config, parse_config
from okrsync.connector import SourceRecord
from okrsync.errors import ConfigError, ExitCode, LockedError
from okrsync.lock import run_lock
from okrsync.state import StateStore
from okrsync.sync import (
    keep_own_edit_times,
    run_lint,
    run_sync,
    runs_since_full,
    safe_cursor,
)
from tests.cli.fake_connector import load_vendor, save_vendor

FAKE = "tests.cli.fake_connector:create"
T0 = datetime(2025, 8, 1, 9, 0, tzinfo=UTC)
MAPPING = """
version: 1
collections:
  cycles:
    fields:
      name: Name
      start: Start
      end: End
  objectives:
    fields:
      title: Title
      cycle: Quarter
      kind: Type
  key_results:
    fields:
      title: Title
      objective: Objective
      start: Start
      target: Target
      current: Current
"""


def record(collection: str, ext: str, at: datetime, **fields: Any) -> dict[str, Any]:
    return SourceRecord(
        collection=collection,
        external_id=ext,
        updated_at=at,
        fields=fields,
    ).model_dump(mode="json")


def company(at: datetime = T0 - timedelta(days=1)) -> list[dict[str, Any]]:
    return [
        record("cycles", "c1", at, Name="Q3 2025", Start="2025-07-01", End="2025-09-30"),
        record("objectives", "o1", at, Title="Grow", Quarter=["c1"], Type="Committed"),
        record("objectives", "o2", at, Title="Retain", Quarter=["c1"], Type="Aspirational"),
        record(
            "key_results",
            "k1",
            at,
            Title="Users",
            Objective=["o1"],
            Start=0,
            Target=100,
            Current=40,
        ),
        record(
            "key_results",
            "k2",
            at,
            Title="Revenue",
            Objective=["o1"],
            Start=0,
            Target=10,
            Current=5,
        ),
        record(
            "key_results", "k3", at, Title="Churn", Objective=["o2"], Start=10, Target=5, Current=8
        ),
    ]


class Clock:
    """An injected clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Env:
    def __init__(self, tmp_path: Path) -> None:
        self.vendor = tmp_path / "vendor.json"
        save_vendor(self.vendor, {"records": company()})
        (tmp_path / "mapping.yaml").write_text(MAPPING)
        self.config: Config = parse_config(
            {
                "state_path": "state.db",
                "sources": {
                    "team": {
                        "connector": FAKE,
                        "mapping": "mapping.yaml",
                        "options": {"vendor": str(self.vendor)},
                    }
                },
                "logging": {"format": "json", "level": "error"},
            },
            tmp_path / "okrsync.toml",
        )
        self.clock = Clock(T0)

    def sync(self, **kw: Any) -> Any:
        return run_sync(self.config, clock=self.clock, env={}, **kw)

    def vendor_data(self) -> dict[str, Any]:
        return load_vendor(self.vendor)

    def edit(self, ext: str, at: datetime, **fields: Any) -> None:
        data = self.vendor_data()
        for raw in data["records"]:
            if raw["external_id"] == ext:
                raw["fields"].update(fields)
                raw["updated_at"] = at.isoformat()
        save_vendor(self.vendor, data)

    def set(self, **values: Any) -> None:
        data = self.vendor_data()
        data.update(values)
        save_vendor(self.vendor, data)


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return Env(tmp_path)


def test_full_sync_then_second_run_makes_no_writes(env: Env) -> None:
    first = env.sync()
    assert first.exit_code == 0, first.errors
    # 2 objectives + 3 key results + 1 review page
    assert first.writes == 6 and first.reads == 6
    assert first.sources["team"].full
    assert first.sources["team"].objectives == 2
    assert first.sources["team"].key_results == 3
    env.clock.now += timedelta(minutes=5)
    second = env.sync()
    assert second.exit_code == 0
    assert second.writes == 0 and second.skipped_writes == 6
    assert not second.sources["team"].full
    assert len(env.vendor_data()["applied"]) == 6
    assert json.loads(second.model_dump_json())["writes"] == 0


def test_incremental_pull_merges_with_the_cache_and_writes_only_what_changed(env: Env) -> None:
    env.sync()
    env.clock.now += timedelta(minutes=5)
    env.edit("k3", T0 + timedelta(minutes=1), Current=5)
    summary = env.sync()
    team = summary.sources["team"]
    assert team.reads == 1 and team.records == 6 and team.key_results == 3
    applied = env.vendor_data()["applied"][6:]
    assert sorted(applied) == ["fake:page:k3", "fake:page:o2", "fake:review"]
    assert summary.writes == 3
    with StateStore(env.config.state_path) as store:
        values = [(c.key_result, c.value) for c in store.history("team")]
    assert ("k3", 8.0) in values and ("k3", 5.0) in values


def test_dry_run_writes_nothing_and_touches_no_state(env: Env) -> None:
    summary = env.sync(dry_run=True)
    assert summary.dry_run and summary.writes == 0
    assert summary.planned_writes == 6
    statuses = {o.status for o in summary.sources["team"].write_outcomes}
    assert statuses == {"planned"}
    assert env.vendor_data()["applied"] == []
    assert not env.config.state_path.exists()
    env.sync()
    env.edit("k1", T0 + timedelta(minutes=1), Current=90)
    env.clock.now += timedelta(minutes=5)
    state_before = env.config.state_path.read_bytes()
    dry = env.sync(dry_run=True)
    planned = {o.target: o for o in dry.sources["team"].write_outcomes}
    assert planned["fake:page:k1"].status == "planned"
    assert planned["fake:page:k1"].changes["Score"] == 0.9
    assert planned["fake:page:k2"].status == "skipped"
    assert env.config.state_path.read_bytes() == state_before
    assert len(env.vendor_data()["applied"]) == 6


def test_failed_pull_does_not_advance_the_cursor(env: Env) -> None:
    env.sync()
    with StateStore(env.config.state_path) as store:
        cursor = store.cursor("team").cursor
    env.clock.now += timedelta(minutes=5)
    env.edit("k1", T0 + timedelta(minutes=2), Current=70)
    env.set(pull_error="transient")
    failed = env.sync()
    assert failed.exit_code == ExitCode.TRANSIENT
    assert "503" in failed.errors[0]
    with StateStore(env.config.state_path) as store:
        assert store.cursor("team").cursor == cursor
    env.set(pull_error=None)
    ok = env.sync()
    assert ok.exit_code == 0
    assert "fake:page:k1" in env.vendor_data()["applied"][6:]


def test_auth_error_on_pull_exits_3(env: Env) -> None:
    env.set(pull_error="auth")
    summary = env.sync()
    assert summary.exit_code == ExitCode.AUTH
    assert summary.outcome == "failed"
    assert env.vendor_data()["applied"] == []


def test_failed_write_makes_the_run_partial_and_is_retried_next_time(env: Env) -> None:
    env.set(fail_targets=["fake:page:k2"])
    first = env.sync()
    assert first.exit_code == ExitCode.PARTIAL
    assert first.writes == 5 and first.failed_writes == 1
    assert any("fake:page:k2" in e for e in first.errors)
    env.set(fail_targets=[])
    env.clock.now += timedelta(minutes=5)
    second = env.sync()
    assert second.exit_code == 0
    assert second.writes == 1 and env.vendor_data()["applied"][-1] == "fake:page:k2"


def test_trashed_records_leave_the_cache(env: Env) -> None:
    env.sync()
    data = env.vendor_data()
    for raw in data["records"]:
        if raw["external_id"] == "k3":
            raw["trashed"] = True
            raw["updated_at"] = (T0 + timedelta(minutes=1)).isoformat()
    save_vendor(env.vendor, data)
    env.clock.now += timedelta(minutes=5)
    summary = env.sync()
    assert summary.sources["team"].key_results == 2
    with StateStore(env.config.state_path) as store:
        assert "k3" not in {r.external_id for r in store.cached_records("team")}


def test_unmapped_record_is_partial_and_holds_the_cursor_back(env: Env) -> None:
    env.sync()
    env.clock.now += timedelta(minutes=5)
    bad_at = T0 + timedelta(minutes=3)
    env.edit("k2", bad_at, Title="")
    summary = env.sync()
    assert summary.exit_code == ExitCode.PARTIAL
    assert summary.sources["team"].dropped == 1
    assert summary.writes >= 1  # the others still get their outputs
    with StateStore(env.config.state_path) as store:
        cursor = store.cursor("team").cursor
    assert cursor is not None and cursor < bad_at


def test_safe_cursor_is_unchanged_without_dropped_records() -> None:
    rec = SourceRecord(collection="objectives", external_id="x", updated_at=T0)
    assert safe_cursor(T0, [rec], []) == T0
    assert safe_cursor(T0 + timedelta(hours=1), [rec], ["x"]) == T0 - timedelta(seconds=1)
    assert safe_cursor(None, [rec], ["x"]) is None


def test_full_refresh_is_due_after_its_interval(env: Env) -> None:
    env.sync()
    env.clock.now += timedelta(hours=25)
    summary = env.sync()
    assert summary.sources["team"].full and summary.reads == 6 and summary.writes == 0


def test_overlapping_run_is_refused(env: Env) -> None:
    with run_lock(env.config.state_path), pytest.raises(LockedError) as err:
        env.sync()
    assert ".lock" in str(err.value)
    assert env.vendor_data()["applied"] == []


def test_stop_requested_before_the_run_interrupts_it(env: Env) -> None:
    stop = threading.Event()
    stop.set()
    summary = env.sync(stop_event=stop)
    assert summary.exit_code == ExitCode.INTERRUPTED
    assert env.vendor_data()["applied"] == []


def test_missing_credentials_fail_before_any_read(env: Env, tmp_path: Path) -> None:
    config = parse_config(
        {
            "state_path": "state.db",
            "sources": {
                "team": {
                    "connector": FAKE,
                    "mapping": "mapping.yaml",
                    "options": {"vendor": str(env.vendor), "token_env": "FAKE_TOKEN"},
                }
            },
        },
        tmp_path / "okrsync.toml",
    )
    with pytest.raises(ConfigError) as err:
        run_sync(config, clock=env.clock, env={})
    assert "FAKE_TOKEN" in str(err.value)


def test_broken_mapping_is_a_config_error_naming_the_file(env: Env) -> None:
    env.config.source("team").mapping.write_text("version: 1\ncollections: {}\n")
    with pytest.raises(ConfigError) as err:
        env.sync()
    assert "mapping.yaml" in str(err.value)


def test_lint_reads_and_checks_without_writing(env: Env) -> None:
    result = run_lint(env.config, clock=env.clock, env={})
    assert result.exit_code == 0
    assert "team" in result.findings
    assert env.vendor_data()["applied"] == []
    assert not env.config.state_path.exists()


def test_lint_after_a_sync_leaves_the_state_store_as_it_was(env: Env) -> None:
    """Lint builds its review from the stored history but stores nothing: not the pull, not
    the new values, not the scores (a change since the last sync shows in its review)."""
    assert run_sync(env.config, clock=env.clock, env={}).exit_code == 0
    data = load_vendor(env.vendor)
    for item in data["records"]:
        if item["external_id"] == "k1":
            item["fields"]["Current"] = 90
    save_vendor(env.vendor, data)
    before = env.config.state_path.read_bytes()
    result = run_lint(env.config, clock=lambda: T0 + timedelta(hours=1), env={})
    assert result.exit_code == 0
    assert env.config.state_path.read_bytes() == before
    review = result.reviews["team"]
    assert review.evaluation.key_results["k1"].score is not None
    assert "k1" in review.previous_scores


def test_own_output_writes_do_not_count_as_edits() -> None:
    old = SourceRecord(
        collection="key_results",
        external_id="k",
        updated_at=T0,
        fields={"Current": 1, "Score": None},
    )
    ours = old.model_copy(
        update={"updated_at": T0 + timedelta(hours=1), "fields": {"Current": 1, "Score": 0.4}}
    )
    human = old.model_copy(
        update={"updated_at": T0 + timedelta(hours=2), "fields": {"Current": 2, "Score": 0.4}}
    )
    cached = {("key_results", "k"): old}
    outputs = {"key_results": {"Score"}}
    assert keep_own_edit_times([ours], cached, outputs)[0].updated_at == T0
    assert keep_own_edit_times([human], cached, outputs)[0].updated_at == human.updated_at


def test_the_order_records_arrive_in_does_not_change_the_plan(env: Env) -> None:
    first = env.sync(dry_run=True)
    data = env.vendor_data()
    data["records"].reverse()
    save_vendor(env.vendor, data)
    second = env.sync(dry_run=True)
    assert first.sources["team"].write_outcomes == second.sources["team"].write_outcomes


def test_a_connector_may_ask_for_a_full_read(env: Env) -> None:
    env.sync()
    for _ in range(2):
        env.clock.now += timedelta(minutes=5)
        assert not env.sync().sources["team"].full
    with StateStore(env.config.state_path) as store:
        assert runs_since_full(store, "team") == 2
    env.set(full_every=2)  # the test vendor's hook: full once 2 runs were incremental
    env.clock.now += timedelta(minutes=5)
    assert env.sync().sources["team"].full
    with StateStore(env.config.state_path) as store:
        assert runs_since_full(store, "team") == 0


def test_progress_is_reported_while_pulling(env: Env) -> None:
    calls: list[tuple[str, int, bool]] = []
    env.sync(progress=lambda source, count, done: calls.append((source, count, done)))
    assert calls[-1] == ("team", 6, True)


def test_terminal_progress_only_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert progress_for(io.StringIO(), json_output=False) is None
    assert progress_for(Tty(), json_output=True) is None
    tty = Tty()
    line = progress_for(tty, json_output=False)
    assert line is not None
    line("team", 25, False)
    line("team", 30, True)
    assert tty.getvalue() == "\r  reading team: 25 records\r  reading team: 30 records\n"


def test_a_score_change_settles_in_one_run(env: Env) -> None:
    env.sync()
    env.clock.now += timedelta(minutes=5)
    env.edit("k1", T0 + timedelta(minutes=1), Current=80)
    changed = env.sync()
    assert changed.writes == 3  # the KR, its objective, the review
    env.clock.now += timedelta(minutes=5)
    assert env.sync().writes == 0
    with StateStore(env.config.state_path) as store:
        assert store.previous_scores("team")["k1"] == 0.4
