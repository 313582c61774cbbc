"""An emulator's whole state as one JSON file (`okrsync sandbox serve` keeps it across runs).

The file is written next to its final name and renamed into place, so an interrupted save
leaves the previous state intact. Key order is kept as stored (creation order matters to
listings that answer in creation order).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def save_state(path: Path, state: dict[str, Any]) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(state, indent=1), encoding="utf-8")
    partial.replace(path)


def load_state(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a sandbox state file (expected a JSON object)")
    return data
