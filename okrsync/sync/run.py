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
from dataclasses import dataclass, replace

from okrsync.collisions import planned_collisions
from okrsync.config import Config, SourceConfig, missing_env, resolve_connector
from okrsync.connector import Connector
from okrsync.errors import (
    ConfigError,
    ExitCode,
    StateError,
)
from okrsync.executor import WriteOutcome, execute, preview
from okrsync.lock import run_lock
from okrsync.mapping.schema import Mapping as MappingFile
from okrsync.records import SourceRecord, Write
from okrsync.state import StateStore
from okrsync.sync.context import (
    Clock,
    ConnectorLoader,
    Logger,
    Progress,
    RunArgs,
    RunContext,
    interruptible_sleep,
    utc_now,
)
from okrsync.sync.organisation import OrganisationRead, error_code, failure_text, read_organisation
from okrsync.sync.pull import save_lookups, save_source
from okrsync.sync.summary import SourceSummary, SyncSummary, summarise


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


def organisation_sources(config: Config, source: str | None) -> list[SourceConfig]:
    """The sources whose OKRs make up the organisation: every enabled one, plus `source` when
    it names a disabled one."""
    found = [s for s in config.sources if s.enabled]
    if source is not None and all(s.name != source for s in found):
        found.append(config.source(source))
    return found


def organisations(
    config: Config, organisation: Sequence[SourceConfig], selected: Sequence[SourceConfig]
) -> list[tuple[list[SourceConfig], list[str]]]:
    """(the sources reviewed together, the ones read this run) per organisation: one for the
    whole config, or one per selected source with `organisation.combine = false`."""
    if config.organisation.combine:
        return [(list(organisation), [s.name for s in selected])]
    return [([s], [s.name]) for s in selected]


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


def own_writes(writes: Sequence[Write], records: Sequence[SourceRecord]) -> list[Write]:
    """A source's writes in an organisation: its review pages, and outputs and new rows only
    on or about the pages it read (a write on an OKR page names the record it was compared
    with, a new check-in row the key result it is about)."""
    own = {r.external_id for r in records}
    return [
        w
        for w in writes
        if (w.kind != "properties" or w.record in own) and (w.kind != "row" or w.about in own)
    ]


@dataclass
class Writer:
    """One writer of a run: a source (outputs, and its review pages) or a review destination."""

    key: str
    name: str
    connector: Connector
    summary: SourceSummary
    writes: list[Write]
    fresh: frozenset[str] = frozenset()


def plan_writers(ctx: RunContext, read: OrganisationRead) -> list[Writer]:
    """Every writer's planned writes; a writer whose plan fails is marked failed alone."""
    writers: list[Writer] = []
    for name, connector in read.connectors.items():
        summary = read.summaries[name]
        try:
            writes = with_hashes(connector.plan(read.review_for(name, name)))
        except Exception as exc:  # one writer's failure must not cost the others
            summary.fail(error_code(exc), failure_text(exc))
            continue
        pull = read.pulls[name]
        if read.multi:
            writes = own_writes(writes, pull.records)
        fresh = frozenset(r.external_id for r in pull.pulled)
        writers.append(Writer(f"sources.{name}", name, connector, summary, writes, fresh))
    destinations = ctx.config.selected_destinations() if ctx.config.organisation.combine else []
    for dest in destinations:
        summary = read.summaries[dest.name] = SourceSummary(
            source=dest.name, connector=dest.connector
        )
        if ctx.persist:
            ctx.store.start_run(ctx.run_id, dest.name, ctx.clock())
        try:
            dconn = ctx.connector(dest, None)
        except Exception as exc:
            summary.fail(error_code(exc), failure_text(exc))
            continue
        read.connectors[dest.name] = dconn
        try:
            writes = with_hashes(dconn.plan(read.review_for(dest.name)))
        except Exception as exc:
            summary.fail(error_code(exc), failure_text(exc))
            continue
        writers.append(Writer(f"destinations.{dest.name}", dest.name, dconn, summary, writes))
    return writers


