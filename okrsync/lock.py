"""The run lock: one okrsync run per state store at a time.

A `filelock` on `<state>.lock`, a file apart from the database so that SQLite's own locking is
never involved. The lock is keyed on the real file, not on the path text: the lock file sits
beside the state file's resolved path (so a folder reached through a symlink is the same
folder), and once the state file exists the run also holds a `flock` on the state file itself
(so two paths to the same device and inode, hard links included, exclude each other). Both
are checked with lstat like the state file (okrsync.owned_files) before they are touched.

The lock is taken without waiting: an overlapping run (cron firing while the last run is still
going, a daemon and a manual run) exits at once with LockedError. The OS releases the lock when
its holder dies, even on kill -9. (Linux keeps flock and SQLite's fcntl locks apart, and the
descriptor is closed only after the store is closed.)
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from okrsync.errors import LockedError
from okrsync.owned_files import FILE_MODE, check_owned, open_owned, private_folder


def real_path(state_path: Path) -> Path:
    """`state_path` with its folder's symlinks resolved (the file itself is never followed)."""
    folder = state_path.expanduser().absolute().parent
    return folder.resolve() / state_path.name


def lock_path_for(state_path: Path) -> Path:
    """The lock file that guards `state_path` (beside its real path)."""
    return Path(f"{real_path(state_path)}.lock")


def _locked(path: Path) -> LockedError:
    return LockedError(
        f"another okrsync run holds the lock {path}",
        hint="wait for it to finish (the lock is released as soon as that process exits); "
        "cron and the daemon should not both run the same config",
    )


@contextmanager
def run_lock(state_path: Path) -> Iterator[Path]:
    """Hold the lock for `state_path` for the duration of the block; yields the lock path."""
    path = lock_path_for(state_path)
    private_folder(path.parent)
    os.close(open_owned(path, "lock file"))
    lock = FileLock(path, timeout=0, mode=FILE_MODE, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise _locked(path) from None
    with ExitStack() as stack:
        stack.callback(lock.release)
        stack.enter_context(_inode_lock(real_path(state_path)))
        yield path


@contextmanager
def _inode_lock(state_file: Path) -> Iterator[None]:
    """A flock on the state file itself, when it exists: the same inode by any name."""
    if check_owned(state_file, "state file") is None:
        yield
        return
    fd = os.open(state_file, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _locked(state_file) from None
        yield
    finally:
        os.close(fd)
