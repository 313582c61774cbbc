"""Reading a workspace JSON file, with errors that name the file and the field."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from okrsync.errors import ConfigError
from okrsync.input_files import check_tree, parse_guard, read_input
from okrsync.model import Workspace


def validation_problems(exc: ValidationError) -> list[str]:
    """One readable line per pydantic error: `objectives[3].kind: Input should be ...`."""
    lines = []
    for err in exc.errors():
        where = ""
        for part in err["loc"]:
            where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
        lines.append(f"{where or '(top level)'}: {err['msg']}")
    return lines


def load_workspace(path: Path) -> Workspace:
    """Load and validate a workspace JSON file (the documented exchange format).

    The file is read within the input limits and its tree checked (depth, text lengths, finite
    numbers; see okrsync.input_files) before the model sees it, so a hostile file is a
    ConfigError naming the file and the field, never a crash.
    """
    text = read_input(path, "workspace file")
    try:
        with parse_guard(path, "workspace file"):
            data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})",
            hint="fix the JSON syntax at that position",
        ) from None
    check_tree(data, path, "workspace file")
    try:
        return Workspace.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            f"{path}: not a valid okrsync workspace",
            problems=validation_problems(exc),
            hint="see `okrsync schema workspace` for the format",
        ) from None
