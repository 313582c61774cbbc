"""Reading a workspace JSON file, with errors that name the file and the field."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from okrsync.errors import ConfigError
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
    """Load and validate a workspace JSON file (the documented exchange format)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such file", hint="give the path of a workspace JSON file"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})",
            hint="fix the JSON syntax at that position",
        ) from None
    try:
        return Workspace.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            f"{path}: not a valid okrsync workspace",
            problems=validation_problems(exc),
            hint="see `okrsync schema workspace` for the format",
        ) from None
