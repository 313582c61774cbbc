"""The thin shell of a sync: pull, store, plan and execute around the pure review builder.

`run_sync(config, ...)` runs every enabled source (or one) under the run lock and returns a
JSON-able `SyncSummary`. Everything between the pull and the executor is pure
(`okrsync.sync.build`); this module only sequences the stages and keeps the state store up to
date. Writes go through the executor, which records each only after it is confirmed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from okrsync.config import Config, SourceConfig, missing_env, resolve_connector
from okrsync.connector import Connector
from okrsync.errors import (
    AuthError,
    ConfigError,
    ExitCode,
    InterruptedRun,
    OkrsyncError,
    StateError,
    TransientError,
)
from okrsync.executor import WriteOutcome, execute, preview
from okrsync.lock import run_lock
from okrsync.mapping.schema import Mapping as MappingFile
from okrsync.records import Write
from okrsync.state import StateStore
from okrsync.sync.build import build_review
from okrsync.sync.context import (
    Clock,
    ConnectorLoader,
    Logger,
    Progress,
    RunArgs,
    RunContext,
    utc_now,
)
from okrsync.sync.pull import pull_source, save_lookups, save_source
from okrsync.sync.summary import SourceSummary, SyncSummary, severity_counts, summarise


def load_mappings(config: Config, sources: Sequence[SourceConfig]) -> dict[str, MappingFile]:
    """Every selected source's mapping, or one ConfigError listing every problem."""
    from okrsync.mapping.loader import load_mapping

    problems: list[str] = []
    loaded: dict[str, MappingFile] = {}
    for src in sources:
        try:
            loaded[src.name] = load_mapping(src.mapping)
        except ConfigError as exc:
            problems.append(f"sources.{src.name}.mapping: {exc}")
    if problems:
        raise ConfigError(
            f"{config.path}: invalid mapping file(s)",
            problems=problems,
            hint="correct the mapping; `okrsync mapping check` validates one against the source",
        )
    return loaded


def check_credentials(config: Config, env: Mapping[str, str], source: str | None) -> None:
    """ConfigError (before any network call) naming every credential variable not set."""
    problems = missing_env(config, env, source)
    if problems:
        raise ConfigError(
            f"{config.path}: credentials missing",
            problems=problems,
            hint="export the variables, or fix the *_env option names",
        )


def with_hashes(writes: Sequence[Write]) -> list[Write]:
    return [w if w.content_hash else w.with_hash() for w in writes]


def log_outcome(slog: Logger) -> Callable[[WriteOutcome], None]:
    """An executor callback logging each write: applied and failed ones are the audit trail,
    skips are routine."""

    def on_outcome(outcome: WriteOutcome) -> None:
        if outcome.status == "failed":
            event = slog.warning
        elif outcome.status == "applied":
            event = slog.info
        else:
            event = slog.debug
        event("write", target=outcome.target, status=outcome.status, error=outcome.error)

    return on_outcome


