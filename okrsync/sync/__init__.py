"""The sync engine: pull -> merge -> map -> history -> score -> rules -> review -> plan -> write.

- `context`: the run context built once per run (clock, environment, stop event, logger,
  connector loader, state store);
- `merge`: pure steps between a pull and the mapping (cache merge, own edit times, cursors);
- `build`: the pure review builder (records, history and previous scores in, review out);
- `pull`: reading one source and storing its pull; `run`: the shell of `okrsync sync`;
  `lint`: the read-only `okrsync lint`; `summary`: what a run reports.
"""

from okrsync.sync.build import ReviewBuild, SourceInput, build_review
from okrsync.sync.context import (
    Clock,
    ConnectorLoader,
    Logger,
    Progress,
    RunContext,
    new_run_id,
    utc_now,
)
from okrsync.sync.lint import run_lint
from okrsync.sync.merge import keep_own_edit_times, safe_cursor, unmapped_ids
from okrsync.sync.pull import runs_since_full
from okrsync.sync.run import load_mappings, run_sync
from okrsync.sync.summary import (
    EXIT_PRIORITY,
    LintResult,
    SourceSummary,
    SyncSummary,
    summarise,
    worst,
)

__all__ = [
    "EXIT_PRIORITY",
    "Clock",
    "ConnectorLoader",
    "LintResult",
    "Logger",
    "Progress",
    "ReviewBuild",
    "RunContext",
    "SourceInput",
    "SourceSummary",
    "SyncSummary",
    "build_review",
    "keep_own_edit_times",
    "load_mappings",
    "new_run_id",
    "run_lint",
    "run_sync",
    "runs_since_full",
    "safe_cursor",
    "summarise",
    "unmapped_ids",
    "utc_now",
    "worst",
]
