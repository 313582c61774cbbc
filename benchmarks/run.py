"""`make bench`: run every benchmark in its own process and collect the JSON they print.

Each benchmark module prints one JSON object per measurement on stdout. The collected results
go to the --out file (benchmarks/results.json); BENCHMARKS.md quotes them with this command.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

NO_VERIFY = ("--option", "verify_before_write=false")
BENCHMARKS: tuple[tuple[str, ...], ...] = (
    # 1. API efficiency, Notion (defaults, then without the read before each output write)
    ("benchmarks.api_notion", "--key-results", "100"),
    ("benchmarks.api_notion", "--key-results", "1000"),
    ("benchmarks.api_notion", "--key-results", "1000", *NO_VERIFY),
    ("benchmarks.api_notion", "--key-results", "10000", *NO_VERIFY),
    # 2. API efficiency, Confluence
    ("benchmarks.api_confluence", "--key-results", "100"),
    ("benchmarks.api_confluence", "--key-results", "1000"),
    ("benchmarks.api_confluence", "--key-results", "10000"),
    # 3. time under Notion's rate limit (3 rps at both ends)
    ("benchmarks.rate_limit", "--key-results", "100"),
    ("benchmarks.rate_limit", "--key-results", "100", "--no-verify-before-write"),
    # 4. compute
    ("benchmarks.compute", "--key-results", "1000"),
    ("benchmarks.compute", "--key-results", "10000"),
    ("benchmarks.compute", "--key-results", "100000"),
    # 5. daemon idle cost
    ("benchmarks.daemon_idle", "--idle-seconds", "45"),
    # 7. charts: drawing them, a first sync with and without, a weekly sync's uploads
    ("benchmarks.charts", "--key-results", "1000"),
)


def run(command: tuple[str, ...]) -> list[dict[str, object]]:
    """Run one benchmark module; its JSON lines, each tagged with the command and wall time."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", *command], capture_output=True, text=True, check=False
    )
    tags = {
        "command": "python -m " + " ".join(command),
        "process_s": round(time.perf_counter() - started, 1),
    }
    if proc.returncode != 0:
        return [{"benchmark": command[0], "error": proc.stderr[-2000:], **tags}]
    return [
        {**json.loads(line), **tags} for line in proc.stdout.splitlines() if line.startswith("{")
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results.json"))
    parser.add_argument("--only", help="run only benchmarks whose module contains this text")
    args = parser.parse_args(argv)
    results: list[dict[str, object]] = []
    for command in BENCHMARKS:
        if args.only and args.only not in command[0]:
            continue
        print("running", " ".join(command), file=sys.stderr, flush=True)
        for result in run(command):
            print(json.dumps(result), flush=True)
            results.append(result)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    failed = [r for r in results if "error" in r]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
