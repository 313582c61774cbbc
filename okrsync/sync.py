"""The sync pipeline: pull -> merge -> map -> history -> score -> rules -> review -> plan -> write.

`run_sync(config, ...)` runs it for every enabled source (or one), under the run lock, and
returns a JSON-able `SyncSummary`. Each stage between the pull and the executor is a pure
function over plain data (see DESIGN.md); this module only sequences them and keeps the state
store up to date:

- the pull is incremental (since the stored cursor) unless `full`, no cursor yet, or the
  source's full refresh is due; its records are merged with the record cache so the mapping
  always sees the whole workspace;
- the cursor and the cache are saved only after a complete pull, and the cursor never moves
  past a record the mapping had to drop, so that record is read again next time;
- the key results' values are appended to the history (only when changed) and come back as
  check-ins for scoring;
- writes go through the executor, which records each only after it is confirmed.

`run_lint(config, ...)` is the read-only half, for `okrsync lint`.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from okrsync.config import Config, SourceConfig, missing_env, resolve_connector
from okrsync.connector import (
    Connector,
    ConnectorContext,
    ConnectorFactory,
    SourceRecord,
    Write,
)
from okrsync.errors import (
    AuthError,
    ConfigError,
    ExitCode,
    InterruptedRun,
    OkrsyncError,
    StateError,
    TransientError,
)
from okrsync.evaluation import Evaluation
from okrsync.executor import ExecutionReport, WriteOutcome, execute, preview
from okrsync.lock import run_lock
from okrsync.log import Redactor, make_logger
from okrsync.mapping.schema import Mapping as MappingFile
from okrsync.model import CheckIn, Finding, Workspace
from okrsync.review import Review
from okrsync.state import StateStore

Clock = Callable[[], datetime]
ConnectorLoader = Callable[[str], ConnectorFactory]
Logger = Any  # structlog's FilteringBoundLogger; kept loose so tests can pass their own
SourceOutcome = Literal["ok", "partial", "failed", "interrupted"]
Progress = Callable[[str, int, bool], None]
"""Called with (source, records read so far, done) while pulling: for a terminal progress line."""
PROGRESS_EVERY = 25

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


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


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


class SourceAnalysis(BaseModel):
    """The read half of a run for one source: everything up to the plan."""

    pulled: list[SourceRecord]
    records: list[SourceRecord]
    full: bool
    cursor: datetime | None
    workspace: Workspace
    evaluation: Evaluation
    findings: list[Finding]
    dropped: list[str] = Field(default=[], description="Records that could not be mapped.")
    history_added: int = 0
    review: Review


def interruptible_sleep(stop_event: threading.Event) -> Callable[[float], None]:
    """A sleep for connectors' retry waits that gives up as soon as a stop is requested."""

    def sleep(seconds: float) -> None:
        if stop_event.wait(max(0.0, seconds)):
            raise InterruptedRun("stopped while waiting to retry a request")

    return sleep


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


def _record_key(record: SourceRecord) -> tuple[str, str]:
    return (record.collection, record.external_id)


UNMAPPED_CODES: frozenset[str] = frozenset({"DATA002", "DATA007"})


def unmapped_ids(findings: Sequence[Finding]) -> list[str]:
    """External ids of records the mapping had to leave out for bad data.

    The mapping reports such a record with a missing-required-field or invalid-record finding
    whose subject is the record's external id.
    """
    return sorted({f.subject for f in findings if f.code in UNMAPPED_CODES})


def safe_cursor(
    cursor: datetime | None, records: Sequence[SourceRecord], dropped: Sequence[str]
) -> datetime | None:
    """The connector's cursor, held back to just before the oldest record that did not map."""
    if cursor is None or not dropped:
        return cursor
    wanted = set(dropped)
    times = [r.updated_at for r in records if r.external_id in wanted and r.updated_at]
    if not times:
        return cursor
    earliest = min(t if t.tzinfo else t.replace(tzinfo=UTC) for t in times)
    held = earliest - timedelta(seconds=1)
    current = cursor if cursor.tzinfo else cursor.replace(tzinfo=UTC)
    return min(current, held)


