"""The run lock: one okrsync run per state store at a time.

A `filelock` on `<state>.lock`, a file apart from the database so that SQLite's own locking is
never involved. The lock is taken without waiting: an overlapping run (cron firing while the
last run is still going, a daemon and a manual run) exits at once with LockedError. The OS
releases the lock when its holder dies, even on kill -9.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from okrsync.errors import LockedError
from okrsync.state import FILE_MODE, private_file


def lock_path_for(state_path: Path) -> Path:
    """The lock file that guards `state_path`."""
    return Path(f"{state_path}.lock")


@contextmanager
def run_lock(state_path: Path) -> Iterator[Path]:
    """Hold the lock for `state_path` for the duration of the block; yields the lock path."""
    path = lock_path_for(state_path)
    private_file(path)
    lock = FileLock(path, timeout=0, mode=FILE_MODE, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise LockedError(
            f"another okrsync run holds the lock {path}",
            hint="wait for it to finish (the lock is released as soon as that process exits); "
            "cron and the daemon should not both run the same config",
        ) from None
    try:
        yield path
    finally:
        lock.release()
