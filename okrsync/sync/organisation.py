"""Reading the organisation: every enabled source pulled (each failing alone) into one review.

A source that fails to read, or that a `--source` run does not select, takes part in the review
from its record cache, so the organisation's review pages never lose a department for one run;
only the sources read in this run get their pulls stored and their outputs planned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from okrsync.config import SourceConfig
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
from okrsync.log import log_internal_error
from okrsync.mapping.schema import Mapping as MappingFile
from okrsync.model import Finding, Workspace
from okrsync.organisation import qualified
from okrsync.review import Review
from okrsync.sync.build import ReviewBuild, SourceInput, build_review
from okrsync.sync.context import RunContext
from okrsync.sync.pull import SourcePull, cached_input, pull_source
from okrsync.sync.summary import SourceSummary, severity_counts


def error_code(exc: Exception) -> ExitCode:
    """The exit code a failure of one source stands for (a bug: partial, the others go on)."""
    if isinstance(exc, InterruptedRun):
        return ExitCode.INTERRUPTED
    if isinstance(exc, AuthError):
        return ExitCode.AUTH
    if isinstance(exc, TransientError):
        return ExitCode.TRANSIENT
    if isinstance(exc, ConfigError):
        return ExitCode.CONFIG
    if isinstance(exc, OkrsyncError):
        return exc.exit_code
    return ExitCode.PARTIAL


def failure_text(exc: Exception) -> str:
    if isinstance(exc, OkrsyncError):
        return str(exc)
    return f"internal error: {type(exc).__name__}: {exc}"


@dataclass
class OrganisationRead:
    """What reading the organisation produced."""

    built: ReviewBuild
    pulls: dict[str, SourcePull]
    connectors: dict[str, Connector]
    summaries: dict[str, SourceSummary]
    multi: bool = field(default=False)

    def own_findings(self, name: str) -> list[Finding]:
        """The findings about what source `name` read; findings about no source's records
        (a team, a cycle) go to the first source, so each finding is counted once."""
        owners: dict[str, str] = {}
        for source, out in self.built.sources.items():
            ids = [o.id for o in out.workspace.objectives]
            ids += [k.id for k in out.workspace.key_results]
            for item_id in ids:
                owners.setdefault(item_id, source)
                owners.setdefault(qualified(source, item_id), source)
            for finding in out.mapping_findings:
                owners.setdefault(finding.subject, source)
        first = next(iter(self.built.sources), name)
        return [f for f in self.built.findings if owners.get(f.subject, first) == name]

    def owned_workspace(self, name: str) -> Workspace:
        """The organisation's workspace cut to what source `name` read (its objectives, key
        results and their check-ins; every cycle and person), with the organisation's ids."""
        out = self.built.sources[name]
        ids = {o.id for o in out.workspace.objectives} | {k.id for k in out.workspace.key_results}
        ids |= {qualified(name, i) for i in ids}
        workspace = self.built.review.workspace
        key_results = tuple(k for k in workspace.key_results if k.id in ids)
        kr_ids = {k.id for k in key_results}
        return workspace.model_copy(
            update={
                "objectives": tuple(o for o in workspace.objectives if o.id in ids),
                "key_results": key_results,
                "check_ins": tuple(c for c in workspace.check_ins if c.key_result in kr_ids),
            }
        )

    def review_for(self, writer: str, source: str | None = None) -> Review:
        """The organisation's review as one writer plans it: named after the writer (its pages'
        markers carry that name) and, for a source, with only its own records to compare
        outputs against."""
        update: dict[str, object] = {"source": writer}
        if source is not None and source in self.pulls:
            update["source_records"] = tuple(self.pulls[source].records)
        return self.built.review.model_copy(update=update)


def read_organisation(
    ctx: RunContext,
    sources: Sequence[SourceConfig],
    selected: Sequence[str],
    mappings: Mapping[str, MappingFile],
    *,
    full: bool,
) -> OrganisationRead:
    """Pull the `selected` sources (full or incremental), take the others from their caches,
    and build the one review of them all. Each source's failure is caught into its summary."""
    store = ctx.store
    pulls: dict[str, SourcePull] = {}
    connectors: dict[str, Connector] = {}
    summaries: dict[str, SourceSummary] = {}
    inputs: list[SourceInput] = []
    for src in sources:
        mapping = mappings[src.name]
        if src.name not in selected:
            inputs.append(cached_input(store, src, mapping, src.connector))
            continue
        summary = summaries[src.name] = SourceSummary(source=src.name, connector=src.connector)
        slog = ctx.log.bind(source=src.name)
        if ctx.stop.is_set():
            summary.fail(ExitCode.INTERRUPTED, "stopped by a signal before this source started")
            inputs.append(cached_input(store, src, mapping, src.connector))
            continue
        if ctx.persist:
            store.start_run(ctx.run_id, src.name, ctx.clock())
        connector: Connector | None = None
        try:
            connector = ctx.connector(src, mapping)
            slog.info("pull started")
            pull = pull_source(ctx, src, connector, mapping, full=full)
        except StateError:
            raise
        except Exception as exc:  # one source's failure must not cost the others
            if not isinstance(exc, OkrsyncError):  # one line; its traceback only at debug
                log_internal_error(slog, "source failed", exc)
            summary.fail(error_code(exc), failure_text(exc))
            if connector is not None:
                summary.requests = connector.stats().model_dump()
                connector.close()
            inputs.append(cached_input(store, src, mapping, src.connector))
            continue
        pulls[src.name] = pull
        connectors[src.name] = connector
        inputs.append(pull.input(store))
    times = [p.at for p in pulls.values()]
    built = build_review(
        inputs,
        scoring=ctx.config.scoring,
        rules=ctx.config.rules,
        now=min(times) if times else ctx.clock(),
        name=sources[0].name if len(sources) == 1 else "",
    )
    read = OrganisationRead(
        built=built,
        pulls=pulls,
        connectors=connectors,
        summaries=summaries,
        multi=len(sources) > 1,
    )
    for name, pull in pulls.items():
        own = built.sources[name]
        summary = summaries[name]
        findings = read.own_findings(name)
        summary.full = pull.full
        summary.reads = len(pull.pulled)
        summary.records = len(pull.records)
        summary.objectives = len(own.workspace.objectives)
        summary.key_results = len(own.workspace.key_results)
        summary.dropped = len(own.dropped)
        summary.findings = len(findings)
        summary.findings_by_severity = severity_counts(findings)
        summary.history_added = len(own.new_history)
        ctx.log.bind(source=name).info(
            "pull done",
            reads=summary.reads,
            records=summary.records,
            full=pull.full,
            dropped=summary.dropped,
            findings=summary.findings,
        )
    return read
