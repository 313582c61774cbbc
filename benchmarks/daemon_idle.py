"""Benchmark 5: what an idle daemon costs.

    python -m benchmarks.daemon_idle --idle-seconds 45

Starts `okrsync daemon` (the real command, in its own process) against a seeded Notion sandbox
with a one-hour interval. The daemon syncs once at start; once it logs its next run, nothing is
due for the rest of the measurement. CPU time (user + system, from /proc/<pid>/stat) and
resident memory (VmRSS, /proc/<pid>/status), threads and open files are sampled at the start
and at the end of the idle period, and the sandbox's request log shows whether anything was
sent meanwhile. Then SIGTERM: the daemon must exit with code 5 (interrupted) at once.
Prints one JSON object. Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

from benchmarks.synthetic import synthetic_workspace
from benchmarks.workbench import Bench, emit, machine

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
INTERVAL_SECONDS = 3600


def sample(pid: int) -> dict[str, float]:
    """CPU seconds used so far, resident and peak memory (MiB), threads and open files."""
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    fields = stat[stat.rindex(")") + 2 :].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    status: dict[str, str] = {}
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition(":")
        status[key] = value.strip()
    return {
        "at": time.monotonic(),
        "cpu_s": cpu,
        "rss_mib": round(int(status["VmRSS"].split()[0]) / 1024, 2),
        "peak_rss_mib": round(int(status["VmHWM"].split()[0]) / 1024, 2),
        "threads": int(status["Threads"]),
        "open_files": sum(1 for _ in Path(f"/proc/{pid}/fd").iterdir()),
    }


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def wait_for(lines: queue.Queue[str], event: str, timeout: float) -> dict[str, Any]:
    """The first JSON log line whose event is `event`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("event") == event:
            return record
    raise TimeoutError(f"the daemon did not log {event!r} within {timeout} s")


def measure(key_results: int, idle_seconds: float, out: Path) -> dict[str, Any]:
    workspace = synthetic_workspace(key_results)
    bench = Bench(
        "notion",
        workspace,
        out,
        options={"requests_per_second": 1000},
        config={
            "schedule": {"interval": INTERVAL_SECONDS, "jitter": 0},
            "logging": {"level": "info", "format": "json"},
        },
    )
    okrsync = Path(sys.executable).with_name("okrsync")
    command = [str(okrsync), "daemon", "--config", str(bench.config_path)]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=bench.env,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    try:
        started = time.monotonic()
        wait_for(lines, "next run", timeout=300)
        first_run_s = time.monotonic() - started
        time.sleep(1.0)  # let the first run's last objects be freed
        mark = bench.log_mark()
        before = sample(proc.pid)
        time.sleep(idle_seconds)
        after = sample(proc.pid)
        idle_requests = bench.log_mark() - mark
        stop_sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        exit_s = time.monotonic() - stop_sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        bench.stop()
    elapsed = after["at"] - before["at"]
    cpu = after["cpu_s"] - before["cpu_s"]
    return {
        "benchmark": "daemon_idle",
        "key_results": len(workspace.key_results),
        "first_run_s": round(first_run_s, 2),
        "idle_s": round(elapsed, 2),
        "idle_cpu_s": round(cpu, 3),
        "idle_cpu_percent": round(100 * cpu / elapsed, 3) if elapsed else None,
        "rss_start_mib": before["rss_mib"],
        "rss_end_mib": after["rss_mib"],
        "rss_growth_mib": round(after["rss_mib"] - before["rss_mib"], 2),
        "peak_rss_mib": after["peak_rss_mib"],
        "threads": [before["threads"], after["threads"]],
        "open_files": [before["open_files"], after["open_files"]],
        "requests_while_idle": idle_requests,
        "sigterm_exit_code": code,
        "sigterm_exit_s": round(exit_s, 3),
        "cpu_clock_resolution_s": round(1 / CLOCK_TICKS, 3),
        "targets_met": {
            "idle_cpu_below_1_percent": elapsed > 0 and cpu / elapsed < 0.01,
            "no_rss_growth_over_1_mib": after["rss_mib"] - before["rss_mib"] <= 1.0,
            "no_requests_while_idle": idle_requests == 0,
            "sigterm_exits_5": code == 5,
        },
        "machine": machine(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--key-results", type=int, default=100)
    parser.add_argument("--idle-seconds", type=float, default=45.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="okrsync-bench-") as tmp:
        emit(measure(args.key_results, args.idle_seconds, Path(tmp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
