"""What a run reports: per source, for the whole run, and for `lint`; exit codes combined."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from okrsync.errors import ExitCode
from okrsync.executor import ExecutionReport, WriteOutcome
from okrsync.model import Finding
from okrsync.notify.counts import ChannelCounts, total
from okrsync.review import Review

if TYPE_CHECKING:
    from okrsync.notify.notifier import NotifySummary

SourceOutcome = Literal["ok", "partial", "failed", "interrupted"]

# Worst first: the exit code of a run over several sources is the worst of theirs.
EXIT_PRIORITY: tuple[ExitCode, ...] = (
    ExitCode.INTERRUPTED,
    ExitCode.CONFIG,
    ExitCode.AUTH,
    ExitCode.STATE,
    ExitCode.TRANSIENT,
    ExitCode.PARTIAL,
    ExitCode.OK,
)


def worst(codes: Sequence[ExitCode]) -> ExitCode:
    """The most serious of `codes` by EXIT_PRIORITY (OK when empty)."""
    for code in EXIT_PRIORITY:
        if code in codes:
            return code
    return ExitCode.OK


class SourceSummary(BaseModel):
    """What one source's run did."""

    source: str
    connector: str
    outcome: SourceOutcome = "ok"
    exit_code: int = 0
    full: bool = False
    reads: int = Field(default=0, description="Records pulled this run.")
    records: int = Field(default=0, description="Records mapped (pulled merged with the cache).")
    objectives: int = 0
    key_results: int = 0
    dropped: int = Field(default=0, description="Records the mapping could not use.")
    findings: int = 0
    findings_by_severity: dict[str, int] = {}
    planned_writes: int = 0
    writes: int = Field(default=0, description="Writes applied.")
    unchanged_writes: int = Field(default=0, description="Already in place at the remote.")
    skipped_writes: int = Field(default=0, description="Unchanged since the ledger's hash.")
    failed_writes: int = 0
    history_added: int = 0
    errors: list[str] = []
    requests: dict[str, Any] = {}
    write_outcomes: list[WriteOutcome] = Field(
        default=[], description="Every planned write and what happened to it."
    )
    notifications: dict[str, ChannelCounts] = Field(
        default={}, description="Per channel: sent, already sent, quiet, waiting, failed, given up."
    )
    delivered: list[Any] = Field(
        default=[], exclude=True, description="The messages channels accepted (for the demo)."
    )

    def fail(self, code: ExitCode, message: str) -> None:
        """Mark this source failed (or interrupted) with `code`, keeping `message`."""
        self.outcome = "interrupted" if code == ExitCode.INTERRUPTED else "failed"
        self.exit_code = int(code)
        self.errors.append(message)

    def add_report(self, report: ExecutionReport) -> None:
        """Count what the executor did, and set the outcome it implies."""
        self.write_outcomes = list(report.outcomes)
        self.planned_writes = len(report.outcomes)
        self.writes = report.count("applied")
        self.unchanged_writes = report.count("unchanged")
        self.skipped_writes = report.count("skipped")
        self.failed_writes = report.count("failed")
        self.errors.extend(report.errors)
        if report.interrupted:
            self.fail(ExitCode.INTERRUPTED, "stopped by a signal between writes")
        elif report.auth_error:
            self.fail(ExitCode.AUTH, "access refused; the remaining writes were not tried")
        elif self.failed_writes or self.dropped:
            self.outcome = "partial"
            self.exit_code = int(ExitCode.PARTIAL)
            if self.dropped:
                self.errors.append(
                    f"{self.dropped} record(s) could not be mapped; see the findings"
                )

    def add_notifications(self, result: NotifySummary) -> None:
        """Count what notifying did; a failed or given-up message makes an ok run partial, a
        stop while sending makes it interrupted."""
        self.notifications = dict(result.channels)
        self.delivered = list(result.delivered)
        self.errors.extend(result.errors)
        self.errors.extend(f.message for f in result.findings)
        if result.interrupted:
            self.outcome = "interrupted"
            self.exit_code = int(ExitCode.INTERRUPTED)
        elif result.failed and self.outcome == "ok":
            self.outcome = "partial"
            self.exit_code = int(ExitCode.PARTIAL)


class SyncSummary(BaseModel):
    """What a whole run did; `--json` prints this."""

    run_id: str
    started: datetime
    ended: datetime
    duration_seconds: float
    dry_run: bool = False
    outcome: SourceOutcome = "ok"
    exit_code: int = 0
    reads: int = 0
    writes: int = 0
    skipped_writes: int = 0
    unchanged_writes: int = 0
    failed_writes: int = 0
    planned_writes: int = 0
    findings: int = 0
    errors: list[str] = []
    sources: dict[str, SourceSummary] = {}
    requests: dict[str, dict[str, Any]] = {}
    notifications: dict[str, ChannelCounts] = {}


class LintResult(BaseModel):
    """What `okrsync lint` found: the findings per source, and sources it could not read."""

    findings: dict[str, list[Finding]] = {}
    reviews: dict[str, Review] = Field(default={}, description="The review of each source read.")
    errors: dict[str, str] = {}
    exit_code: int = 0


def severity_counts(findings: Sequence[Finding]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    return counts


def summarise(
    run_id: str,
    started: datetime,
    ended: datetime,
    duration: float,
    dry_run: bool,
    results: Mapping[str, SourceSummary],
) -> SyncSummary:
    """Add the sources' summaries up into the run's."""
    parts = list(results.values())
    code = worst([ExitCode(p.exit_code) for p in parts])
    outcome: SourceOutcome = (
        "ok"
        if code == ExitCode.OK
        else "interrupted"
        if code == ExitCode.INTERRUPTED
        else "partial"
        if code == ExitCode.PARTIAL
        else "failed"
    )
    return SyncSummary(
        run_id=run_id,
        started=started,
        ended=ended,
        duration_seconds=duration,
        dry_run=dry_run,
        outcome=outcome,
        exit_code=int(code),
        reads=sum(p.reads for p in parts),
        writes=sum(p.writes for p in parts),
        skipped_writes=sum(p.skipped_writes for p in parts),
        unchanged_writes=sum(p.unchanged_writes for p in parts),
        failed_writes=sum(p.failed_writes for p in parts),
        planned_writes=sum(p.planned_writes for p in parts),
        findings=sum(p.findings for p in parts),
        errors=[f"{p.source}: {e}" for p in parts for e in p.errors],
        sources=dict(results),
        requests={p.source: p.requests for p in parts},
        notifications=total([p.notifications for p in parts]),
    )