def sync_source(
    ctx: RunContext, src: SourceConfig, mapping: MappingFile, *, full: bool
) -> SourceSummary:
    """Run the whole pipeline for one source; every failure is caught into the summary."""
    store = ctx.store
    summary = SourceSummary(source=src.name, connector=src.connector)
    slog = ctx.log.bind(source=src.name)
    if ctx.persist:
        store.start_run(ctx.run_id, src.name, ctx.clock())
    connector: Connector | None = None
    try:
        connector = ctx.connector(src, mapping)
        slog.info("pull started")
        pull = pull_source(ctx, src, connector, mapping, full=full)
        built = build_review(
            [pull.input(store)],
            scoring=ctx.config.scoring,
            rules=ctx.config.rules,
            now=pull.at,
            name=src.name,
        )
        own = built.sources[src.name]
        save_source(ctx, pull, own)
        summary.full = pull.full
        summary.reads = len(pull.pulled)
        summary.records = len(pull.records)
        summary.objectives = len(own.workspace.objectives)
        summary.key_results = len(own.workspace.key_results)
        summary.dropped = len(own.dropped)
        summary.findings = len(built.findings)
        summary.findings_by_severity = severity_counts(built.findings)
        summary.history_added = len(own.new_history)
        slog.info(
            "pull done",
            reads=summary.reads,
            records=summary.records,
            full=pull.full,
            dropped=summary.dropped,
            findings=summary.findings,
        )
        writes = with_hashes(connector.plan(built.review))
        fresh = frozenset(r.external_id for r in pull.pulled)
        if not ctx.persist:
            ledger = {t: e.content_hash for t, e in store.ledger(src.name).items()}
            report = preview(writes, ledger, fresh)
        else:
            report = execute(
                writes,
                connector=connector,
                store=store,
                source=src.name,
                clock=ctx.clock,
                stop_event=ctx.stop,
                on_outcome=log_outcome(slog),
                fresh_records=fresh,
            )
        summary.add_report(report)
        if ctx.notifier is not None and summary.outcome in ("ok", "partial"):
            review = built.review
            summary.add_notifications(
                ctx.notifier.source(src.name, review.workspace, review.evaluation)
            )
    except InterruptedRun as exc:
        summary.fail(ExitCode.INTERRUPTED, str(exc))
    except AuthError as exc:
        summary.fail(ExitCode.AUTH, str(exc))
    except TransientError as exc:
        summary.fail(ExitCode.TRANSIENT, str(exc))
    except ConfigError as exc:
        summary.fail(ExitCode.CONFIG, str(exc))
    except StateError:
        raise
    except OkrsyncError as exc:
        summary.fail(exc.exit_code, str(exc))
    except Exception as exc:  # a bug in one source must not cost the others
        slog.exception("source failed")
        summary.fail(ExitCode.PARTIAL, f"internal error: {type(exc).__name__}: {exc}")
    finally:
        if connector is not None:
            summary.requests = connector.stats().model_dump()
            save_lookups(ctx, src, connector)
            connector.close()
    if summary.outcome != "ok":
        for message in summary.errors:
            slog.error("source problem", problem=message)
    if ctx.persist:
        counts = summary.model_dump(exclude={"write_outcomes", "errors", "source", "connector"})
        store.finish_run(ctx.run_id, src.name, ctx.clock(), summary.outcome, counts)
    return summary


def run_sync(
    config: Config,
    *,
    source: str | None = None,
    dry_run: bool = False,
    full: bool = False,
    clock: Clock = utc_now,
    stop_event: threading.Event | None = None,
    env: Mapping[str, str] | None = None,
    log: Logger | None = None,
    connector_loader: ConnectorLoader = resolve_connector,
    run_id: str | None = None,
    progress: Progress | None = None,
    notify: bool = True,
) -> SyncSummary:
    """Sync every enabled source (or `source`) once, then send its due notifications.

    The keyword arguments after `full` become the run context, built once here. Raises
    ConfigError (before any network call) for a bad mapping or a missing credential variable,
    LockedError when another run holds the lock, StateError for an unusable state store.
    Everything else is reported in the returned summary and its `exit_code`. `notify=False`
    (`--no-notify`) sends nothing; a dry run never does.
    """
    args = RunArgs(clock, stop_event, env, log, connector_loader, run_id, progress)
    sources = config.selected(source)
    check_credentials(config, args.resolved_env(), source)
    mappings = load_mappings(config, sources)
    tick = time.monotonic()

    def run_all(ctx: RunContext) -> SyncSummary:
        started = ctx.clock()
        ctx.log.info("sync started", sources=[s.name for s in sources], dry_run=dry_run, full=full)
        results: dict[str, SourceSummary] = {}
        for src in sources:
            if ctx.stop.is_set():
                results[src.name] = SourceSummary(
                    source=src.name,
                    connector=src.connector,
                    outcome="interrupted",
                    exit_code=int(ExitCode.INTERRUPTED),
                    errors=["stopped by a signal before this source started"],
                )
                continue
            results[src.name] = sync_source(ctx, src, mappings[src.name], full=full)
        summary = summarise(
            ctx.run_id, started, ctx.clock(), time.monotonic() - tick, dry_run, results
        )
        ctx.log.info(
            "sync finished",
            outcome=summary.outcome,
            exit_code=summary.exit_code,
            reads=summary.reads,
            writes=summary.writes,
            skipped_writes=summary.skipped_writes,
            failed_writes=summary.failed_writes,
            findings=summary.findings,
            duration_seconds=round(summary.duration_seconds, 3),
        )
        return summary

    if dry_run:
        with StateStore(config.state_path, readonly=True) as store:
            return run_all(args.context(config, store, persist=False))
    with run_lock(config.state_path), StateStore(config.state_path) as store:
        ctx = args.context(config, store, persist=True)
        if not (notify and config.notify is not None and config.notify.enabled):
            return run_all(ctx)
        from okrsync.notify.notifier import NotifyRun

        notifier = NotifyRun(config.notify, store, env=ctx.env, clock=ctx.clock, log=ctx.log)
        try:
            return run_all(replace(ctx, notifier=notifier))
        finally:
            notifier.close()