def output_fields(mapping: MappingFile) -> dict[str, set[str]]:
    """Per collection, the source fields okrsync itself writes (Score, Health, ...)."""
    found: dict[str, set[str]] = {}
    for collection in ("objectives", "key_results"):
        outputs = mapping.output_map(collection).model_dump().values()
        found[collection] = {n for n in outputs if isinstance(n, str)}
    return found


def keep_own_edit_times(
    pulled: Sequence[SourceRecord],
    cached: Mapping[tuple[str, str], SourceRecord],
    outputs: Mapping[str, set[str]],
) -> list[SourceRecord]:
    """Pulled records whose only change since the cache is okrsync's own outputs keep the
    cached `updated_at`.

    Writing Score or Health back bumps a page's last-edited time; without this, okrsync's own
    writes would look like fresh check-ins (hiding stale key results) and would change the
    review they were planned from, so an unchanged workspace would never settle.
    """
    kept: list[SourceRecord] = []
    for record in pulled:
        old = cached.get(_record_key(record))
        if old is None or old.trashed != record.trashed or old.updated_at == record.updated_at:
            kept.append(record)
            continue
        ignore = outputs.get(record.collection, set())
        same = {k: v for k, v in record.fields.items() if k not in ignore} == {
            k: v for k, v in old.fields.items() if k not in ignore
        }
        kept.append(record.model_copy(update={"updated_at": old.updated_at}) if same else record)
    return kept


def _full_due(src: SourceConfig, store: StateStore, now: datetime) -> bool:
    state = store.cursor(src.name)
    if state.cursor is None or state.full_refresh_at is None:
        return True
    return now - state.full_refresh_at >= timedelta(hours=src.full_refresh_hours)


def runs_since_full(store: StateStore, source: str, limit: int = 1000) -> int:
    """How many finished runs of `source` read incrementally since its last full read."""
    count = 0
    for run in store.runs(source, limit=limit):
        if run.ended is None:
            continue
        if run.counts.get("full"):
            break
        count += 1
    return count


def _connector_wants_full(connector: Connector, src: SourceConfig, store: StateStore) -> bool:
    """Honour a connector's optional `full_refresh_due(runs_since_full=, last_full=)` hook.

    Not part of the Connector protocol: a connector that knows when its incremental reads miss
    something (Notion's never return trashed pages) may offer it; others need not.
    """
    hook = getattr(connector, "full_refresh_due", None)
    if not callable(hook):
        return False
    last_full = store.cursor(src.name).full_refresh_at
    return bool(hook(runs_since_full=runs_since_full(store, src.name), last_full=last_full))


def _observations(workspace: Workspace, now: datetime) -> list[CheckIn]:
    """The current value of every key result, as a check-in for the history."""
    return [
        CheckIn(
            key_result=kr.id,
            at=kr.updated_at or (kr.source.updated_at if kr.source else None) or now,
            value=kr.current,
            confidence=kr.confidence,
        )
        for kr in workspace.key_results
        if kr.current is not None or kr.confidence is not None
    ]


def _rule_settings(config: Config) -> Any:
    from okrsync.rules import RuleSettings

    if isinstance(config.rules, RuleSettings):
        return config.rules
    return RuleSettings.model_validate(config.rules or {})


