"""Benchmark 4: evaluate and check N key results; wall time and peak memory.

Run one size per process so peak RSS belongs to that size alone:
    python -m benchmarks.compute --key-results 100000
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from datetime import date

from benchmarks.synthetic import synthetic_workspace
from okrsync.rules import RuleSettings, check
from okrsync.scoring import evaluate


def measure(key_results: int) -> dict[str, float | int]:
    build_start = time.perf_counter()
    workspace = synthetic_workspace(key_results)
    build_s = time.perf_counter() - build_start
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    evaluation = evaluate(workspace, date(2025, 8, 15))
    scored = time.perf_counter()
    findings = check(workspace, evaluation, RuleSettings())
    done = time.perf_counter()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "key_results": len(workspace.key_results),
        "objectives": len(workspace.objectives),
        "findings": len(findings),
        "build_workspace_s": round(build_s, 3),
        "evaluate_s": round(scored - start, 3),
        "rules_s": round(done - scored, 3),
        "total_s": round(done - start, 3),
        "peak_rss_mib": round(rss_after / 1024, 1),
        "rss_growth_during_evaluation_mib": round((rss_after - rss_before) / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--key-results", type=int, default=10_000)
    args = parser.parse_args(argv)
    print(json.dumps({"benchmark": "compute", **measure(args.key_results)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
