"""The harness the API benchmarks share: a seeded sandbox, an okrsync.toml for it, measured syncs.

A `Bench` starts one emulator (found through the `okrsync.sandboxes` entry points, as the demo
does), seeds it with a synthetic workspace, writes a config the real engine loads, and runs
`okrsync.sync.run_sync` against it. Each sync is measured from both ends: the requests the
sandbox logged (the authority: every HTTP request that reached the "vendor", with its status)
and the connector's own per-endpoint counts from the sync summary.

Time: the sandbox's page timestamps and the engine's clock share one `ShiftedClock` (wall time
plus an offset), so a benchmark can let "three minutes pass" between two syncs without waiting,
which is how the steady state after the one-minute incremental overlap is measured.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import tomli_w

from okrsync.config import load_config
from okrsync.demo.environment import config_document
from okrsync.model import KeyResult, Workspace
from okrsync.sandbox import Sandbox, SeedResult, load_sandbox
from okrsync.sync import SyncSummary, run_sync


@dataclass
class ShiftedClock:
    """Wall time plus an offset that only grows; `advance` simulates time passing at once."""

    offset: timedelta = field(default_factory=timedelta)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def epoch(self) -> float:
        return time.time() + self.offset.total_seconds()

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


def machine() -> dict[str, Any]:
    """What the figures were measured on (cores, CPU model, Python)."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import platform

    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }


def ceil_div(count: int, size: int) -> int:
    return math.ceil(count / size) if count > 0 else 0


