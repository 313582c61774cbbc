"""Hostile inputs, generated: every file entry point ends in a clean exit, never a traceback, a
hang or a memory blow-up (issue 9, "Tests and figures").

Each entry point (`report --input`, `mapping validate`, `lint` / `sync --dry-run` on a config)
gets its own worker process (tests/reliability/fuzz_inputs.py) that runs the real command line
on hypothesis-generated inputs from a fixed seed, with a 30 s alarm per input and its address
space capped at 1 GiB above its start. `make test` runs 100 inputs per entry point, `make soak`
2 000; the outcome counts go to the figures file RELIABILITY.md quotes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import ROOT, cli_env

ENTRIES = ("report", "mapping", "config")
COUNTS = {"fast": 100, "soak": 2_000}
SEEDS = {"fast": 2026, "soak": 9}


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize(
    "variant",
    [
        pytest.param("fast", marks=pytest.mark.timeout(900)),  # on a busy machine
        pytest.param("soak", marks=[pytest.mark.soak, pytest.mark.timeout(5400)]),
    ],
)
def test_generated_hostile_inputs_end_cleanly(
    tmp_path: Path, figures: Any, entry: str, variant: str
) -> None:
    out = tmp_path / "outcome.json"
    count = COUNTS[variant]
    worker = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.reliability.fuzz_inputs",
            entry,
            str(count),
            str(SEEDS[variant]),
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=cli_env({"FUZZ_TOKEN": "fuzz-token-2b7e"}),
        timeout=60 + count * 2,
    )
    assert worker.returncode == 0, worker.stderr[-3000:]
    result = json.loads(out.read_text())
    counts: dict[str, int] = result["counts"]
    assert result["inputs"] == count
    bad = {k: counts.get(k, 0) for k in ("traceback", "hang", "memory")}
    assert bad == {"traceback": 0, "hang": 0, "memory": 0}, json.dumps(result["samples"])[:4000]
    assert counts.get("exit 2", 0) > 0 and counts.get("accepted", 0) > 0, counts
    figures(
        faults=counts,
        requests={"inputs": count},
        outcome=f"{entry}: {count} inputs (seed {result['seed']}) in {result['seconds']} s, "
        f"slowest {result['slowest_seconds']} s: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
    )
