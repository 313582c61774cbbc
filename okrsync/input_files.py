"""The files people hand okrsync (workspace JSON, mapping YAML, okrsync.toml): read with limits,
and their parsed trees checked before any model or renderer sees them.

Every problem is a ConfigError (exit 2) naming the file and, where there is one, the field:
- `read_input` refuses what is not a regular file (a FIFO would block), files larger than
  OKRSYNC_MAX_INPUT_BYTES (default 256 MiB) and text that is not UTF-8;
- `check_tree` refuses nesting deeper than MAX_DEPTH, texts longer than OKRSYNC_MAX_TEXT_CHARS
  (default 100 000 characters: a title, a note) and numbers that are not finite or beyond
  +-1e15 (sums of those overflow), and replaces lone surrogates (which no encoder accepts)
  with U+FFFD;
- `parse_guard` turns a parser's RecursionError (nesting deeper than Python's stack) into the
  same error.
Both limits are generous for real workspaces and can be raised through the environment.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from okrsync.errors import ConfigError
from okrsync.redaction import LONE_SURROGATE

MAX_INPUT_BYTES_ENV: Final = "OKRSYNC_MAX_INPUT_BYTES"
MAX_TEXT_CHARS_ENV: Final = "OKRSYNC_MAX_TEXT_CHARS"
DEFAULT_MAX_INPUT_BYTES: Final = 256 * 1024 * 1024
DEFAULT_MAX_TEXT_CHARS: Final = 100_000
MAX_DEPTH: Final = 64
"""Nesting levels any input may have (real ones use fewer than 10)."""
MAX_MAGNITUDE: Final = 1e15


def _limit(name: str, default: int, env: Mapping[str, str] | None = None) -> int:
    raw = (os.environ if env is None else env).get(name, "")
    try:
        value = int(raw) if raw else default
    except ValueError:
        raise ConfigError(
            f"{name}={raw!r} is not a whole number", hint=f"set {name} to a number, or unset it"
        ) from None
    return value if value > 0 else default


def max_input_bytes(env: Mapping[str, str] | None = None) -> int:
    return _limit(MAX_INPUT_BYTES_ENV, DEFAULT_MAX_INPUT_BYTES, env)


def max_text_chars(env: Mapping[str, str] | None = None) -> int:
    return _limit(MAX_TEXT_CHARS_ENV, DEFAULT_MAX_TEXT_CHARS, env)


def read_input(path: Path, what: str, *, missing_hint: str = "check the path") -> str:
    """The UTF-8 text of `path`; ConfigError naming the file for anything else."""
    limit = max_input_bytes()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise ConfigError(
            f"{what} {path} does not exist (no such file)", hint=missing_hint
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ConfigError(f"{what} {path} is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(
                f"{what} {path} is not a regular file", hint="give the path of a file"
            )
        if info.st_size > limit:
            raise ConfigError(
                f"{what} {path} is {info.st_size} bytes, more than the limit of {limit}",
                hint=f"raise the limit with {MAX_INPUT_BYTES_ENV}=<bytes> if the file is right",
            )
        chunks = []
        size = 0
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
            if size > limit:  # grew while read
                raise ConfigError(
                    f"{what} {path} is more than the limit of {limit} bytes",
                    hint=f"raise the limit with {MAX_INPUT_BYTES_ENV}=<bytes>",
                )
            chunks.append(chunk)
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{path}:{line}: the {what} is not UTF-8 text ({exc.reason} at byte {exc.start})",
            hint="save the file as UTF-8",
        ) from None


@contextmanager
def parse_guard(path: Path | str, what: str) -> Iterator[None]:
    """Turn a parser's RecursionError into a ConfigError naming the file."""
    try:
        yield
    except RecursionError:
        raise ConfigError(
            f"{path}: the {what} is nested too deeply to read (more than {MAX_DEPTH} levels)",
            hint="flatten the file; real ones nest fewer than 10 levels",
        ) from None


def _where(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def check_tree(data: Any, source: Path | str, what: str) -> Any:
    """`data` (parsed JSON/TOML/YAML) checked and cleaned; ConfigError listing every problem."""
    text_limit = max_text_chars()
    problems: list[str] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack and len(problems) < 20:
        node, path = stack.pop()
        if len(path) > MAX_DEPTH:
            problems.append(
                f"{_where(path[:8])}...: nested deeper than {MAX_DEPTH} levels (flatten it)"
            )
            continue
        if isinstance(node, dict):
            for key in list(node):
                value = node[key]
                if isinstance(key, str) and LONE_SURROGATE.search(key):
                    del node[key]
                    key = LONE_SURROGATE.sub("\ufffd", key)
                    node[key] = value
                if isinstance(value, str):
                    node[key] = _text(value, (*path, str(key)), text_limit, problems)
                else:
                    stack.append((value, (*path, str(key))))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, str):
                    node[i] = _text(value, (*path, i), text_limit, problems)
                else:
                    stack.append((value, (*path, i)))
        elif isinstance(node, float) and not (math.isfinite(node) and abs(node) <= MAX_MAGNITUDE):
            problems.append(
                f"{_where(path)}: {node!r} is not a finite number within +-{MAX_MAGNITUDE:g}"
            )
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > MAX_MAGNITUDE:
            problems.append(f"{_where(path)}: {node} is beyond +-{MAX_MAGNITUDE:g}")
    if problems:
        raise ConfigError(
            f"{source}: the {what} has values okrsync cannot use",
            problems=problems,
            hint=f"correct the fields listed (texts are limited by {MAX_TEXT_CHARS_ENV})",
        )
    return data


def _text(value: str, path: tuple[str | int, ...], limit: int, problems: list[str]) -> str:
    if len(value) > limit:
        problems.append(
            f"{_where(path)}: a text of {len(value)} characters, more than {limit} "
            f"(raise {MAX_TEXT_CHARS_ENV} if it is right)"
        )
        return value[:0]
    return LONE_SURROGATE.sub("\ufffd", value) if LONE_SURROGATE.search(value) else value
