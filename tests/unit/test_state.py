"""The state store: private files, migrations, ledger, history, cursors and the record cache."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from okrsync.connector import SourceRecord
from okrsync.errors import LockedError, StateError
from okrsync.lock import lock_path_for, run_lock
from okrsync.model import CheckIn
from okrsync.state import MIGRATIONS, SCHEMA_VERSION, StateStore

T0 = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_state_wal_and_lock_files_are_private(tmp_path: Path, umask_022: None) -> None:
    db = tmp_path / "sub" / "state.db"
    with StateStore(db) as store, run_lock(db):
        store.record_write("s", "t", "h", None, T0)
        assert mode(db) == 0o600
        assert mode(Path(f"{db}-wal")) == 0o600
        assert mode(Path(f"{db}-shm")) == 0o600
        assert mode(lock_path_for(db)) == 0o600


def test_existing_loose_file_is_tightened(tmp_path: Path, umask_022: None) -> None:
    db = tmp_path / "state.db"
    db.touch(mode=0o644)
    StateStore(db).close()
    assert mode(db) == 0o600


def test_migrations_set_user_version(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    with StateStore(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.integrity_ok()
    with StateStore(db) as again:
        assert again.schema_version == SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StateError) as err:
        StateStore(db)
    assert "newer" in str(err.value) and str(db) in str(err.value)


def test_garbage_file_is_a_state_error(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    db.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StateError):
        StateStore(db)


def test_ledger_upserts_per_target(tmp_path: Path) -> None:
    with StateStore(tmp_path / "s.db") as store:
        store.record_write("a", "page:1", "h1", "v1", T0)
        store.record_write("a", "page:1", "h2", "v2", T0 + timedelta(minutes=1))
        store.record_write("b", "page:1", "x", None, T0)
        ledger = store.ledger("a")
        assert set(ledger) == {"page:1"}
        assert ledger["page:1"].content_hash == "h2"
        assert ledger["page:1"].remote_version == "v2"
        assert store.ledger("b")["page:1"].content_hash == "x"


def test_history_appends_only_changes(tmp_path: Path) -> None:
    with StateStore(tmp_path / "s.db") as store:
        obs = [
            CheckIn(key_result="kr1", at=T0, value=10),
            CheckIn(key_result="kr1", at=T0 + timedelta(days=1), value=10),
            CheckIn(key_result="kr1", at=T0 + timedelta(days=2), value=12),
            CheckIn(key_result="kr2", at=T0, value=None),
        ]
        assert store.record_values("src", obs) == 3
        assert store.record_values("src", [CheckIn(key_result="kr1", at=T0, value=12)]) == 0
        values = [(c.key_result, c.value) for c in store.history("src")]
        assert values == [("kr1", 10), ("kr2", None), ("kr1", 12)]
        assert store.history("other") == []


def test_record_cache_full_and_incremental(tmp_path: Path) -> None:
    def rec(i: str, trashed: bool = False) -> SourceRecord:
        return SourceRecord(
            collection="objectives", external_id=i, fields={"t": i}, trashed=trashed
        )

    with StateStore(tmp_path / "s.db") as store:
        store.save_pull("s", [rec("1"), rec("2")], full=True, cursor=T0, full_refresh_at=T0)
        assert store.cursor("s").cursor == T0
        store.save_pull(
            "s", [rec("2", trashed=True), rec("3")], full=False, cursor=None, full_refresh_at=None
        )
        assert [r.external_id for r in store.cached_records("s")] == ["1", "3"]
        state = store.cursor("s")
        assert state.cursor == T0 and state.full_refresh_at == T0
        store.save_pull("s", [rec("9")], full=True, cursor=T0 + timedelta(1), full_refresh_at=None)
        assert [r.external_id for r in store.cached_records("s")] == ["9"]
        assert store.cursor("s").cursor == T0 + timedelta(1)


def test_previous_scores_keep_the_value_before_the_last_change(tmp_path: Path) -> None:
    with StateStore(tmp_path / "s.db") as store:
        store.save_scores("s", {"o1": 0.5}, T0)
        assert store.previous_scores("s") == {}
        assert store.save_scores("s", {"o1": 0.7}, T0) == 1
        assert store.previous_scores("s") == {"o1": 0.5}
        assert store.save_scores("s", {"o1": 0.7}, T0) == 0
        assert store.previous_scores("s") == {"o1": 0.5}


def test_runs_are_listed_newest_first(tmp_path: Path) -> None:
    with StateStore(tmp_path / "s.db") as store:
        store.start_run("r1", "s", T0)
        store.finish_run("r1", "s", T0 + timedelta(seconds=5), "ok", {"writes": 2})
        store.start_run("r2", "s", T0 + timedelta(hours=1))
        runs = store.runs("s")
        assert [r.id for r in runs] == ["r2", "r1"]
        assert runs[1].outcome == "ok" and runs[1].counts == {"writes": 2}
        assert runs[0].ended is None


def test_readonly_store_leaves_the_file_untouched(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with StateStore(db) as store:
        store.record_write("s", "t", "h", None, T0)
    before = db.read_bytes()
    with StateStore(db, readonly=True) as ro:
        assert ro.ledger("s")["t"].content_hash == "h"
        ro.record_write("s", "t", "changed", None, T0)
    with StateStore(db) as again:
        assert again.ledger("s")["t"].content_hash == "h"
    assert db.read_bytes() == before
    with StateStore(tmp_path / "absent.db", readonly=True) as empty:
        assert empty.ledger("s") == {}
    assert not (tmp_path / "absent.db").exists()


def test_second_lock_holder_is_refused_naming_the_file(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with run_lock(db):
        with pytest.raises(LockedError) as err, run_lock(db):
            pass
        assert str(lock_path_for(db)) in str(err.value)
    with run_lock(db) as path:
        assert path == lock_path_for(db)


def test_history_orders_by_instant_whatever_the_offset(tmp_path: Path) -> None:
    from datetime import timezone

    plus_two = timezone(timedelta(hours=2))
    with StateStore(tmp_path / "s.db") as store:
        store.record_values(
            "s",
            [
                # 13:00+02:00 is 11:00 UTC: earlier than 12:00 UTC although "13" > "12"
                CheckIn(key_result="k", at=T0, value=2),
                CheckIn(key_result="k", at=datetime(2025, 7, 1, 13, 0, tzinfo=plus_two), value=1),
            ],
        )
        assert [c.value for c in store.history("s")] == [1, 2]
        assert store.record_values("s", [CheckIn(key_result="k", at=T0, value=2)]) == 0


def test_lookups_are_kept_per_source_and_a_first_store_migrates_to_them(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    conn = sqlite3.connect(db)  # a store of schema version 1, before lookups were kept
    conn.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    conn.close()
    with StateStore(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.lookups("notion") == {}
        store.save_lookups("notion", {"version": 1, "ids": {"a": "b"}}, T0)
        store.save_lookups("other", {"x": 1}, T0)
    with StateStore(db) as store:
        assert store.lookups("notion") == {"version": 1, "ids": {"a": "b"}}
        assert store.lookups("other") == {"x": 1}
        store.save_lookups("notion", {}, T0 + timedelta(hours=1))
        assert store.lookups("notion") == {}


def test_unchanged_lookups_are_not_rewritten_and_unreadable_ones_read_as_none(
    tmp_path: Path,
) -> None:
    db = tmp_path / "state.db"
    with StateStore(db) as store:
        store.save_lookups("notion", {"a": 1}, T0)
        store.save_lookups("notion", {"a": 1}, T0 + timedelta(hours=1))
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT saved_at FROM lookups").fetchall() == [(T0.isoformat(),)]
    conn.execute("UPDATE lookups SET data = 'not json'")
    conn.commit()
    conn.close()
    with StateStore(db) as store:
        assert store.lookups("notion") == {}
