"""The files okrsync keeps for itself (the state store, its -wal/-shm, the run lock): checked
with lstat before anything touches them.

okrsync may run as root from cron, with `state_path` taken from a config file. Before it opens,
creates or chmods anything, each path must be absent or a regular file (not a symlink, FIFO,
device or directory) owned by the user okrsync runs as and writable by it; anything else is
refused untouched with a StateError naming the path and the fix. Folders okrsync creates are
0700 and files 0600 whatever the umask. Every open uses O_NOFOLLOW and O_NONBLOCK, so a path
swapped for a symlink or a FIFO between the check and the open is refused too, and nothing
ever blocks on a FIFO.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

from okrsync.errors import StateError

FILE_MODE: Final = 0o600
DIR_MODE: Final = 0o700
_MOVE_ASIDE: Final = (
    "point state_path at a file of its own (okrsync creates it), or remove what is there"
)


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_owned(
    path: Path, what: str = "state file", *, writable: bool = True
) -> os.stat_result | None:
    """The lstat of `path` when it is a regular file okrsync may use; None when absent.

    Raises StateError (nothing touched) for a symlink, FIFO, device, directory, a file of
    another user, or (when okrsync is to write it) a read-only file.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateError(
            f"{what} {path} cannot be examined ({exc.strerror})", hint=_MOVE_ASIDE
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise StateError(
            f"{what} {path} is {_kind(info.st_mode)}; okrsync uses only regular files it owns "
            "and has not touched it",
            hint=_MOVE_ASIDE,
        )
    if info.st_uid != os.geteuid():
        raise StateError(
            f"{what} {path} belongs to user id {info.st_uid}, not to the user okrsync runs as "
            f"({os.geteuid()}); it has not been touched",
            hint=f"run okrsync as the owner of {path}, or {_MOVE_ASIDE}",
        )
    if writable and not info.st_mode & stat.S_IWUSR:
        raise StateError(
            f"{what} {path} is read-only; it has not been touched",
            hint=f"make it writable (chmod 600 {path}) or {_MOVE_ASIDE}",
        )
    return info


def check_folder(folder: Path) -> bool:
    """True when `folder` exists and okrsync can create files in it; False when absent.

    Raises StateError when it is not a directory or not writable.
    """
    try:
        info = folder.stat()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StateError(f"folder {folder} cannot be examined ({exc.strerror})") from None
    if not stat.S_ISDIR(info.st_mode):
        raise StateError(
            f"{folder} is {_kind(info.st_mode)}, not a folder", hint="fix state_path's folder"
        )
    if info.st_uid == os.geteuid():  # by its mode, since root may write anywhere
        writable = info.st_mode & stat.S_IWUSR and info.st_mode & stat.S_IXUSR
    else:
        writable = os.access(folder, os.W_OK | os.X_OK)
    if not writable:
        raise StateError(
            f"folder {folder} is read-only for okrsync; nothing was written",
            hint="make the folder writable for the user okrsync runs as, or point state_path "
            "at another folder",
        )
    return True


def private_folder(folder: Path) -> None:
    """Create `folder` and any missing parents as 0700 (whatever the umask); check it."""
    missing: list[Path] = []
    current = folder
    while not check_folder(current):
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for part in reversed(missing):
        try:
            part.mkdir(DIR_MODE, exist_ok=True)
            part.chmod(DIR_MODE, follow_symlinks=False)  # the umask may have taken bits away
        except OSError as exc:
            raise StateError(f"cannot create folder {part} ({exc.strerror})") from None
    check_folder(folder)


def open_owned(path: Path, what: str = "state file", *, create: bool = True) -> int:
    """A read-write descriptor of `path`, created 0600 if absent (when `create`).

    The file is checked with `check_owned` first and opened without following symlinks or
    blocking; an existing file is tightened to 0600 only after that check passed.
    """
    private_folder(path.parent)
    existing = check_owned(path, what)
    flags = os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    if existing is None:
        if not create:
            raise StateError(f"{what} {path} does not exist")
        flags |= os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(path, flags, FILE_MODE)
    except FileExistsError:  # created meanwhile by another run: check that one
        return open_owned(path, what, create=False)
    except OSError as exc:
        raise StateError(
            f"{what} {path} cannot be opened ({exc.strerror}); it has not been changed",
            hint=_MOVE_ASIDE,
        ) from None
    try:
        info = os.fstat(fd)
        if existing is not None and (info.st_dev, info.st_ino) != (
            existing.st_dev,
            existing.st_ino,
        ):
            raise StateError(f"{what} {path} changed while okrsync opened it", hint=_MOVE_ASIDE)
        if stat.S_IMODE(info.st_mode) != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_head(path: Path, size: int) -> bytes:
    """The first `size` bytes of an owned regular file (checked), without following links."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise StateError(f"{path} is not a regular file", hint=_MOVE_ASIDE)
        return os.pread(fd, size, 0)
    finally:
        os.close(fd)
