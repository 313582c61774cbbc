"""`okrsync lint`: read, map, score and check every selected source; write nothing anywhere.

The pull is always full and the review is built by the same pure builder as a sync, from the
state store's history read as it is: nothing is stored, so lint needs no lock and no
throw-away copy of anything it would have written.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from okrsync.config import Config, resolve_connector
from okrsync.connector import Connector
from okrsync.errors import ExitCode, OkrsyncError, StateError
from okrsync.state import StateStore
from okrsync.sync.build import build_review
from okrsync.sync.context import Clock, ConnectorLoader, Logger, RunArgs, utc_now
from okrsync.sync.pull import pull_source
from okrsync.sync.run import check_credentials, load_mappings
from okrsync.sync.summary import LintResult, worst


def run_lint(
    config: Config,
    *,
    source: str | None = None,
    clock: Clock = utc_now,
    stop_event: threading.Event | None = None,
    env: Mapping[str, str] | None = None,
    log: Logger | None = None,
    connector_loader: ConnectorLoader = resolve_connector,
) -> LintResult:
    """The findings and review of every selected source, each read in full."""
    args = RunArgs(clock, stop_event, env, log, connector_loader)
    sources = config.selected(source)
    check_credentials(config, args.resolved_env(), source)
    mappings = load_mappings(config, sources)
    result = LintResult()
    codes: list[ExitCode] = []
    with StateStore(config.state_path, readonly=True) as store:
        ctx = args.context(config, store, persist=False)
        for src in sources:
            connector: Connector | None = None
            try:
                connector = ctx.connector(src, mappings[src.name])
                pull = pull_source(ctx, src, connector, mappings[src.name], full=True)
                built = build_review(
                    [pull.input(store)],
                    scoring=config.scoring,
                    rules=config.rules,
                    now=pull.at,
                    name=src.name,
                )
                result.findings[src.name] = built.findings
                result.reviews[src.name] = built.review
            except OkrsyncError as exc:
                if isinstance(exc, StateError):
                    raise
                result.errors[src.name] = str(exc)
                codes.append(exc.exit_code)
                ctx.log.error("lint source failed", source=src.name, problem=str(exc))
            finally:
                if connector is not None:
                    connector.close()
    result.exit_code = int(worst(codes))
    return result
