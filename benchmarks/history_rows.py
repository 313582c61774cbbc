"""Benchmark: new check-in rows of a weekly sync (Notion sandbox, docs/history.md).

    python -m benchmarks.history_rows --key-results 1000 --changed 0.10

Seeds a synthetic workspace with a check-ins database, syncs it (the first sync writes one row
per key result with a value), lets the syncs settle, then a week later a person changes
`--changed` of the key results and okrsync syncs again: the rows it appends must be exactly one
per changed key result (the minimum), and the repeat sync appends none and does not query the
check-ins database. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.api_notion import change_key_results
from benchmarks.synthetic import synthetic_workspace
from benchmarks.workbench import Bench, emit, machine

WEEK_SECONDS = 7 * 24 * 3600.0
SETTLE_SECONDS = 180.0


def measure(key_results: int, changed: float, out: Path) -> dict[str, Any]:
    workspace = synthetic_workspace(key_results, wide_every=100)
    bench = Bench("notion", workspace, out, options={"requests_per_second": 1000.0})
    try:
        _, first = bench.sync()
        bench.clock.advance(SETTLE_SECONDS)
        bench.sync()
        bench.clock.advance(SETTLE_SECONDS)
        bench.sync()
        bench.clock.advance(WEEK_SECONDS)
        edited = change_key_results(bench, workspace, changed)
        _, weekly = bench.sync()
        bench.clock.advance(SETTLE_SECONDS)
        _, settled = bench.sync()
        _, repeat = bench.sync()
        rows = weekly["by_endpoint"].get("pages.create", 0)
        return {
            "benchmark": "history_rows",
            "key_results": len(workspace.key_results),
            "changed_key_results": len(edited),
            "first_sync_rows": first["by_endpoint"].get("pages.create", 0),
            "weekly_sync": weekly,
            "weekly_rows": rows,
            "rows_over_minimum": round(rows / max(1, len(edited)), 3),
            "settled_rows": settled["by_endpoint"].get("pages.create", 0),
            "repeat": repeat,
            "repeat_queries": repeat["by_endpoint"].get("data_sources.query", 0),
            "machine": machine(),
        }
    finally:
        bench.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--key-results", type=int, default=1000)
    parser.add_argument("--changed", type=float, default=0.10, help="share of key results moved")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        emit(measure(args.key_results, args.changed, Path(folder)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
