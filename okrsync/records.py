"""What crosses the connector boundary as plain data: records read and writes planned.

`SourceRecord` is one record as a connector read it; `Write` one idempotent write planned purely
from a review, and `WriteResult` what applying it did. They live apart from the Connector
protocol (`okrsync.connector`) and the review (`okrsync.review`) so that both can use them
without importing each other.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from okrsync.model import Frozen

Collection = Literal["objectives", "key_results", "cycles", "people", "check_ins"]
COLLECTIONS: tuple[Collection, ...] = ("objectives", "key_results", "cycles", "people", "check_ins")


class SourceRecord(Frozen):
    """One record as a connector read it, before the mapping gives it meaning."""

    collection: Collection
    external_id: str
    url: str | None = None
    updated_at: datetime | None = None
    fields: dict[str, Any] = {}
    trashed: bool = Field(default=False, description="Archived/trashed at the source: drop it.")


WriteKind = Literal["properties", "page", "schema", "comment", "row"]


class Write(Frozen):
    """One idempotent write, planned purely from a review.

    `target` is a stable key for the thing written (e.g. `notion:page:<id>` or
    `confluence:review:<space>:<cycle>`); the executor keeps `content_hash` per target in the
    ledger and skips a write whose hash did not change. `payload` is JSON-able and holds
    everything `apply()` needs; `changes` is the human view for `--dry-run` (field -> new value,
    and `before` the old values when known).
    """

    target: str
    kind: WriteKind
    description: str
    payload: dict[str, Any]
    changes: dict[str, Any] = {}
    before: dict[str, Any] = {}
    content_hash: str = ""
    page: str | None = Field(
        default=None,
        description="For a generated page (a review): where it lives and its title, e.g. "
        "'confluence:<site>:space:OKR:title:OKR Review Q3 2025'. Two writers planning the same "
        "page are refused before anything is written (okrsync.collisions).",
    )
    record: str | None = Field(
        default=None,
        description="The source record whose pulled values the plan compared with (`before`). "
        "When that record was pulled in this run, the plan saw the live values and still found "
        "a difference, so the executor writes even if the ledger holds the same hash: someone "
        "changed the output by hand.",
    )

    about: str | None = Field(
        default=None,
        description="For a new row about a source record (a check-in of a key result): that "
        "record. In an organisation a source keeps only the rows about records it read.",
    )

    def with_hash(self) -> Write:
        """Return this write with `content_hash` computed from its payload."""
        return self.model_copy(update={"content_hash": content_hash(self.payload)})


class WriteResult(Frozen):
    target: str
    status: Literal["applied", "unchanged", "failed"]
    remote_version: str | None = None
    error: str | None = None
    subject: str | None = Field(default=None, description="Page or record the failure is about.")

    @classmethod
    def failed(cls, write: Write, exc: Exception, subject: str | None = None) -> WriteResult:
        """`write` failed with `exc` (one bad record: the others go on), said as the write's
        description and the error, about `subject` (a page or record)."""
        return cls(
            target=write.target,
            status="failed",
            error=f"{write.description}: {exc}",
            subject=subject,
        )


def content_hash(payload: Any) -> str:
    """Stable SHA-256 of a JSON-able value (keys sorted, dates as ISO strings)."""

    def default(value: Any) -> str:
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, BaseModel):
            return json.dumps(value.model_dump(mode="json"), sort_keys=True)
        raise TypeError(f"not JSON-able: {type(value).__name__}")

    data = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=default)
    return hashlib.sha256(data.encode()).hexdigest()
