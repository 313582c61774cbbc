"""`okrsync lint`: read, map, score and check the organisation; write nothing anywhere.

The selected sources are read in full (the others come from their caches, as in a sync) and
the review is built by the same pure builder as a sync, from the state store's history read as
it is: nothing is stored, so lint needs no lock and no throw-away copy of anything it would
have written.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from okrsync.config import Config, resolve_connector
from okrsync.errors import ExitCode
from okrsync.state import StateStore
from okrsync.sync.context import Clock, ConnectorLoader, Logger, RunArgs, utc_now
from okrsync.sync.organisation import OrganisationRead, read_organisation
from okrsync.sync.run import (
    check_credentials,
    load_mappings,
    organisation_sources,
    organisations,
)
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
    """Per selected source: its findings and the organisation's review, or why it failed."""
    args = RunArgs(clock, stop_event, env, log, connector_loader)
    sources = config.selected(source)
    organisation = organisation_sources(config, source)
    check_credentials(config, args.resolved_env(), source)
    mappings = load_mappings(config, organisation)
    result = LintResult()
    codes: list[ExitCode] = []
    with StateStore(config.state_path, readonly=True) as store:
        ctx = args.context(config, store, persist=False)
        for part, chosen in organisations(config, organisation, sources):
            read = read_organisation(ctx, part, chosen, mappings, full=True)
            for connector in read.connectors.values():
                connector.close()
            for name in chosen:
                codes.extend(_collect(result, read, name, ctx.log))
    result.exit_code = int(worst(codes))
    return result


def _collect(result: LintResult, read: OrganisationRead, name: str, log: Logger) -> list[ExitCode]:
    """One source's findings and review into `result`, or why it could not be read."""
    summary = read.summaries[name]
    if name not in read.pulls:
        result.errors[name] = "; ".join(summary.errors)
        log.error("lint source failed", source=name, problem=result.errors[name])
        return [ExitCode(summary.exit_code)]
    result.findings[name] = read.own_findings(name)
    result.reviews[name] = read.review_for(name)
    return []
