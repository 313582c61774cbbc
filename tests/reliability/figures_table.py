"""Render the reliability figures (test-artifacts/reliability/figures-*.json) as Markdown.

`python -m tests.reliability.figures_table` prints one table per variant (fast: `make test`,
soak: `make soak`) with each test's result, duration, faults injected, requests made and
outcome, the form RELIABILITY.md quotes them in.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reliability"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        text = ", ".join(f"{k}: {_cell(v)}" for k, v in value.items())
    elif isinstance(value, list):
        text = f"{len(value)} items"
    else:
        text = str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def table(path: Path) -> str:
    """A Markdown table of one figures file."""
    rows = json.loads(path.read_text(encoding="utf-8"))["tests"]
    lines = [
        "| test | result | s | faults injected | requests | outcome |",
        "|---|---|---|---|---|---|",
    ]
    for test in sorted(rows):
        row = rows[test]
        lines.append(
            "| "
            + " | ".join(
                _cell(v)
                for v in (
                    f"`{test}`",
                    row.get("result"),
                    row.get("seconds"),
                    row.get("faults"),
                    row.get("requests"),
                    row.get("outcome"),
                )
            )
            + " |"
        )
    return "\n".join(lines)


def main() -> int:
    for variant in ("fast", "soak"):
        path = ARTIFACTS / f"figures-{variant}.json"
        if path.exists():
            print(f"### {variant}\n\n{table(path)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
