"""Benchmark 3: a full Notion sync under Notion's rate limit.

    python -m benchmarks.rate_limit --key-results 100

The Notion emulator limits the average rate to 3 requests per second (answering 429 with
Retry-After beyond it) and the connector keeps its default throttle of 3 requests per second.
A full sync of a fresh workspace then takes at least requests / 3 seconds; the figure is the
ratio of the measured wall time to that bound (target <= 1.15: the sync keeps the budget busy),
with the number of 429s the emulator sent (target 0: the throttle never trips the limit).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.synthetic import synthetic_workspace
from benchmarks.workbench import Bench, emit, machine

NOTION_RPS = 3.0


def measure(
    key_results: int, out: Path, options: dict[str, Any], rps: float = NOTION_RPS
) -> dict[str, Any]:
    workspace = synthetic_workspace(key_results, wide_every=100)
    bench = Bench("notion", workspace, out, options=options)
    try:
        bench.sandbox.set_rate_limit(rps)
        mark = bench.log_mark()
        _, full = bench.sync()
        entries = bench.sandbox.request_log()[mark:]
        requests = len(entries)
        bound = requests / rps
        span = entries[-1].at - entries[0].at if len(entries) > 1 else 0.0
        ratio = full["wall_s"] / bound if bound else 0.0
        return {
            "benchmark": "rate_limit",
            "key_results": len(workspace.key_results),
            "sandbox_limit_rps": rps,
            "connector_options": options,
            "requests": requests,
            "rate_limited_429": full["requests"]["rate_limited_429"],
            "wall_s": full["wall_s"],
            "requests_over_rate_s": round(bound, 3),
            "ratio_wall_to_bound": round(ratio, 3),
            "first_to_last_request_s": round(span, 3),
            "achieved_rps": round(requests / full["wall_s"], 3) if full["wall_s"] else None,
            "writes_applied": full["writes_applied"],
            "outcome": full["outcome"],
            "targets_met": {
                "ratio_le_1_15": ratio <= 1.15,
                "no_429": full["requests"]["rate_limited_429"] == 0,
            },
            "machine": machine(),
        }
    finally:
        bench.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--key-results", type=int, default=100)
    parser.add_argument(
        "--rps", type=float, default=NOTION_RPS, help="the limit at both ends (Notion: 3)"
    )
    parser.add_argument(
        "--no-verify-before-write",
        action="store_true",
        help="connector option verify_before_write=false (one request per output write)",
    )
    args = parser.parse_args(argv)
    # Explicit: the demo's config writer raises the rate for its own unlimited sandboxes.
    options: dict[str, Any] = {"requests_per_second": args.rps}
    if args.no_verify_before_write:
        options["verify_before_write"] = False
    with tempfile.TemporaryDirectory(prefix="okrsync-bench-") as tmp:
        emit(measure(args.key_results, Path(tmp), options, args.rps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
