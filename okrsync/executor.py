"""The write executor: apply planned writes one at a time, record each only once confirmed.

A write whose content hash equals the ledger's for its target is skipped. The rest are applied
in order; each confirmed write (applied, or `unchanged` because the remote marker already
matched) is committed to the ledger at once, so a crash or a signal never loses a confirmed
write and never records an unconfirmed one. A failed write is reported and the others go on;
an AuthError stops the source; a stop request is honoured between writes.

Retries live in the connector (one layer, honouring Retry-After); a TransientError reaching the
executor means the connector gave up on that write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from okrsync.connector import Connector
from okrsync.errors import (
    AccessDenied,
    AuthError,
    InterruptedRun,
    OkrsyncError,
    RecordError,
    TransientError,
)
from okrsync.model import Frozen
from okrsync.records import Write
from okrsync.state import StateStore

OutcomeStatus = Literal["applied", "unchanged", "skipped", "failed", "planned", "not_attempted"]

# Refusals in a row that mean the account lacks access, not that one page is restricted.
DENIALS_THAT_STOP_A_SOURCE = 3


class WriteOutcome(Frozen):
    """What happened to one planned write."""

    target: str
    kind: str
    description: str
    status: OutcomeStatus
    error: str | None = None
    subject: str | None = None
    changes: dict[str, Any] = {}
    before: dict[str, Any] = {}


class ExecutionReport(Frozen):
    """Everything the executor did for one source."""

    outcomes: tuple[WriteOutcome, ...] = ()
    interrupted: bool = False
    auth_error: str | None = Field(default=None, description="Why the source was stopped.")
    transient_failures: int = 0

    def count(self, status: OutcomeStatus) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def errors(self) -> list[str]:
        found = [f"{o.target}: {o.error}" for o in self.outcomes if o.status == "failed"]
        if self.auth_error:
            found.append(self.auth_error)
        return found


def _outcome(write: Write, status: OutcomeStatus, **extra: Any) -> WriteOutcome:
    return WriteOutcome(
        target=write.target,
        kind=write.kind,
        description=write.description,
        status=status,
        changes=write.changes,
        before=write.before,
        **extra,
    )


def already_written(
    write: Write, ledger_hashes: Mapping[str, str], fresh_records: Collection[str] = ()
) -> bool:
    """Whether the ledger says this exact content is in place and nothing says otherwise.

    A write planned against a record pulled in this run was compared with the live values and
    still differs, so the remote drifted (a person edited the output): it is not skipped.
    """
    if not write.content_hash or ledger_hashes.get(write.target) != write.content_hash:
        return False
    return write.record is None or write.record not in fresh_records


def preview(
    writes: Sequence[Write],
    ledger_hashes: dict[str, str],
    fresh_records: Collection[str] = (),
) -> ExecutionReport:
    """What `execute` would do, without doing it: for --dry-run."""
    return ExecutionReport(
        outcomes=tuple(
            _outcome(
                w,
                "skipped" if already_written(w, ledger_hashes, fresh_records) else "planned",
            )
            for w in writes
        )
    )


def execute(
    writes: Sequence[Write],
    *,
    connector: Connector,
    store: StateStore,
    source: str,
    clock: Callable[[], datetime],
    stop_event: threading.Event,
    on_outcome: Callable[[WriteOutcome], None] | None = None,
    fresh_records: Collection[str] = (),
) -> ExecutionReport:
    """Apply `writes` in order, skipping unchanged ones and recording each confirmed one.

    `on_outcome` is called after each write (for logging and metrics). `fresh_records` are the
    external ids pulled in this run (see `already_written`).
    """
    hashes = {t: e.content_hash for t, e in store.ledger(source).items()}
    outcomes: list[WriteOutcome] = []
    interrupted = False
    auth_error: str | None = None
    transient = 0
    denied_in_a_row = 0

    def report(outcome: WriteOutcome) -> None:
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    for index, write in enumerate(writes):
        if already_written(write, hashes, fresh_records):
            report(_outcome(write, "skipped"))
            continue
        if stop_event.is_set():
            interrupted = True
        if interrupted or auth_error:
            outcomes.extend(_outcome(w, "not_attempted") for w in writes[index:])
            break
        try:
            result = connector.apply(write)
        except InterruptedRun:
            # The connector stopped waiting to retry: the write is unconfirmed, so unrecorded.
            interrupted = True
            outcomes.extend(_outcome(w, "not_attempted") for w in writes[index:])
            break
        except AuthError as exc:
            auth_error = f"{write.target}: {exc}"
            report(_outcome(write, "failed", error=str(exc), subject=write.target))
            continue
        except AccessDenied as exc:
            report(_outcome(write, "failed", error=str(exc), subject=exc.subject))
            denied_in_a_row += 1
            if denied_in_a_row >= DENIALS_THAT_STOP_A_SOURCE:
                auth_error = (
                    f"{denied_in_a_row} writes in a row were refused (last: {exc.subject}); "
                    "the account lacks access, not just one page"
                )
            continue
        except TransientError as exc:
            transient += 1
            report(_outcome(write, "failed", error=str(exc), subject=write.target))
            continue
        except RecordError as exc:
            report(_outcome(write, "failed", error=str(exc), subject=exc.subject))
            continue
        except OkrsyncError as exc:
            report(_outcome(write, "failed", error=str(exc), subject=write.target))
            continue
        except Exception as exc:  # a bug in one write must not cost the others
            report(
                _outcome(
                    write, "failed", error=f"{type(exc).__name__}: {exc}", subject=write.target
                )
            )
            continue
        denied_in_a_row = 0
        if result.status == "failed":
            report(
                _outcome(
                    write,
                    "failed",
                    error=result.error or "the connector reported a failure",
                    subject=result.subject or write.target,
                )
            )
            continue
        if write.content_hash:
            store.record_write(
                source, write.target, write.content_hash, result.remote_version, clock()
            )
            hashes[write.target] = write.content_hash
        report(_outcome(write, result.status))
    return ExecutionReport(
        outcomes=tuple(outcomes),
        interrupted=interrupted,
        auth_error=auth_error,
        transient_failures=transient,
    )