def analyse(
    src: SourceConfig,
    connector: Connector,
    mapping: MappingFile,
    store: StateStore,
    config: Config,
    *,
    full: bool,
    clock: Clock,
    stop_event: threading.Event,
    progress: Progress | None = None,
) -> SourceAnalysis:
    """Pull, merge, map, score and check one source, and save the pull's state.

    Saving the cache and cursor right after the pull (before any write) is what makes an
    interrupted run resumable: the next run sees the same workspace and the ledger skips the
    writes already confirmed.
    """
    from okrsync.mapping.apply import apply_mapping
    from okrsync.rules import check, filter_findings
    from okrsync.scoring import evaluate

    now = clock()
    full_pull = full or _full_due(src, store, now) or _connector_wants_full(connector, src, store)
    since = None if full_pull else store.cursor(src.name).cursor
    pulled: list[SourceRecord] = []
    for record in connector.pull(since):
        if stop_event.is_set():
            raise InterruptedRun("stopped during the pull; nothing was written")
        pulled.append(record)
        if progress is not None and len(pulled) % PROGRESS_EVERY == 0:
            progress(src.name, len(pulled), False)
    if progress is not None:
        progress(src.name, len(pulled), True)
    cursor = connector.cursor()

    cached = {_record_key(r): r for r in store.cached_records(src.name)}
    pulled = keep_own_edit_times(pulled, cached, output_fields(mapping))
    merged: dict[tuple[str, str], SourceRecord] = {} if full_pull else dict(cached)
    for record in pulled:
        merged[_record_key(record)] = record
    # A canonical order, so the workspace (and every text built from it) does not depend on
    # the order the vendor returned pages in, or on which of them came from the cache.
    records = sorted((r for r in merged.values() if not r.trashed), key=_record_key)

    result = apply_mapping(mapping, records, connector=connector.name)
    workspace: Workspace = result.workspace
    dropped = unmapped_ids(result.findings)
    store.save_pull(
        src.name,
        pulled,
        full=full_pull,
        cursor=safe_cursor(cursor, records, dropped),
        full_refresh_at=now if full_pull else None,
    )
    added = store.record_values(src.name, _observations(workspace, now))
    history = store.history(src.name)
    workspace = workspace.model_copy(update={"check_ins": (*workspace.check_ins, *history)})

    evaluation = evaluate(workspace, now.date(), config.scoring)
    settings = _rule_settings(config)
    findings = [
        *filter_findings(result.findings, settings, workspace),
        *check(workspace, evaluation, settings),
    ]
    # Saved before the review is built, so a change shows in the same run and the next run,
    # seeing the same "score before the last change", plans the same review.
    store.save_scores(src.name, current_scores(evaluation), now)
    review = Review(
        workspace=workspace,
        evaluation=evaluation,
        findings=tuple(findings),
        generated_at=now,
        previous_scores=store.previous_scores(src.name, current_scores(evaluation)),
        source=src.name,
        source_records=tuple(records),
    )
    return SourceAnalysis(
        pulled=pulled,
        records=records,
        full=full_pull,
        cursor=cursor,
        workspace=workspace,
        evaluation=evaluation,
        findings=findings,
        dropped=dropped,
        history_added=added,
        review=review,
    )


def current_scores(evaluation: Evaluation) -> dict[str, float | None]:
    """Objective and key-result scores, keyed by id, for "change since the last sync"."""
    scores: dict[str, float | None] = {k: v.score for k, v in evaluation.objectives.items()}
    scores.update({k: v.score for k, v in evaluation.key_results.items()})
    return scores


def _with_hashes(writes: Sequence[Write]) -> list[Write]:
    return [w if w.content_hash else w.with_hash() for w in writes]


