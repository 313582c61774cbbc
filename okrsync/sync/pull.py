"""Reading one source: decide full or incremental, pull, merge with the cache, store the pull.

The pull is incremental (since the stored cursor) unless asked for a full one, there is no
cursor yet, the source's full refresh is due, or the connector asks for one. The cache and the
cursor are saved only after a complete pull, and the cursor never moves past a record the
mapping had to drop, so that record is read again next time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from okrsync.config import SourceConfig
from okrsync.connector import Connector, FullRefreshHint, RemembersLookups
from okrsync.errors import InterruptedRun
from okrsync.mapping.schema import Mapping as MappingFile
from okrsync.records import SourceRecord
from okrsync.redaction import record_redactor, redact_model
from okrsync.state import StateStore
from okrsync.sync.build import SourceInput, SourceOutput
from okrsync.sync.context import RunContext
from okrsync.sync.merge import (
    keep_own_edit_times,
    merge_records,
    output_fields,
    record_key,
    safe_cursor,
)

PROGRESS_EVERY = 25


@dataclass(frozen=True, slots=True)
class SourcePull:
    """One source's complete pull, merged with its cache."""

    src: SourceConfig
    mapping: MappingFile
    connector_name: str
    pulled: list[SourceRecord]
    records: list[SourceRecord]
    full: bool
    cursor: datetime | None
    at: datetime

    def input(self, store: StateStore) -> SourceInput:
        """What the review builder needs of this source, with its stored history."""
        return SourceInput(
            name=self.src.name,
            connector=self.connector_name,
            mapping=self.mapping,
            records=self.records,
            history=store.history(self.src.name),
            stored_scores=store.stored_scores(self.src.name),
        )


def cached_input(
    store: StateStore, src: SourceConfig, mapping: MappingFile, name: str
) -> SourceInput:
    """A source that was not read this run (failed, or not selected), from its cache: the
    organisation's review keeps its objectives instead of losing them for one run."""
    return SourceInput(
        name=src.name,
        connector=name,
        mapping=mapping,
        records=sorted(
            (r for r in store.cached_records(src.name) if not r.trashed), key=record_key
        ),
        history=store.history(src.name),
        stored_scores=store.stored_scores(src.name),
    )


def full_due(src: SourceConfig, store: StateStore, now: datetime) -> bool:
    """Whether the source's scheduled full refresh is due (or it was never read)."""
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


def connector_wants_full(connector: Connector, src: SourceConfig, store: StateStore) -> bool:
    """Honour a connector's optional FullRefreshHint."""
    if not isinstance(connector, FullRefreshHint):
        return False
    last_full = store.cursor(src.name).full_refresh_at
    return bool(
        connector.full_refresh_due(
            runs_since_full=runs_since_full(store, src.name), last_full=last_full
        )
    )


def pull_source(
    ctx: RunContext, src: SourceConfig, connector: Connector, mapping: MappingFile, *, full: bool
) -> SourcePull:
    """Pull `src` (full or incremental) and merge it with the cached records."""
    store = ctx.store
    now = ctx.clock()
    full_pull = full or full_due(src, store, now) or connector_wants_full(connector, src, store)
    since = None if full_pull else store.cursor(src.name).cursor
    if isinstance(connector, RemembersLookups):
        connector.restore_lookups(store.lookups(src.name))
    pulled: list[SourceRecord] = []
    redactor = record_redactor()  # a vendor echoing the token must not carry it further
    for record in connector.pull(since):
        if ctx.stop.is_set():
            raise InterruptedRun("stopped during the pull; nothing was written")
        pulled.append(redact_model(record, redactor))
        if ctx.progress is not None and len(pulled) % PROGRESS_EVERY == 0:
            ctx.progress(src.name, len(pulled), False)
    if ctx.progress is not None:
        ctx.progress(src.name, len(pulled), True)
    cursor = connector.cursor()
    cached = {record_key(r): r for r in store.cached_records(src.name)}
    pulled = keep_own_edit_times(pulled, cached, output_fields(mapping))
    return SourcePull(
        src=src,
        mapping=mapping,
        connector_name=connector.name,
        pulled=pulled,
        records=merge_records(cached.values(), pulled, full=full_pull),
        full=full_pull,
        cursor=cursor,
        at=now,
    )


def save_lookups(ctx: RunContext, src: SourceConfig, connector: Connector) -> None:
    """Keep what the connector resolved this run for the next one (see RemembersLookups)."""
    if ctx.persist and isinstance(connector, RemembersLookups):
        ctx.store.save_lookups(src.name, connector.lookups(), ctx.clock())


def save_source(ctx: RunContext, pull: SourcePull, built: SourceOutput) -> None:
    """Store the pull (cache and cursor), the new history rows and the current scores.

    Done right after the review is built and before any write: that is what makes an
    interrupted run resumable, since the next run sees the same workspace and the ledger skips
    the writes already confirmed.
    """
    if not ctx.persist:
        return
    store = ctx.store
    name = pull.src.name
    store.save_pull(
        name,
        pull.pulled,
        full=pull.full,
        cursor=safe_cursor(pull.cursor, pull.records, built.dropped),
        full_refresh_at=pull.at if pull.full else None,
    )
    store.record_values(name, built.new_history)
    store.save_scores(name, built.scores, pull.at)
