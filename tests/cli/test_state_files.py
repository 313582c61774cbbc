"""The state store's files (issue 9, "Files"): nothing foreign is touched, an unreadable store is
exit 7 with the fix, the lock is keyed on the real file."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from okrsync.errors import ExitCode, LockedError, StateError
from okrsync.lock import lock_path_for, run_lock
from okrsync.records import SourceRecord
from okrsync.state import APPLICATION_ID, StateStore
from tests.cli.conftest import Run
from tests.cli.test_sync_cli import TOKEN, make_config

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def fingerprint(path: Path) -> tuple[int, int, bytes]:
    info = os.lstat(path)
    return stat.S_IMODE(info.st_mode), info.st_mtime_ns, path.read_bytes()


def new_store(path: Path) -> None:
    with StateStore(path) as store:
        store.save_pull(
            "team",
            [SourceRecord(collection="objectives", external_id="o1", fields={"Name": "A"})],
            full=True,
            cursor=NOW,
            full_refresh_at=NOW,
        )


@contextmanager
def umask(value: int) -> Iterator[None]:
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def refused(open_it: Callable[[], object], *, within: float = 10) -> StateError:
    """The StateError `open_it` raises, which it must do promptly (never blocking on a FIFO)."""
    found: list[BaseException] = []

    def run() -> None:
        try:
            open_it()
        except BaseException as exc:
            found.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(within)
    assert not thread.is_alive(), "blocked instead of refusing"
    assert found and isinstance(found[0], StateError), found
    return found[0]


# ------------------------------------------------------------------ nothing foreign is touched


def test_a_foreign_regular_file_is_refused_untouched(tmp_path: Path) -> None:
    passwd = tmp_path / "passwd"
    passwd.write_text("root:x:0:0:root:/root:/bin/bash\n")
    passwd.chmod(0o644)
    before = fingerprint(passwd)
    for readonly in (False, True):
        error = refused(lambda r=readonly: StateStore(passwd, readonly=r))
        assert str(passwd) in error.message and "not an okrsync state store" in error.message
        assert error.hint
    assert fingerprint(passwd) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["passwd"]


def test_a_symlink_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "target.db"
    new_store(target)
    target.chmod(0o644)
    before = fingerprint(target)
    link = tmp_path / "link.db"
    link.symlink_to(target)
    error = refused(lambda: StateStore(link))
    assert "symbolic link" in error.message
    assert fingerprint(target) == before
    # the lock file and a -wal named through links are refused the same way
    other = tmp_path / "other.db"
    Path(f"{other}.lock").symlink_to(target)
    with pytest.raises(StateError, match="symbolic link"), run_lock(other):
        pass
    Path(f"{other}-wal").symlink_to(target)
    assert "symbolic link" in refused(lambda: StateStore(other)).message
    assert fingerprint(target) == before


def test_fifos_devices_and_directories_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.db"
    os.mkfifo(fifo)
    assert "a FIFO" in refused(lambda: StateStore(fifo)).message
    assert "a FIFO" in refused(lambda: StateStore(fifo, readonly=True)).message
    assert "a device" in refused(lambda: StateStore(Path("/dev/null"))).message
    assert "a directory" in refused(lambda: StateStore(tmp_path)).message
    beside = tmp_path / "beside.db"
    os.mkfifo(f"{beside}-shm")
    assert "a FIFO" in refused(lambda: StateStore(beside)).message
    locked = tmp_path / "locked.db"
    os.mkfifo(f"{locked}.lock")
    assert "a FIFO" in refused(lambda: run_lock(locked).__enter__()).message
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_foreign_sqlite_file_gets_no_tables_and_keeps_its_journal_mode(tmp_path: Path) -> None:
    foreign = tmp_path / "app.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE things (id INTEGER)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    foreign.chmod(0o644)
    before = fingerprint(foreign)
    error = refused(lambda: StateStore(foreign))
    assert "not an okrsync state store" in error.message
    assert fingerprint(foreign) == before
    conn = sqlite3.connect(foreign)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["things"]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


def test_read_only_files_and_folders_are_refused(tmp_path: Path) -> None:
    store = tmp_path / "ro.db"
    new_store(store)
    store.chmod(0o400)
    assert "read-only" in refused(lambda: StateStore(store)).message
    with StateStore(store, readonly=True) as readable:  # lint may still read it
        assert readable.cursor("team").cursor == NOW
    folder = tmp_path / "ro-folder"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert "read-only" in refused(lambda: StateStore(folder / "state.db")).message
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_application_id_is_set_on_creation_and_old_stores_are_adopted(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    new_store(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    conn.execute("PRAGMA application_id = 0")  # as okrsync wrote it before it set an id
    conn.commit()
    conn.close()
    with StateStore(path) as store:
        assert store.cursor("team").cursor == NOW
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    conn.close()


def test_question_marks_and_hashes_in_the_path_work_without_stray_files(tmp_path: Path) -> None:
    folder = tmp_path / "odd?name#x"
    path = folder / "state?v=1#frag.db"
    new_store(path)
    with StateStore(path, readonly=True) as store:
        assert store.cursor("team").cursor == NOW
    with run_lock(path):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odd?name#x"]
    names = sorted(p.name for p in folder.iterdir())
    assert names[0] == "state?v=1#frag.db"
    assert all(n.startswith("state?v=1#frag.db") for n in names)


@pytest.mark.parametrize("mask", [0o000, 0o022, 0o077])
def test_created_folders_are_0700_whatever_the_umask(tmp_path: Path, mask: int) -> None:
    path = tmp_path / "a" / "b" / "state.db"
    with umask(mask):
        new_store(path)
        with run_lock(path):
            pass
    assert mode(tmp_path / "a") == 0o700
    assert mode(tmp_path / "a" / "b") == 0o700
    assert mode(path) == 0o600
    assert mode(lock_path_for(path)) == 0o600


# ------------------------------------------------------------------ an unreadable store


def corrupt_pages(path: Path) -> None:
    """Overwrite every page after the first (the header stays valid)."""
    with StateStore(path) as store:
        store.save_pull(
            "team",
            [
                SourceRecord(collection="objectives", external_id=f"o{i}", fields={"x": "y" * 200})
                for i in range(200)
            ],
            full=True,
            cursor=NOW,
            full_refresh_at=NOW,
        )
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for i in range(page, len(data)):
        data[i] = 0xA5
    path.write_bytes(bytes(data))


def broken_by(sql: str) -> Callable[[Path], None]:
    """A breakage: a healthy store, then `sql` run on it behind okrsync's back."""

    def breakage(path: Path) -> None:
        new_store(path)
        conn = sqlite3.connect(path)
        conn.execute(sql)
        conn.commit()
        conn.close()

    return breakage


