"""Item 14: the daemon over many cycles with 5% mixed faults: memory and open files stay flat.

`okrsync daemon` runs as a subprocess on a 1-second interval against both emulators; every
request has a 5% chance of a 429, a 5xx or a reset, and every 10th cycle people change a key
result so writes keep happening. The test samples the process's resident memory and open file
descriptors from /proc after every finished cycle, then stops it with SIGTERM. The fast
variant runs 10 cycles, the soak 1 000.
"""

from __future__ import annotations

import signal
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from okrsync.errors import ExitCode
from okrsync.sandbox import FaultPlan
from tests.reliability.conftest import Rig, change_values, kill9

MIXED_5 = {"429": 0.015, "500": 0.01, "503": 0.01, "504": 0.005, "reset": 0.01}


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def open_fds(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/fd").iterdir()))


def run_daemon_cycles(rig: Rig, cycles: int, figures: Any) -> None:
    rig.settings["schedule"] = {
        "interval": 1,
        "jitter": 0,
        "backoff_initial": 0.5,
        "backoff_max": 2,
    }
    rig.write_config(notion={"max_retries": 8}, confluence={"max_retries": 8})
    rig.set_faults(FaultPlan(seed=14, rates=MIXED_5, retry_after=0.05))  # type: ignore[arg-type]
    proc = rig.popen("daemon")
    finished = [0]
    failed = [0]
    samples: list[tuple[int, int, int]] = []

    def follow() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            if '"sync finished"' in line:
                finished[0] += 1
                if '"exit_code": 0' not in line:
                    failed[0] += 1
                samples.append((finished[0], rss_kib(proc.pid), open_fds(proc.pid)))

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    try:
        changed = 0
        while finished[0] < cycles:
            assert proc.poll() is None, "the daemon died"
            if finished[0] // 10 > changed:
                changed = finished[0] // 10
                change_values(rig, {f"kr{changed % 24}": float(10 + changed % 40)})
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        code = proc.wait(timeout=30)
        seconds = time.monotonic() - sent
    finally:
        kill9(proc)
    reader.join(timeout=10)
    faults = rig.faults()
    rig.set_faults(None)

    # flat: the last quarter's median memory is within 10% (or 8 MiB) of the second quarter's,
    # and open files do not grow (warm-up in the first quarter is allowed)
    quarter = max(1, len(samples) // 4)
    early = samples[quarter : 2 * quarter]
    late = samples[-quarter:]
    rss_early = statistics.median(s[1] for s in early)
    rss_late = statistics.median(s[1] for s in late)
    fds_early = max(s[2] for s in early)
    fds_late = max(s[2] for s in late)
    # recorded before the final checks, so a failing check still leaves the figures
    figures(
        faults=faults,
        requests=rig.requests(),
        outcome=f"{finished[0]} cycles ({failed[0]} not clean under faults); RSS median "
        f"{rss_early / 1024:.1f} -> {rss_late / 1024:.1f} MiB (first sample "
        f"{samples[0][1] / 1024:.1f}, max {max(s[1] for s in samples) / 1024:.1f}); open fds "
        f"{fds_early} -> {fds_late}; SIGTERM exit {code} in {seconds:.2f} s",
    )
    assert code == ExitCode.INTERRUPTED and seconds < 10
    assert rss_late <= max(rss_early * 1.10, rss_early + 8192), (rss_early, rss_late)
    assert fds_late <= fds_early + 2, (fds_early, fds_late)
    final = rig.sync()
    assert final.exit_code == 0, final.errors
    assert rig.duplicates() == {"notion": 0, "confluence": 0}
    assert rig.sync().writes == 0
    figures(duplicates=0, settled=True)


def test_daemon_cycles_with_mixed_faults(rig: Rig, figures: Any) -> None:
    run_daemon_cycles(rig, 10, figures)


@pytest.mark.soak
@pytest.mark.timeout(3600)
def test_daemon_soak_1000_cycles(rig: Rig, figures: Any) -> None:
    run_daemon_cycles(rig, 1000, figures)