def execute_writer(ctx: RunContext, writer: Writer) -> None:
    """Apply (or, for a dry run, preview) one writer's writes into its summary."""
    store = ctx.store
    if not ctx.persist:
        ledger = {t: e.content_hash for t, e in store.ledger(writer.name).items()}
        writer.summary.add_report(preview(writer.writes, ledger, writer.fresh))
        return
    try:
        report = execute(
            writer.writes,
            connector=writer.connector,
            store=store,
            source=writer.name,
            clock=ctx.clock,
            stop_event=ctx.stop,
            on_outcome=log_outcome(ctx.log.bind(source=writer.name)),
            fresh_records=writer.fresh,
        )
    except StateError:
        raise
    except Exception as exc:
        writer.summary.fail(error_code(exc), failure_text(exc))
        return
    writer.summary.add_report(report)


def send_notifications(ctx: RunContext, read: OrganisationRead, writer: Writer) -> None:
    """Send a source's due notifications after its writes: about what it read, scored in the
    organisation (a destination sends none)."""
    if ctx.notifier is None or writer.name not in read.built.sources:
        return
    if writer.summary.outcome not in ("ok", "partial"):
        return
    workspace = read.owned_workspace(writer.name)
    evaluation = read.built.review.evaluation
    writer.summary.add_notifications(ctx.notifier.source(writer.name, workspace, evaluation))


def sync_organisation(
    ctx: RunContext,
    sources: Sequence[SourceConfig],
    selected: Sequence[str],
    mappings: Mapping[str, MappingFile],
    *,
    full: bool,
) -> dict[str, SourceSummary]:
    """Read every source into the organisation's review, store the pulls, plan every writer,
    refuse pages two writers would both write, then apply."""
    read = read_organisation(ctx, sources, selected, mappings, full=full)
    try:
        for name, pull in read.pulls.items():
            save_source(ctx, pull, read.built.sources[name])
        writers = plan_writers(ctx, read)
        collisions = planned_collisions([(w.key, w.writes) for w in writers])
        if collisions:
            for writer in writers:
                writer.summary.fail(
                    ExitCode.CONFIG,
                    "two writers would write the same review page; nothing was written: "
                    + "; ".join(collisions),
                )
                writer.summary.planned_writes = len(writer.writes)
        else:
            for writer in writers:
                execute_writer(ctx, writer)
                send_notifications(ctx, read, writer)
    finally:
        for name, connector in read.connectors.items():
            if name in read.summaries:
                read.summaries[name].requests = connector.stats().model_dump()
            if name in read.pulls:
                save_lookups(ctx, read.pulls[name].src, connector)
            connector.close()
    for name, summary in read.summaries.items():
        slog = ctx.log.bind(source=name)
        if summary.outcome != "ok":
            for message in summary.errors:
                slog.error("source problem", problem=message)
        if ctx.persist:
            counts = summary.model_dump(exclude={"write_outcomes", "errors", "source", "connector"})
            ctx.store.finish_run(ctx.run_id, name, ctx.clock(), summary.outcome, counts)
    return read.summaries


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
    organisation = organisation_sources(config, source)
    check_credentials(config, args.resolved_env(), source)
    mappings = load_mappings(config, organisation)
    tick = time.monotonic()

    def run_all(ctx: RunContext) -> SyncSummary:
        started = ctx.clock()
        ctx.log.info("sync started", sources=[s.name for s in sources], dry_run=dry_run, full=full)
        results: dict[str, SourceSummary] = {}
        for part, chosen in organisations(config, organisation, sources):
            results.update(sync_organisation(ctx, part, chosen, mappings, full=full))
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

        notifier = NotifyRun(
            config.notify,
            store,
            env=ctx.env,
            clock=ctx.clock,
            log=ctx.log,
            stop=ctx.stop,
            sleep=interruptible_sleep(ctx.stop),
            language=config.language,
        )
        try:
            return run_all(replace(ctx, notifier=notifier))
        finally:
            notifier.close()