class Bench:
    """One seeded sandbox and the okrsync config that syncs it; see the module docstring."""

    def __init__(
        self,
        source: str,
        workspace: Workspace,
        out: Path,
        *,
        options: dict[str, Any] | None = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        """Start and seed the emulator; `options` extend the seeded connector options and
        `config` replaces top-level tables of the written okrsync.toml (e.g. `schedule`)."""
        self.source = source
        self.clock = ShiftedClock()
        self.sandbox: Sandbox = load_sandbox(source)(port=0)
        self._share_clock()
        self.sandbox.start()
        started = time.perf_counter()
        seed = self.sandbox.seed(workspace)
        self.seed_seconds = time.perf_counter() - started
        self.seed: SeedResult = seed.model_copy(
            update={"options": {**seed.options, **(options or {})}}
        )
        out.mkdir(parents=True, exist_ok=True)
        (out / "state.db").unlink(missing_ok=True)
        document = config_document({source: self.seed}, out)
        # The workload BENCHMARKS.md measures: one review page per cycle, whatever the demo
        # writes (it adds a page per team, which would change every request count here).
        document["sources"][source]["writeback"]["per_team"] = False
        document["logging"] = {"level": "error", "format": "json"}
        document.update(config or {})
        self.config_path = out / "okrsync.toml"
        self.config_path.write_text(tomli_w.dumps(document), encoding="utf-8")
        self.config = load_config(self.config_path)
        self.env = {**os.environ, **self.seed.env}

    def _share_clock(self) -> None:
        """Point the emulator's one clock (page timestamps, `Date`, rate limit) at the shared
        clock: real time plus the offset `advance` adds."""
        set_clock = getattr(self.sandbox, "set_clock", None)
        if set_clock is not None:
            set_clock(self.clock.epoch)

    def stop(self) -> None:
        self.sandbox.stop()

    def log_mark(self) -> int:
        return len(self.sandbox.request_log())

    def requests_since(self, mark: int) -> dict[str, Any]:
        """Requests the sandbox logged after `mark`: total, by status, and 429s."""
        entries = self.sandbox.request_log()[mark:]
        statuses = Counter(str(e.status) for e in entries)
        writes = [e.path for e in entries if e.method not in ("GET", "HEAD")]
        return {
            "total": len(entries),
            "by_status": dict(sorted(statuses.items())),
            "rate_limited_429": statuses.get("429", 0),
            # What must not be rewritten when unchanged (Confluence content properties such as
            # the review marker or a check-in log; attachments such as charts; Notion uploads).
            "property_writes": sum(1 for p in writes if "/property" in p),
            "attachment_writes": sum(1 for p in writes if "attachment" in p or "file_upload" in p),
        }

    def sync(
        self, *, full: bool = False, dry_run: bool = False
    ) -> tuple[SyncSummary, dict[str, Any]]:
        """Run one sync; returns the summary and its measured figures."""
        mark = self.log_mark()
        started = time.perf_counter()
        summary = run_sync(
            self.config, full=full, dry_run=dry_run, env=self.env, clock=self.clock.now
        )
        wall = time.perf_counter() - started
        src = summary.sources[self.source]
        figures: dict[str, Any] = {
            "wall_s": round(wall, 3),
            "outcome": summary.outcome,
            "full_pull": src.full,
            "records_pulled": src.reads,
            "planned_writes": src.planned_writes,
            "writes_applied": src.writes,
            "writes_skipped_by_ledger": src.skipped_writes,
            "writes_unchanged_at_remote": src.unchanged_writes,
            "writes_failed": src.failed_writes,
            "requests": self.requests_since(mark),
            "by_endpoint": dict(src.requests.get("by_endpoint", {})),
            "errors": summary.errors[:5],
        }
        print(
            f"  {self.source}: sync full={full} dry_run={dry_run}: {wall:.1f} s, "
            f"{figures['requests']['total']} requests, {src.writes} writes",
            file=sys.stderr,
            flush=True,
        )
        return summary, figures


def applied_targets(summary: SyncSummary) -> set[str]:
    """Targets of the writes a sync applied."""
    return {
        o.target
        for s in summary.sources.values()
        for o in s.write_outcomes
        if o.status == "applied"
    }


def planned_targets(summary: SyncSummary) -> set[str]:
    """Targets a (dry) run would write: planned and not skipped by the ledger."""
    return {
        o.target
        for s in summary.sources.values()
        for o in s.write_outcomes
        if o.status != "skipped"
    }


def parse_options(pairs: list[str]) -> dict[str, Any]:
    """`KEY=JSON` pairs (a bare word is kept as a string) as a dict of connector options."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, _, raw = pair.partition("=")
        try:
            options[key] = json.loads(raw)
        except ValueError:
            options[key] = raw
    return options


def emit(result: dict[str, Any]) -> None:
    """Print one benchmark result as one JSON line (what benchmarks.run collects)."""
    print(json.dumps(result, default=str), flush=True)


WEEK_SECONDS = 7 * 24 * 3600.0


def chart_uploads(bench: Bench, mark: int) -> int:
    """Chart uploads the sandbox logged after `mark`: Notion file uploads created (each also
    sent: two requests), Confluence attachments created or updated."""
    entries = bench.sandbox.request_log()[mark:]
    if bench.source == "notion":
        return sum(1 for e in entries if e.method == "POST" and e.path.endswith("/file_uploads"))
    return sum(1 for e in entries if e.method in ("PUT", "POST") and "/child/attachment" in e.path)


def applied_by_kind(summary: SyncSummary) -> dict[str, int]:
    """Writes a sync applied, by kind (properties: outputs, row: check-in rows or logs, page:
    review pages)."""
    counts = Counter(
        o.kind for s in summary.sources.values() for o in s.write_outcomes if o.status == "applied"
    )
    return dict(sorted(counts.items()))


def weekly_writes(
    bench: Bench,
    summary: SyncSummary,
    figures: dict[str, Any],
    mark: int,
    *,
    planned: SyncSummary,
    key_results: int,
    objectives: int,
    rows_due: int,
    review_pages: int = 1,
    charts_per_upload: int = 1,
) -> dict[str, Any]:
    """The writes of a weekly sync against the minimum (issue 14): the changed outputs (what a
    full dry run, `planned`, would write: every page whose output values differ), the new
    check-in rows (`rows_due`), one chart upload per objective with a changed key result plus
    each review page's burn-up (in requests: ceil(charts / `charts_per_upload`) where one
    request carries several), and the review pages. `figures` is the sync's own measurement,
    `mark` the request log before it."""
    applied = applied_by_kind(summary)
    uploads = chart_uploads(bench, mark)
    expected = planned_targets(planned)
    outputs_due = sum(
        1
        for s in planned.sources.values()
        for o in s.write_outcomes
        if o.kind == "properties" and o.status != "skipped"
    )
    minimum = {
        "outputs": outputs_due,
        "check_in_rows": rows_due,
        "chart_uploads": ceil_div(objectives + review_pages, charts_per_upload),
        "review_pages": review_pages,
    }
    minimum["total"] = sum(minimum.values())
    writes = {
        "outputs": applied.get("properties", 0),
        "check_in_rows": applied.get("row", 0),
        "chart_uploads": uploads,
        "review_pages": applied.get("page", 0),
    }
    writes["total"] = sum(writes.values())
    applied_targets_ = applied_targets(summary)
    return {
        **figures,
        "key_results_changed": key_results,
        "objectives_changed": objectives,
        "writes": writes,
        "minimum": minimum,
        "ratio_to_minimum": round(writes["total"] / max(1, minimum["total"]), 3),
        "exactly_expected": applied_targets_ == expected,
        "unexpected_writes": sorted(applied_targets_ - expected)[:10],
        "missing_writes": sorted(expected - applied_targets_)[:10],
    }


def key_results_to_move(
    workspace: Workspace, share: float, leave: Callable[[KeyResult], bool] = lambda kr: False
) -> list[KeyResult]:
    """`share` of the key results (at least one), spread evenly over the increasing ones with a
    start and a target (so moving one surely changes its score), none that `leave` names."""
    increasing = [
        kr
        for kr in workspace.key_results
        if kr.kind is None and kr.start is not None and kr.target is not None and not leave(kr)
    ]
    count = max(1, round(len(workspace.key_results) * share))
    step = max(1, len(increasing) // count)
    return increasing[::step][:count]


def moved_value(kr: KeyResult) -> float:
    """Where a person moves `kr`: to its target, or back to its start when it is near it."""
    return float((kr.target if (kr.current or 0) < (kr.target or 0) * 0.9 else kr.start) or 0)
