"""Items 5-7: kill -9 at every write point, SIGTERM at random moments, overlapping starts.

okrsync runs as a subprocess (as cron runs it) while the emulators run in the test process,
so the test decides from the server side exactly when the process dies: a `WriteGate` holds
the N-th write before or after the server applies it, the test sends SIGKILL, and a resumed
run must then reach the oracle with an intact state store and no duplicate page.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from okrsync.errors import ExitCode
from okrsync.sandbox import FaultPlan
from tests.reliability.conftest import Baseline, Rig, diff_keys, kill9, wait_for
from tests.reliability.server_control import WriteGate

SOAK = pytest.mark.soak


def integrity(state_path: Path) -> str:
    """`PRAGMA integrity_check` of the state store, read-only."""
    with sqlite3.connect(f"file:{state_path}?mode=ro", uri=True) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def kill_at_write(rig: Rig, baseline: Baseline, source: str, n: int, moment: str) -> dict[str, Any]:
    """Kill okrsync at the n-th write of `source` (`moment` it is applied), then resume."""
    gate = WriteGate(rig.sandboxes[source], source, n, moment)  # type: ignore[arg-type]
    proc = rig.popen("sync", "--json")
    try:
        assert gate.reached.wait(60), f"write {n} of {source} never came"
    finally:
        kill9(proc)
        gate.release()
    assert proc.returncode == -signal.SIGKILL
    assert integrity(rig.state_path) == "ok"
    resumed = rig.sync()
    assert resumed.exit_code == 0, resumed.errors
    assert integrity(rig.state_path) == "ok"
    assert rig.duplicates() == {"notion": 0, "confluence": 0}
    assert diff_keys(rig.snapshot(), baseline.snapshot) == []
    again = rig.sync()
    assert again.exit_code == 0 and again.writes == 0, again.errors
    return {"held": gate.held, "resumed_writes": resumed.writes}


def write_points(baseline: Baseline, every: bool) -> list[tuple[str, int, str]]:
    """(source, n, moment) kill points: every one for the soak, four for the fast run."""
    totals = baseline.write_requests
    if every:
        return [
            (source, n, moment)
            for source, total in totals.items()
            for n in range(1, total + 1)
            for moment in ("before", "after")
        ]
    return [
        ("notion", 1, "before"),  # the first output write
        ("notion", totals["notion"], "after"),  # the last write: the review marker's hash
        ("confluence", 1, "after"),
        ("confluence", (totals["confluence"] + 1) // 2, "before"),
    ]


def run_kill_points(tmp_path: Path, baseline: Baseline, figures: Any, every: bool) -> None:
    from tests.reliability.conftest import build_rig

    done = []
    for index, (source, n, moment) in enumerate(write_points(baseline, every)):
        rig = build_rig(tmp_path / f"k{index}")
        try:
            outcome = kill_at_write(rig, baseline, source, n, moment)
        finally:
            rig.stop()
        done.append(
            f"{source}#{n}/{moment}: {outcome['held']} "
            f"-> resumed {outcome['resumed_writes']} writes"
        )
    figures(
        faults={"kill -9": len(done)},
        requests={"write points (baseline)": baseline.write_requests},
        outcome="every resumed run reached the oracle, integrity ok, 0 duplicates",
        points=done,
    )


def test_kill_9_at_sampled_write_points(tmp_path: Path, baseline: Baseline, figures: Any) -> None:
    run_kill_points(tmp_path, baseline, figures, every=False)


@SOAK
def test_kill_9_at_every_write_point(tmp_path: Path, baseline: Baseline, figures: Any) -> None:
    run_kill_points(tmp_path, baseline, figures, every=True)


def sigterm_at(rig: Rig, after_requests: int) -> tuple[int, float, str]:
    """SIGTERM okrsync once the emulators have seen `after_requests` requests; (code, seconds)."""
    proc = rig.popen("sync", "--json")
    try:
        wait_for(
            lambda: sum(rig.requests().values()) >= after_requests or proc.poll() is not None, 60
        )
        proc.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        out, err = proc.communicate(timeout=30)
        return proc.returncode, time.monotonic() - sent, out + err[-3000:]
    finally:
        if proc.poll() is None:
            kill9(proc)


def run_sigterms(tmp_path: Path, baseline: Baseline, figures: Any, count: int) -> None:
    from tests.reliability.conftest import build_rig

    rng = random.Random(6)
    total = sum(baseline.requests.values())
    results = []
    for index in range(count):
        rig = build_rig(tmp_path / f"t{index}")
        try:
            # slow writes widen the window in which a signal lands mid-write
            rig.set_faults(
                FaultPlan(
                    seed=index,
                    rates={"slow": 0.3},
                    methods=("PATCH", "PUT", "POST"),
                    slow_seconds=0.2,
                )
            )
            at = rng.randint(1, total)
            code, seconds, output = sigterm_at(rig, at)
            assert seconds < 10
            assert code in (ExitCode.INTERRUPTED, ExitCode.OK), output
            rig.set_faults(None)
            assert integrity(rig.state_path) == "ok"
            resumed = rig.sync()
            assert resumed.exit_code == 0, resumed.errors
            assert rig.duplicates() == {"notion": 0, "confluence": 0}
            assert diff_keys(rig.snapshot(), baseline.snapshot) == []
            results.append((at, code, round(seconds, 2)))
        finally:
            rig.stop()
    figures(
        faults={"SIGTERM": count},
        requests={"signal after request #": [r[0] for r in results]},
        outcome=f"exit codes {sorted({int(r[1]) for r in results})}, "
        f"slowest exit {max(r[2] for r in results)} s; every resume reached the oracle",
    )


def test_sigterm_at_random_moments(tmp_path: Path, baseline: Baseline, figures: Any) -> None:
    run_sigterms(tmp_path, baseline, figures, count=3)


@SOAK
def test_sigterm_at_random_moments_soak(tmp_path: Path, baseline: Baseline, figures: Any) -> None:
    run_sigterms(tmp_path, baseline, figures, count=30)


def test_ten_overlapping_starts_then_the_lock_frees_on_kill(
    rig: Rig, baseline: Baseline, figures: Any
) -> None:
    # every write answers after 0.3 s, so the one run that got the lock holds it for seconds
    rig.set_faults(
        FaultPlan(
            seed=1,
            rates={"slow": 1.0},
            methods=("PATCH", "PUT", "POST"),
            paths=("/v1/pages",),
            slow_seconds=0.3,
        )
    )
    procs = [rig.popen("sync", "--json") for _ in range(10)]
    codes = [p.wait(timeout=120) for p in procs]
    for p in procs:
        p.communicate(timeout=10)
    assert sorted(codes) == [0] + [int(ExitCode.LOCKED)] * 9, codes
    assert rig.duplicates() == {"notion": 0, "confluence": 0}

    holder = rig.popen("sync", "--json")
    rig_writes = sum(rig.requests().values())
    wait_for(lambda: sum(rig.requests().values()) > rig_writes + 3, 30)
    kill9(holder)
    rig.set_faults(None)
    code, summary, _ = rig.cli_sync()
    assert code == 0, summary.get("errors")
    assert diff_keys(rig.snapshot(), baseline.snapshot) == []
    figures(
        faults={"overlapping starts": 10, "kill -9 of the holder": 1},
        requests=rig.requests(),
        outcome=f"exit codes {sorted(codes)}; after kill -9 the next run got the lock "
        f"and exited {code}",
    )
