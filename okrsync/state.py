"""The SQLite state store: runs, key-result value history, the write ledger, cursors, the record
cache and the previous scores, one file per deployment.

The file and its -wal/-shm companions are created 0600 whatever the umask, because they hold
the workspace's contents. The schema is versioned with `PRAGMA user_version` and migrated
forward on open; a file written by a newer okrsync is refused with a StateError rather than
damaged. Every method commits on its own, so a write's ledger entry is durable as soon as
`record_write` returns, and never before the caller confirmed the remote write.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, ParamSpec, Self, TypeVar
from urllib.parse import quote

from okrsync.errors import StateError
from okrsync.history import StoredScore, previous_scores
from okrsync.model import CheckIn, Frozen
from okrsync.owned_files import (
    DIR_MODE,
    FILE_MODE,
    check_owned,
    open_owned,
    private_folder,
    read_head,
)
from okrsync.records import SourceRecord
from okrsync.redaction import record_redactor, redact_model

APPLICATION_ID = 0x6F6B7273
"""SQLite's application_id of an okrsync state store ("okrs"), set on creation."""
COMPANIONS = ("-wal", "-shm", "-journal")
SQLITE_MAGIC = b"SQLite format 3\x00"

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema.
    """
    CREATE TABLE runs (
        id TEXT NOT NULL,
        source TEXT NOT NULL,
        started TEXT NOT NULL,
        ended TEXT,
        outcome TEXT,
        counts TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (id, source)
    );
    CREATE TABLE kr_values (
        source TEXT NOT NULL,
        key_result TEXT NOT NULL,
        at TEXT NOT NULL,
        value REAL,
        confidence REAL
    );
    CREATE INDEX kr_values_by_kr ON kr_values (source, key_result, at);
    CREATE TABLE ledger (
        source TEXT NOT NULL,
        target TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        remote_version TEXT,
        written_at TEXT NOT NULL,
        PRIMARY KEY (source, target)
    );
    CREATE TABLE cursors (
        source TEXT PRIMARY KEY,
        cursor TEXT,
        full_refresh_at TEXT
    );
    CREATE TABLE records (
        source TEXT NOT NULL,
        collection TEXT NOT NULL,
        external_id TEXT NOT NULL,
        record TEXT NOT NULL,
        updated_at TEXT,
        PRIMARY KEY (source, collection, external_id)
    );
    CREATE TABLE scores (
        source TEXT NOT NULL,
        subject TEXT NOT NULL,
        score REAL,
        previous REAL,
        changed_at TEXT NOT NULL,
        PRIMARY KEY (source, subject)
    );
    """,
    # 2: what a connector resolved (ids, schemas) and may reuse next run.
    """
    CREATE TABLE lookups (
        source TEXT PRIMARY KEY,
        data TEXT NOT NULL,
        saved_at TEXT NOT NULL
    );
    """,
    # 3: notifications (issue 15): the outbox and dedupe ledger, and the last health seen.
    """
    CREATE TABLE notifications (
        key TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        period TEXT NOT NULL,
        channel TEXT NOT NULL,
        destination TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        message TEXT NOT NULL,
        expires TEXT NOT NULL,
        not_before TEXT,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        error TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX notifications_open ON notifications (source, status);
    CREATE TABLE health_marks (
        source TEXT NOT NULL,
        subject TEXT NOT NULL,
        health TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (source, subject)
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
P = ParamSpec("P")
R = TypeVar("R")
__all__ = ["DIR_MODE", "FILE_MODE", "StateStore", "private_file"]


def check_okrsync_file(path: Path) -> bool:
    """Refuse (StateError, untouched) a file that is not an okrsync state store.

    Reads the SQLite header only: the magic, the application_id okrsync sets on creation, and
    the schema version. Stores written before okrsync set an application_id (id 0, a known
    schema version and okrsync's tables) are accepted; True means "set the id now".
    """
    head = read_head(path, 100)
    refuse = StateError(
        f"state file {path} is not an okrsync state store; it has not been touched",
        hint="point state_path at a new file (okrsync creates it) or at okrsync's own store",
    )
    if not head.startswith(SQLITE_MAGIC) or len(head) < 100:
        raise refuse
    app_id = int.from_bytes(head[68:72], "big")
    if app_id == APPLICATION_ID:
        return False
    user_version = int.from_bytes(head[60:64], "big")
    if app_id != 0 or not user_version >= 1:
        raise refuse
    try:
        conn = sqlite3.connect(sqlite_uri(path, "ro"), uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        raise refuse from None
    if "runs" not in tables:  # the table every okrsync store has had from the first schema
        raise refuse
    return True


@functools.cache
def expected_columns(version: int = SCHEMA_VERSION) -> dict[str, tuple[str, ...]]:
    """Table -> columns of the schema at `version`, from the migrations run on an empty db."""
    conn = sqlite3.connect(":memory:")
    try:
        for script in MIGRATIONS[:version]:
            for statement in _statements(script):
                conn.execute(statement)
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: tuple(r[1] for r in conn.execute(f"PRAGMA table_info({t})")) for t in tables}
    finally:
        conn.close()


def schema_problems(conn: sqlite3.Connection) -> list[str]:
    """Tables or columns of okrsync's schema missing from `conn`."""
    problems = []
    for table, columns in expected_columns().items():
        found = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        if not found:
            problems.append(f"table {table} is missing")
        elif missing := [c for c in columns if c not in found]:
            problems.append(f"table {table} lacks {', '.join(missing)}")
    return problems


class RunRecord(Frozen):
    id: str
    source: str
    started: datetime
    ended: datetime | None = None
    outcome: str | None = None
    counts: dict[str, Any] = {}


class LedgerEntry(Frozen):
    target: str
    content_hash: str
    remote_version: str | None = None
    written_at: datetime


NotificationStatus = Literal["pending", "failed", "sent", "given_up"]


class OutboxEntry(Frozen):
    """One message in the notification ledger: queued, failed (to retry), sent or given up.

    `key` is derived from (event, subject, period, channel, destination); `message` is the
    JSON the notifier needs to send it again (a notice and its destination, no secrets).
    """

    key: str
    source: str
    kind: str
    subject: str
    period: str
    channel: str
    destination: str
    status: NotificationStatus
    attempts: int = 0
    message: str
    expires: datetime
    not_before: datetime | None = None
    error: str = ""


class CursorState(Frozen):
    cursor: datetime | None = None
    full_refresh_at: datetime | None = None


def _iso(value: datetime | None) -> str | None:
    """UTC ISO text (naive means UTC), so stored times sort correctly as strings."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def private_file(path: Path) -> None:
    """Create `path` (and its folder, 0700) readable by the owner only, or tighten it if it is
    a regular file okrsync owns; anything else is refused untouched (see okrsync.owned_files)."""
    os.close(open_owned(path, "file"))


def sqlite_uri(path: Path, mode: str) -> str:
    """A `file:` URI for `path` with every character quoted, so `?` and `#` stay in the name."""
    return f"file:{quote(str(path.absolute()))}?mode={mode}"


def _store_error(path: Path, problem: str) -> StateError:
    return StateError(
        f"state store {path} is unreadable: {problem}",
        hint=f"move the file aside (e.g. mv {path} {path}.broken); the next run re-reads "
        "everything and finds its pages again by their markers",
    )


def guarded(method: Callable[P, R]) -> Callable[P, R]:
    """A store method whose database or decoding failures become StateError (exit 7)."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except StateError:
            raise
        except (sqlite3.DatabaseError, ValueError, TypeError, KeyError) as exc:
            store = args[0]
            assert isinstance(store, StateStore)
            what = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
            raise _store_error(store.path, what) from None

    return wrapper


class StateStore:
    """One open state database. Use as a context manager, or call `close()`."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        """Open (creating and migrating) the store at `path`.

        `readonly=True` copies the file into memory (or starts empty when it does not exist),
        so a dry run or a lint can use the same code and leave the file untouched. Before
        anything is opened, the file, its -wal/-shm and its folder are checked (lstat: regular
        files okrsync owns, see okrsync.owned_files) and an existing file must carry okrsync's
        application_id; anything else is refused untouched.
        """
        self.path = path
        self.readonly = readonly
        try:
            self._conn = self._connect(path, readonly)
            try:
                self._migrate()
                self._check_schema()
                if not readonly:
                    self._tighten_companions()
            except BaseException:
                self._conn.close()
                raise
        except sqlite3.DatabaseError as exc:
            raise _store_error(path, str(exc)) from None

    @staticmethod
    def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
        if not readonly:
            private_folder(path.parent)
        existing = check_owned(path, "state file", writable=not readonly)
        for suffix in COMPANIONS:
            check_owned(Path(f"{path}{suffix}"), "state file companion", writable=not readonly)
        if existing is not None and existing.st_size > 0:
            legacy = check_okrsync_file(path)
        else:
            legacy = False
        if readonly:
            memory = sqlite3.connect(":memory:", isolation_level=None)
            if existing is not None and existing.st_size > 0:
                source = sqlite3.connect(sqlite_uri(path, "ro"), uri=True)
                try:
                    source.backup(memory)
                finally:
                    source.close()
            else:
                memory.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            return memory
        os.close(open_owned(path, "state file"))
        conn = sqlite3.connect(sqlite_uri(path, "rw"), uri=True, isolation_level=None, timeout=10)
        try:
            if existing is None or existing.st_size == 0 or legacy:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
        except BaseException:
            conn.close()
            raise
        return conn

    def _tighten_companions(self) -> None:
        """SQLite gives -wal/-shm the database's mode; make sure even if it did not."""
        for suffix in COMPANIONS:
            companion = Path(f"{self.path}{suffix}")
            # By path: closing a descriptor of -shm would drop SQLite's locks on it.
            if check_owned(companion, "state file companion") is not None:
                companion.chmod(FILE_MODE)

    def _check_schema(self) -> None:
        """okrsync's own schema check: every table and column the code reads is there."""
        problems = schema_problems(self._conn)
        if problems:
            raise _store_error(self.path, "; ".join(problems))

    def _migrate(self) -> None:
        version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StateError(
                f"state store {self.path} has schema version {version}, newer than this "
                f"okrsync understands ({SCHEMA_VERSION})",
                hint="upgrade okrsync, or point state_path at a new file",
            )
        for number in range(version, SCHEMA_VERSION):
            with self._transaction() as conn:
                for statement in _statements(MIGRATIONS[number]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number + 1}")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    @guarded
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    @guarded
    def integrity_ok(self) -> bool:
        """True when SQLite's integrity check passes."""
        return bool(self._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")

    def problems(self) -> list[str]:
        """What `doctor` reports: SQLite's integrity check, then okrsync's own schema check
        (tables, columns, and every stored row decodes as the code will read it)."""
        try:
            found = [r[0] for r in self._conn.execute("PRAGMA integrity_check").fetchall()]
        except sqlite3.DatabaseError as exc:
            return [f"integrity check failed: {exc}"]
        if found != ["ok"]:
            return [f"integrity check: {line}" for line in found[:5]]
        problems = schema_problems(self._conn)
        if problems:
            return problems
        sources = [r[0] for r in self._conn.execute("SELECT DISTINCT source FROM records")]
        sources += [r[0] for r in self._conn.execute("SELECT source FROM cursors")]
        readers: list[Callable[[str], object]] = [
            self.cached_records,
            self.cursor,
            self.history,
            self.ledger,
            self.stored_scores,
            self.runs,
        ]
        for source in dict.fromkeys(sources):
            for read in readers:
                try:
                    read(source)
                except StateError as exc:
                    problems.append(exc.message)
                    break
        return problems

    # runs

    @guarded
    def start_run(self, run_id: str, source: str, started: datetime) -> None:
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO runs (id, source, started) VALUES (?, ?, ?)",
                (run_id, source, _iso(started)),
            )

    @guarded
    def finish_run(
        self, run_id: str, source: str, ended: datetime, outcome: str, counts: Mapping[str, Any]
    ) -> None:
        with self._transaction() as conn:
            conn.execute(
                "UPDATE runs SET ended = ?, outcome = ?, counts = ? WHERE id = ? AND source = ?",
                (_iso(ended), outcome, json.dumps(dict(counts), sort_keys=True), run_id, source),
            )

    @guarded
    def runs(self, source: str | None = None, limit: int = 20) -> list[RunRecord]:
        """The latest runs, newest first."""
        sql = "SELECT id, source, started, ended, outcome, counts FROM runs"
        args: tuple[Any, ...] = ()
        if source is not None:
            sql += " WHERE source = ?"
            args = (source,)
        sql += " ORDER BY started DESC, rowid DESC LIMIT ?"
        rows = self._conn.execute(sql, (*args, limit)).fetchall()
        return [
            RunRecord(
                id=r[0],
                source=r[1],
                started=_dt(r[2]) or datetime.min,
                ended=_dt(r[3]),
                outcome=r[4],
                counts=json.loads(r[5] or "{}"),
            )
            for r in rows
        ]

    # key-result value history

    @guarded
    def record_values(self, source: str, observations: Iterable[CheckIn]) -> int:
        """Append each observation whose value or confidence differs from the latest stored.

        Returns how many were appended. Notion keeps only the current value, so this history
        is what trends, stale check-ins and band shares are computed from.
        """
        added = 0
        with self._transaction() as conn:
            for obs in observations:
                last = conn.execute(
                    "SELECT value, confidence FROM kr_values WHERE source = ? AND key_result = ? "
                    "ORDER BY at DESC, rowid DESC LIMIT 1",
                    (source, obs.key_result),
                ).fetchone()
                if last is not None and (last[0], last[1]) == (obs.value, obs.confidence):
                    continue
                conn.execute(
                    "INSERT INTO kr_values (source, key_result, at, value, confidence) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (source, obs.key_result, _iso(obs.at), obs.value, obs.confidence),
                )
                added += 1
        return added

    @guarded
    def history(self, source: str) -> list[CheckIn]:
        """Every recorded value of every key result of `source`, oldest first."""
        rows = self._conn.execute(
            "SELECT key_result, at, value, confidence FROM kr_values WHERE source = ? "
            "ORDER BY at, rowid",
            (source,),
        ).fetchall()
        return [
            CheckIn(key_result=r[0], at=datetime.fromisoformat(r[1]), value=r[2], confidence=r[3])
            for r in rows
        ]

    # the write ledger

    @guarded
    def ledger(self, source: str) -> dict[str, LedgerEntry]:
        rows = self._conn.execute(
            "SELECT target, content_hash, remote_version, written_at FROM ledger WHERE source = ?",
            (source,),
        ).fetchall()
        return {
            r[0]: LedgerEntry(
                target=r[0],
                content_hash=r[1],
                remote_version=r[2],
                written_at=datetime.fromisoformat(r[3]),
            )
            for r in rows
        }

    @guarded
    def record_write(
        self,
        source: str,
        target: str,
        content_hash: str,
        remote_version: str | None,
        written_at: datetime,
    ) -> None:
        """Remember a confirmed write (committed before returning)."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO ledger (source, target, content_hash, remote_version, written_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (source, target) DO UPDATE SET "
                "content_hash = excluded.content_hash, remote_version = excluded.remote_version,"
                " written_at = excluded.written_at",
                (source, target, content_hash, remote_version, _iso(written_at)),
            )

    # cursors and the record cache

    @guarded
    def cursor(self, source: str) -> CursorState:
        row = self._conn.execute(
            "SELECT cursor, full_refresh_at FROM cursors WHERE source = ?", (source,)
        ).fetchone()
        if row is None:
            return CursorState()
        return CursorState(cursor=_dt(row[0]), full_refresh_at=_dt(row[1]))

    @guarded
    def cached_records(self, source: str) -> list[SourceRecord]:
        rows = self._conn.execute(
            "SELECT record FROM records WHERE source = ? ORDER BY collection, external_id",
            (source,),
        ).fetchall()
        return [SourceRecord.model_validate_json(r[0]) for r in rows]

    @guarded
    def save_pull(
        self,
        source: str,
        records: Iterable[SourceRecord],
        *,
        full: bool,
        cursor: datetime | None,
        full_refresh_at: datetime | None,
    ) -> None:
        """Store a complete pull and its cursor in one transaction.

        A full pull replaces the cache; an incremental one upserts its records and deletes the
        trashed ones. `cursor` None keeps the stored cursor; `full_refresh_at` None keeps the
        stored time of the last full refresh.
        """
        redactor = record_redactor()
        with self._transaction() as conn:
            if full:
                conn.execute("DELETE FROM records WHERE source = ?", (source,))
            for rec in records:
                key = (source, rec.collection, rec.external_id)
                if rec.trashed:
                    conn.execute(
                        "DELETE FROM records WHERE source = ? AND collection = ? "
                        "AND external_id = ?",
                        key,
                    )
                    continue
                conn.execute(
                    "INSERT OR REPLACE INTO records "
                    "(source, collection, external_id, record, updated_at) VALUES (?, ?, ?, ?, ?)",
                    (*key, redact_model(rec, redactor).model_dump_json(), _iso(rec.updated_at)),
                )
            old = conn.execute(
                "SELECT cursor, full_refresh_at FROM cursors WHERE source = ?", (source,)
            ).fetchone()
            new_cursor = _iso(cursor) if cursor is not None else (old[0] if old else None)
            new_full = (
                _iso(full_refresh_at) if full_refresh_at is not None else (old[1] if old else None)
            )
            conn.execute(
                "INSERT OR REPLACE INTO cursors (source, cursor, full_refresh_at) VALUES (?, ?, ?)",
                (source, new_cursor, new_full),
            )

    # a connector's lookups

    @guarded
    def lookups(self, source: str) -> dict[str, Any]:
        """What `source`'s connector resolved last run (see `connector.RemembersLookups`)."""
        row = self._conn.execute("SELECT data FROM lookups WHERE source = ?", (source,)).fetchone()
        if row is None:
            return {}
        try:
            data = json.loads(row[0])
        except ValueError:
            return {}  # unreadable: the connector resolves everything again
        return data if isinstance(data, dict) else {}

    @guarded
    def save_lookups(self, source: str, data: Mapping[str, Any], at: datetime) -> None:
        """Replace `source`'s lookups; nothing is written when they are unchanged."""
        text = json.dumps(dict(data), sort_keys=True, separators=(",", ":"))
        with self._transaction() as conn:
            row = conn.execute("SELECT data FROM lookups WHERE source = ?", (source,)).fetchone()
            if row is not None and row[0] == text:
                return
            conn.execute(
                "INSERT OR REPLACE INTO lookups (source, data, saved_at) VALUES (?, ?, ?)",
                (source, text, _iso(at)),
            )

    # scores

    @guarded
    def previous_scores(
        self, source: str, current: Mapping[str, float | None] | None = None
    ) -> dict[str, float]:
        """Per objective or KR: the score it had before its latest change.

        With `current` (this run's scores), the answer is what it will be once `save_scores`
        has stored them: a score changing in this run already shows its change. Without that,
        the review planned in the run of a change would show no change and the next run's
        review would, so every change cost a second review write.
        """
        return previous_scores(self.stored_scores(source), current)

    @guarded
    def stored_scores(self, source: str) -> dict[str, StoredScore]:
        """Per subject of `source`: its stored (score, previous score)."""
        rows = self._conn.execute(
            "SELECT subject, score, previous FROM scores WHERE source = ?", (source,)
        ).fetchall()
        return {subject: (score, previous) for subject, score, previous in rows}

    @guarded
    def save_scores(self, source: str, scores: Mapping[str, float | None], at: datetime) -> int:
        """Store current scores; a score that changed keeps its old value as `previous`.

        Keeping "the value before the last change" (rather than "the value at the last run")
        makes the change shown in reviews stable, so an unchanged workspace plans no writes.
        Returns how many scores changed.
        """
        changed = 0
        with self._transaction() as conn:
            for subject, score in scores.items():
                row = conn.execute(
                    "SELECT score FROM scores WHERE source = ? AND subject = ?", (source, subject)
                ).fetchone()
                if row is None:
                    conn.execute(
                        "INSERT INTO scores (source, subject, score, previous, changed_at) "
                        "VALUES (?, ?, ?, NULL, ?)",
                        (source, subject, score, _iso(at)),
                    )
                elif row[0] != score:
                    conn.execute(
                        "UPDATE scores SET previous = score, score = ?, changed_at = ? "
                        "WHERE source = ? AND subject = ?",
                        (score, _iso(at), source, subject),
                    )
                    changed += 1
        return changed

    # notifications

    _OUTBOX_COLUMNS = (
        "key, source, kind, subject, period, channel, destination, status, attempts, message, "
        "expires, not_before, error"
    )

    @guarded
    def known_notifications(self, keys: Iterable[str]) -> dict[str, NotificationStatus]:
        """The ledger status of each of `keys` that is in it."""
        found: dict[str, NotificationStatus] = {}
        for key in keys:
            row = self._conn.execute(
                "SELECT status FROM notifications WHERE key = ?", (key,)
            ).fetchone()
            if row is not None:
                found[key] = row[0]
        return found

    @guarded
    def enqueue_notifications(self, entries: Iterable[OutboxEntry], at: datetime) -> int:
        """Queue new messages (a key already in the ledger is left alone); how many were new."""
        added = 0
        with self._transaction() as conn:
            for e in entries:
                cursor = conn.execute(
                    f"INSERT OR IGNORE INTO notifications ({self._OUTBOX_COLUMNS}, created, "
                    "updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        e.key,
                        e.source,
                        e.kind,
                        e.subject,
                        e.period,
                        e.channel,
                        e.destination,
                        e.status,
                        e.attempts,
                        e.message,
                        _iso(e.expires),
                        _iso(e.not_before),
                        e.error,
                        _iso(at),
                        _iso(at),
                    ),
                )
                added += cursor.rowcount
        return added

    @guarded
    def open_notifications(self, source: str) -> list[OutboxEntry]:
        """Messages still to send (queued or failed before), oldest first."""
        rows = self._conn.execute(
            f"SELECT {self._OUTBOX_COLUMNS} FROM notifications WHERE source = ? "
            "AND status IN ('pending', 'failed') ORDER BY created, key",
            (source,),
        ).fetchall()
        return [
            OutboxEntry(
                key=r[0],
                source=r[1],
                kind=r[2],
                subject=r[3],
                period=r[4],
                channel=r[5],
                destination=r[6],
                status=r[7],
                attempts=r[8],
                message=r[9],
                expires=datetime.fromisoformat(r[10]),
                not_before=_dt(r[11]),
                error=r[12],
            )
            for r in rows
        ]

    @guarded
    def mark_notification(
        self,
        key: str,
        status: NotificationStatus,
        at: datetime,
        *,
        attempted: bool = True,
        error: str = "",
        not_before: datetime | None = None,
    ) -> None:
        """Record what happened to one message; `sent` is recorded only once accepted."""
        with self._transaction() as conn:
            conn.execute(
                "UPDATE notifications SET status = ?, attempts = attempts + ?, error = ?, "
                "not_before = ?, updated = ? WHERE key = ?",
                (status, int(attempted), error, _iso(not_before), _iso(at), key),
            )

    @guarded
    def health_marks(self, source: str) -> dict[str, str]:
        """The health each objective and key result had when notifications last looked."""
        rows = self._conn.execute(
            "SELECT subject, health FROM health_marks WHERE source = ?", (source,)
        ).fetchall()
        return {r[0]: r[1] for r in rows}

    @guarded
    def save_health_marks(self, source: str, marks: Mapping[str, str], at: datetime) -> None:
        with self._transaction() as conn:
            for subject, health in marks.items():
                conn.execute(
                    "INSERT INTO health_marks (source, subject, health, at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (source, subject) DO UPDATE SET health = excluded.health, "
                    "at = excluded.at WHERE health != excluded.health",
                    (source, subject, health, _iso(at)),
                )


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (no semicolons inside our DDL)."""
    return [s.strip() for s in script.split(";") if s.strip()]
