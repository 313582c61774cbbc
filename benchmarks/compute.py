"""Benchmark 4: evaluate and check N key results, against building the workspace; peak memory.

Run one size per process so peak RSS belongs to that size alone:
    python -m benchmarks.compute --key-results 100000
Prints one JSON object. The target is a ratio measured in one run, `(evaluate_s + rules_s) /
build_workspace_s`: what scoring and checking cost next to building the validated workspace
they read. Each phase is timed in wall seconds and in CPU seconds of this process; on a shared
machine the CPU ratio (`cpu_ratio`) is the steadier figure, since other processes' load lands
unevenly on the phases' wall times. `--no-gc` (a diagnostic) turns Python's cyclic garbage
collector off for evaluate and rules, to show how much of the growth with size is its scans of
the live heap.

`floor_us_per_key_result` is what merely reading the model costs at that size: one pass that
reads each key result's fields and looks up its objective by id, nothing else, the collector
off, run after the timed phases (so it warms nothing for them). Its growth from 10 000 to
100 000 key results is the memory's, not an algorithm's: the yardstick for the growth of
`us_per_key_result` (BENCHMARKS.md 6.10).
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import time
from datetime import date

from benchmarks.synthetic import synthetic_workspace
from okrsync.gc_pause import collector_paused
from okrsync.model import Workspace
from okrsync.rules import RuleSettings, check
from okrsync.scoring import evaluate


def _clocks() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def floor_pass(workspace: Workspace) -> float:
    """CPU seconds of one read of every key result and its objective (see the module doc)."""
    objectives = {o.id: o for o in workspace.objectives}
    with collector_paused():
        start = time.process_time()
        seen = 0
        for key_result in workspace.key_results:
            objective = objectives.get(key_result.objective)
            if objective is not None and objective.cycle and key_result.title:
                seen += key_result.current is not None
        return time.process_time() - start


def measure(key_results: int, *, collect: bool = True) -> dict[str, float | int | bool]:
    build_start = _clocks()
    workspace = synthetic_workspace(key_results)
    built = _clocks()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if not collect:
        gc.disable()
    evaluation = evaluate(workspace, date(2025, 8, 15))
    scored = _clocks()
    findings = check(workspace, evaluation, RuleSettings())
    done = _clocks()
    gc.enable()
    floor = min(floor_pass(workspace) for _ in range(3))
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall = [b[0] - a[0] for a, b in ((build_start, built), (built, scored), (scored, done))]
    cpu = [b[1] - a[1] for a, b in ((build_start, built), (built, scored), (scored, done))]
    return {
        "key_results": len(workspace.key_results),
        "objectives": len(workspace.objectives),
        "findings": len(findings),
        "gc": collect,
        "build_workspace_s": round(wall[0], 3),
        "evaluate_s": round(wall[1], 3),
        "rules_s": round(wall[2], 3),
        "total_s": round(wall[1] + wall[2], 3),
        "ratio": round((wall[1] + wall[2]) / wall[0], 2),
        "build_workspace_cpu_s": round(cpu[0], 3),
        "evaluate_cpu_s": round(cpu[1], 3),
        "rules_cpu_s": round(cpu[2], 3),
        "cpu_ratio": round((cpu[1] + cpu[2]) / cpu[0], 2),
        "us_per_key_result": round((cpu[1] + cpu[2]) / len(workspace.key_results) * 1e6, 1),
        "floor_us_per_key_result": round(floor / len(workspace.key_results) * 1e6, 3),
        "peak_rss_mib": round(rss_after / 1024, 1),
        "rss_growth_during_evaluation_mib": round((rss_after - rss_before) / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--key-results", type=int, default=10_000)
    parser.add_argument(
        "--no-gc", action="store_true", help="diagnostic: no cyclic GC during evaluate and rules"
    )
    args = parser.parse_args(argv)
    result = measure(args.key_results, collect=not args.no_gc)
    print(json.dumps({"benchmark": "compute", **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