def _severity_counts(findings: Sequence[Finding]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    return counts


def _apply_report(summary: SourceSummary, report: ExecutionReport) -> None:
    summary.write_outcomes = list(report.outcomes)
    summary.planned_writes = len(report.outcomes)
    summary.writes = report.count("applied")
    summary.unchanged_writes = report.count("unchanged")
    summary.skipped_writes = report.count("skipped")
    summary.failed_writes = report.count("failed")
    summary.errors.extend(report.errors)


def _fail(summary: SourceSummary, code: ExitCode, message: str) -> None:
    summary.outcome = "interrupted" if code == ExitCode.INTERRUPTED else "failed"
    summary.exit_code = int(code)
    summary.errors.append(message)


def sync_source(
    src: SourceConfig,
    config: Config,
    *,
    mapping: MappingFile,
    store: StateStore,
    run_id: str,
    dry_run: bool,
    full: bool,
    clock: Clock,
    stop_event: threading.Event,
    env: Mapping[str, str],
    log: Logger,
    connector_loader: ConnectorLoader,
    progress: Progress | None = None,
) -> SourceSummary:
    """Run the whole pipeline for one source; every failure is caught into the summary."""
    summary = SourceSummary(source=src.name, connector=src.connector)
    slog = log.bind(source=src.name)
    started = clock()
    if not dry_run:
        store.start_run(run_id, src.name, started)
    connector: Connector | None = None
    try:
        factory = connector_loader(src.connector)
        connector = factory(
            ConnectorContext(
                source=src.name,
                options=src.options,
                mapping=mapping,
                writeback=src.writeback,
                env=env,
                clock=clock,
                sleep=interruptible_sleep(stop_event),
            )
        )
        slog.info("pull started")
        analysis = analyse(
            src,
            connector,
            mapping,
            store,
            config,
            full=full,
            clock=clock,
            stop_event=stop_event,
            progress=progress,
        )
        summary.full = analysis.full
        summary.reads = len(analysis.pulled)
        summary.records = len(analysis.records)
        summary.objectives = len(analysis.workspace.objectives)
        summary.key_results = len(analysis.workspace.key_results)
        summary.dropped = len(analysis.dropped)
        summary.findings = len(analysis.findings)
        summary.findings_by_severity = _severity_counts(analysis.findings)
        summary.history_added = analysis.history_added
        slog.info(
            "pull done",
            reads=summary.reads,
            records=summary.records,
            full=analysis.full,
            dropped=summary.dropped,
            findings=summary.findings,
        )
        writes = _with_hashes(connector.plan(analysis.review))
        fresh = frozenset(r.external_id for r in analysis.pulled)
        if dry_run:
            ledger = {t: e.content_hash for t, e in store.ledger(src.name).items()}
            report = preview(writes, ledger, fresh)
        else:

            def on_outcome(outcome: WriteOutcome) -> None:
                # Applied and failed writes are the audit trail; skips are routine.
                if outcome.status == "failed":
                    event = slog.warning
                elif outcome.status == "applied":
                    event = slog.info
                else:
                    event = slog.debug
                event(
                    "write",
                    target=outcome.target,
                    status=outcome.status,
                    error=outcome.error,
                )

            report = execute(
                writes,
                connector=connector,
                store=store,
                source=src.name,
                clock=clock,
                stop_event=stop_event,
                on_outcome=on_outcome,
                fresh_records=fresh,
            )
        _apply_report(summary, report)
        if report.interrupted:
            _fail(summary, ExitCode.INTERRUPTED, "stopped by a signal between writes")
        elif report.auth_error:
            _fail(summary, ExitCode.AUTH, "access refused; the remaining writes were not tried")
        elif summary.failed_writes or summary.dropped:
            summary.outcome = "partial"
            summary.exit_code = int(ExitCode.PARTIAL)
            if summary.dropped:
                summary.errors.append(
                    f"{summary.dropped} record(s) could not be mapped; see the findings"
                )
    except InterruptedRun as exc:
        _fail(summary, ExitCode.INTERRUPTED, str(exc))
    except AuthError as exc:
        _fail(summary, ExitCode.AUTH, str(exc))
    except TransientError as exc:
        _fail(summary, ExitCode.TRANSIENT, str(exc))
    except ConfigError as exc:
        _fail(summary, ExitCode.CONFIG, str(exc))
    except StateError:
        raise
    except OkrsyncError as exc:
        _fail(summary, exc.exit_code, str(exc))
    except Exception as exc:  # a bug in one source must not cost the others
        slog.exception("source failed")
        _fail(summary, ExitCode.PARTIAL, f"internal error: {type(exc).__name__}: {exc}")
    finally:
        if connector is not None:
            summary.requests = connector.stats().model_dump()
            connector.close()
    if summary.outcome != "ok":
        for message in summary.errors:
            slog.error("source problem", problem=message)
    if not dry_run:
        counts = summary.model_dump(exclude={"write_outcomes", "errors", "source", "connector"})
        store.finish_run(run_id, src.name, clock(), summary.outcome, counts)
    return summary


def new_run_id(clock: Clock) -> str:
    """A sortable, unique run id: UTC time plus a random suffix."""
    return f"{clock().strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:8]}"


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
) -> SyncSummary:
    """Sync every enabled source (or `source`) once; see the module docstring.

    Raises ConfigError (before any network call) for a bad mapping or a missing credential
    variable, LockedError when another run holds the lock, StateError for an unusable state
    store. Everything else is reported in the returned summary and its `exit_code`.
    """
    env = dict(os.environ) if env is None else env
    stop = stop_event or threading.Event()
    run_id = run_id or new_run_id(clock)
    if log is None:
        log = make_logger(
            config.logging, redactor=Redactor.from_env(config.secret_env_names(), env)
        )
    log = log.bind(run_id=run_id)
    sources = config.selected(source)
    problems = missing_env(config, env, source)
    if problems:
        raise ConfigError(
            f"{config.path}: credentials missing",
            problems=problems,
            hint="export the variables, or fix the *_env option names",
        )
    mappings = load_mappings(config, sources)
    started = clock()
    tick = time.monotonic()
    log.info("sync started", sources=[s.name for s in sources], dry_run=dry_run, full=full)

    def run_all(store: StateStore) -> dict[str, SourceSummary]:
        results: dict[str, SourceSummary] = {}
        for src in sources:
            if stop.is_set():
                results[src.name] = SourceSummary(
                    source=src.name,
                    connector=src.connector,
                    outcome="interrupted",
                    exit_code=int(ExitCode.INTERRUPTED),
                    errors=["stopped by a signal before this source started"],
                )
                continue
            results[src.name] = sync_source(
                src,
                config,
                mapping=mappings[src.name],
                store=store,
                run_id=run_id,
                dry_run=dry_run,
                full=full,
                clock=clock,
                stop_event=stop,
                env=env,
                log=log,
                connector_loader=connector_loader,
                progress=progress,
            )
        return results

    if dry_run:
        with StateStore(config.state_path, readonly=True) as store:
            results = run_all(store)
    else:
        with run_lock(config.state_path), StateStore(config.state_path) as store:
            results = run_all(store)
    summary = summarise(run_id, started, clock(), time.monotonic() - tick, dry_run, results)
    log.info(
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
    )


