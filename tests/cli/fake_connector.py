"""A test double of a vendor: a connector over records kept in one JSON file.

Not a mock of okrsync's own code: it implements the Connector protocol the way a real vendor
connector would, over a tiny "remote" (the JSON file), so the engine's pipeline, executor and
CLI can be tested without a network. Subprocess tests name it in okrsync.toml as
`connector = "tests.cli.fake_connector:create"`.

The vendor file holds:
- `records`: SourceRecord dicts (the remote's pages), each with `updated_at`;
- `pages`: target -> payload of what okrsync wrote, `versions`: target -> int;
- `applied`: every applied target in order (to count writes);
- `fail_targets`: targets whose writes fail (`fail_mode`: "result", "record", "transient",
  "denied");
- `pull_error`: "auth" | "transient" | "leak" | null, raised by pull after the first record
  ("leak": an unexpected error whose message contains the token);
- `auth_fail_writes`: raise AuthError on every write;
- `write_delay`: seconds each write takes (a slow vendor, for signal tests);
- `full_every`: ask the engine for a full read every N runs (the optional hook).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, FilePath

from okrsync.connector import (
    ConnectorContext,
    ConnectorStats,
    Problem,
    SourceRecord,
    SourceSchema,
    Write,
    WriteResult,
)
from okrsync.errors import AccessDenied, AuthError, RecordError, TransientError
from okrsync.review import Review


class FakeOptions(BaseModel):
    """The options okrsync.toml gives this connector, validated at config load as a real
    connector's are (other keys are test knobs, allowed)."""

    model_config = ConfigDict(extra="allow")

    vendor: FilePath  # the "remote" must exist, as a real connector's site must answer
    token_env: str | None = None


options_model = FakeOptions


def load_vendor(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    for key, default in (
        ("records", []),
        ("pages", {}),
        ("versions", {}),
        ("applied", []),
        ("fail_targets", []),
    ):
        data.setdefault(key, default)
    return data


def save_vendor(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    tmp.replace(path)


class FakeConnector:
    """The Connector protocol over a JSON vendor file."""

    name: ClassVar[str] = "fake"

    def __init__(self, context: ConnectorContext) -> None:
        self.context = context
        self.path = Path(context.options["vendor"])
        self._stats = ConnectorStats()
        self._cursor: datetime | None = None
        self.closed = False

    def check(self) -> list[Problem]:
        self._stats.requests += 1
        token_env = self.context.options.get("token_env")
        if token_env:
            self.context.secret(token_env, what="fake token")
        data = load_vendor(self.path)
        if data.get("pull_error") == "auth":
            return [
                Problem(
                    severity="error",
                    subject="database Objectives",
                    message="not shared with the integration",
                    hint="share the database with the integration",
                )
            ]
        return []

    def describe(self) -> SourceSchema:
        return SourceSchema(connector=self.name, collections={})

    def pull(self, since: datetime | None) -> Iterator[SourceRecord]:
        data = load_vendor(self.path)
        self._stats.requests += 1
        latest: datetime | None = None
        for index, raw in enumerate(data["records"]):
            if index == 1 and data.get("pull_error") == "auth":
                raise AuthError("the fake vendor refused the token")
            if index == 1 and data.get("pull_error") == "leak":
                token = self.context.secret(self.context.options.get("token_env"), what="token")
                raise RuntimeError(
                    f"vendor echoed the header Authorization: {token.get_secret_value()}"
                )
            if index == 1 and data.get("pull_error") == "transient":
                self._stats.rate_limited += 1
                raise TransientError("the fake vendor kept answering 503")
            record = SourceRecord.model_validate(raw)
            stamp = record.updated_at
            if stamp is not None and (latest is None or stamp > latest):
                latest = stamp
            if since is not None and stamp is not None and stamp <= since:
                continue
            yield record
        self._cursor = latest

    def full_refresh_due(self, *, runs_since_full: int, last_full: datetime | None) -> bool:
        """The optional hook: a full read every `full_every` runs when the vendor asks."""
        every: int | None = load_vendor(self.path).get("full_every")
        return every is not None and runs_since_full >= every

    def cursor(self) -> datetime | None:
        return self._cursor

    def plan(self, review: Review) -> list[Write]:
        writes: list[Write] = []
        for oid, score in sorted(review.evaluation.objectives.items()):
            writes.append(
                Write(
                    target=f"fake:page:{oid}",
                    kind="properties",
                    description=f"objective {oid}",
                    payload={"Score": score.grade, "Health": score.health},
                    changes={"Score": score.grade, "Health": score.health},
                ).with_hash()
            )
        for kid, kscore in sorted(review.evaluation.key_results.items()):
            writes.append(
                Write(
                    target=f"fake:page:{kid}",
                    kind="properties",
                    description=f"key result {kid}",
                    payload={"Score": kscore.grade, "Health": kscore.health},
                    changes={"Score": kscore.grade, "Health": kscore.health},
                ).with_hash()
            )
        if self.context.writeback.reviews:
            grades = {k: v.grade for k, v in sorted(review.evaluation.objectives.items())}
            writes.append(
                Write(
                    target="fake:review",
                    kind="page",
                    description="review page",
                    payload={
                        "grades": grades,
                        "findings": len(review.findings),
                        # like real review pages, show each score's change
                        "previous": dict(sorted(review.previous_scores.items())),
                    },
                ).with_hash()
            )
        return writes

    def apply(self, write: Write) -> WriteResult:
        data = load_vendor(self.path)
        self._stats.requests += 1
        delay = float(data.get("write_delay", 0))
        if delay:
            time.sleep(delay)
        if data.get("auth_fail_writes"):
            raise AuthError("the fake vendor revoked write access")
        if write.target in data["fail_targets"]:
            mode = data.get("fail_mode", "result")
            if mode == "record":
                raise RecordError("validation_error on the page", subject=write.target)
            if mode == "denied":
                raise AccessDenied("403: the page is restricted", subject=write.target)
            if mode == "transient":
                raise TransientError("still 502 after retries")
            return WriteResult(target=write.target, status="failed", error="page is locked")
        if data["pages"].get(write.target) == write.payload:
            return WriteResult(target=write.target, status="unchanged")
        data["pages"][write.target] = write.payload
        version = int(data["versions"].get(write.target, 0)) + 1
        data["versions"][write.target] = version
        data["applied"].append(write.target)
        save_vendor(self.path, data)
        return WriteResult(target=write.target, status="applied", remote_version=str(version))

    def stats(self) -> ConnectorStats:
        return self._stats

    def close(self) -> None:
        self.closed = True


def create(context: ConnectorContext) -> FakeConnector:
    """The factory okrsync loads for `connector = "tests.cli.fake_connector:create"`."""
    return FakeConnector(context)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()