drop_table = broken_by("DROP TABLE ledger")
bad_record_row = broken_by("UPDATE records SET record = 'not json {'")
bad_cursor = broken_by("UPDATE cursors SET cursor = 'yesterday-ish'")


BREAKAGES = [corrupt_pages, drop_table, bad_record_row, bad_cursor]


@pytest.mark.parametrize(
    "breakage", BREAKAGES, ids=["corrupt_pages", "drop_table", "bad_record_row", "bad_cursor"]
)
def test_an_unreadable_store_is_exit_7_with_the_fix(
    tmp_path: Path, okrsync: Run, breakage: Callable[[Path], None]
) -> None:
    config = make_config(tmp_path)
    state = tmp_path / "state.db"
    breakage(state)
    # lint always reads in full, so a bad cursor is nothing it reads
    commands = ("sync", "doctor") if breakage is bad_cursor else ("sync", "lint", "doctor")
    for command in commands:
        result = okrsync(command, "--config", str(config), env={"FAKE_TOKEN": TOKEN})
        output = result.stdout + result.stderr
        assert result.returncode == ExitCode.STATE, (command, output)
        assert "Traceback" not in output and "internal error" not in output
        assert str(state) in output and "move the file aside" in output, (command, output)


def test_doctor_says_ok_for_a_healthy_store(tmp_path: Path, okrsync: Run) -> None:
    config = make_config(tmp_path)
    new_store(tmp_path / "state.db")
    result = okrsync("doctor", "--config", str(config), env={"FAKE_TOKEN": TOKEN})
    assert "state store: ok" in result.stdout, result.stdout + result.stderr


# ------------------------------------------------------------------ the lock


def test_the_lock_is_keyed_on_the_real_file(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "alias").symlink_to(real, target_is_directory=True)
    state = real / "state.db"
    new_store(state)
    os.link(state, tmp_path / "hardlink.db")
    with run_lock(state):
        for alias in (tmp_path / "alias" / "state.db", tmp_path / "hardlink.db"):
            with pytest.raises(LockedError), run_lock(alias):
                pass
    with run_lock(tmp_path / "alias" / "state.db"):
        pass


def test_two_configs_on_one_store_through_a_symlink_exclude_each_other(
    tmp_path: Path, okrsync: Run
) -> None:
    config = make_config(tmp_path)
    (tmp_path / "alias").symlink_to(tmp_path, target_is_directory=True)
    new_store(tmp_path / "state.db")
    other = tmp_path / "other.toml"
    other.write_text(
        config.read_text().replace('state_path = "state.db"', 'state_path = "alias/state.db"')
    )
    with run_lock(tmp_path / "state.db"):
        result = okrsync("sync", "--config", str(other), env={"FAKE_TOKEN": TOKEN})
    assert result.returncode == ExitCode.LOCKED, result.stderr


def test_the_state_store_never_holds_a_file_open_beyond_its_life(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    new_store(path)
    with run_lock(path):
        pass
    fds = Path(f"/proc/{os.getpid()}/fd")
    names = []
    for fd in fds.iterdir():
        try:
            names.append(str(fd.readlink()))
        except OSError:
            continue
    assert not [n for n in names if n.startswith(str(path))], json.dumps(names)