class LintResult(BaseModel):
    """What `okrsync lint` found: the findings per source, and sources it could not read."""

    findings: dict[str, list[Finding]] = {}
    reviews: dict[str, Review] = Field(default={}, description="The review of each source read.")
    errors: dict[str, str] = {}
    exit_code: int = 0


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
    """Read, map, score and check every selected source; write nothing anywhere.

    The state store is read (for the value history) through an in-memory copy, and the pull is
    always full, so lint needs no lock and leaves no trace.
    """
    env = dict(os.environ) if env is None else env
    stop = stop_event or threading.Event()
    if log is None:
        log = make_logger(
            config.logging, redactor=Redactor.from_env(config.secret_env_names(), env)
        )
    sources = config.selected(source)
    problems = missing_env(config, env, source)
    if problems:
        raise ConfigError(f"{config.path}: credentials missing", problems=problems)
    mappings = load_mappings(config, sources)
    result = LintResult()
    codes: list[ExitCode] = []
    with StateStore(config.state_path, readonly=True) as store:
        for src in sources:
            connector: Connector | None = None
            try:
                connector = connector_loader(src.connector)(
                    ConnectorContext(
                        source=src.name,
                        options=src.options,
                        mapping=mappings[src.name],
                        writeback=src.writeback,
                        env=env,
                        clock=clock,
                        sleep=interruptible_sleep(stop),
                    )
                )
                analysis = analyse(
                    src,
                    connector,
                    mappings[src.name],
                    store,
                    config,
                    full=True,
                    clock=clock,
                    stop_event=stop,
                )
                result.findings[src.name] = analysis.findings
                result.reviews[src.name] = analysis.review
            except OkrsyncError as exc:
                if isinstance(exc, StateError):
                    raise
                result.errors[src.name] = str(exc)
                codes.append(exc.exit_code)
                log.error("lint source failed", source=src.name, problem=str(exc))
            finally:
                if connector is not None:
                    connector.close()
    result.exit_code = int(worst(codes))
    return result
