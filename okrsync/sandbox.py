"""The sandbox boundary: local emulators of the vendor APIs, found through entry points.

Each vendor has an emulator (real HTTP on loopback) in the `okrsync_sandbox` package, registered
under the entry-point group `okrsync.sandboxes` as a factory `create_sandbox(port: int = 0) ->
Sandbox`. The demo, `okrsync sandbox serve`, the end-to-end tests, the benchmarks and the
reliability suite use emulators only through this protocol, so the core imports neither a
connector nor the sandbox package.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import Field

from okrsync.errors import ConfigError
from okrsync.model import Frozen, Workspace

SANDBOX_ENTRY_POINT_GROUP = "okrsync.sandboxes"
RECEIVER_ENTRY_POINT_GROUP = "okrsync.receivers"

FaultKind = Literal[
    "429",  # rate_limited with Retry-After
    "500",
    "502",
    "503",
    "504",
    "slow",  # answer after `slow_seconds` (past the client timeout when configured so)
    "reset",  # drop the connection before doing anything
    "conflict",  # 409 (Notion conflict_error, Confluence version conflict)
    "applied_then_reset",  # do the write, then drop the connection before answering
    "human_edit",  # Confluence: a person edits the page between okrsync's read and write
    "invalid_cursor",  # Notion: a request with a start_cursor gets 400 validation_error
]


class FaultPlan(Frozen):
    """Seeded fault injection for an emulator; the same seed gives the same faults."""

    seed: int = 0
    rates: dict[FaultKind, float] = Field(
        default={}, description="Probability per eligible request of each fault."
    )
    methods: tuple[str, ...] = Field(
        default=(), description="Only requests with these HTTP methods are eligible (all if empty)."
    )
    paths: tuple[str, ...] = Field(
        default=(), description="Only paths containing one of these are eligible (all if empty)."
    )
    retry_after: float = Field(default=1.0, description="Seconds sent in Retry-After with 429s.")
    slow_seconds: float = 2.0
    limit: int | None = Field(
        default=None, ge=0, description="At most this many faults in all, then none (no limit)."
    )


class SeedResult(Frozen):
    """What seeding a sandbox produced: enough to write an okrsync.toml source for it."""

    connector: str
    options: dict[str, Any] = Field(description="Connector options for okrsync.toml.")
    mapping: Path = Field(description="The mapping file that reads the seeded workspace.")
    env: dict[str, str] = Field(description="Environment variables holding sandbox credentials.")
    ids: dict[str, str] = Field(default={}, description="Canonical id -> sandbox page id.")


class RequestLogEntry(Frozen):
    at: float
    method: str
    path: str
    status: int
    fault: str | None = None


@runtime_checkable
class Sandbox(Protocol):
    name: str
    language: str
    """The language the seeded people write their own words in ("en", "de")."""

    @property
    def base_url(self) -> str:
        """Where the emulator listens once started, e.g. http://127.0.0.1:PORT."""
        ...

    def start(self) -> None:
        """Start serving in a background thread (idempotent)."""
        ...

    def stop(self) -> None: ...

    def seed(self, workspace: Workspace) -> SeedResult:
        """Lay out `workspace` the way real users keep OKRs (the shipped mapping's layout)."""
        ...

    def set_faults(self, plan: FaultPlan | None) -> None: ...

    def set_rate_limit(self, requests_per_second: float | None) -> None: ...

    def request_log(self) -> list[RequestLogEntry]: ...

    def save(self, path: Path) -> None:
        """Write the emulator's whole state as JSON."""
        ...

    def load(self, path: Path) -> None: ...

    def render_html(self) -> dict[str, str]:
        """Every stored page as a plain HTML view: page title -> HTML."""
        ...


SandboxFactory = Callable[..., Sandbox]


class ReceivedMessage(Frozen):
    """One message a notification receiver got, and what it answered."""

    channel: str = Field(description="teams | slack | email")
    to: str = Field(description="The workflow's or webhook's label, or the e-mail recipient.")
    status: int = Field(
        description="The answer: 202 (Teams), 200 (Slack), 250 (SMTP), or an error."
    )
    payload: Any = Field(description="The JSON body, or the raw RFC 5322 message.")
    error: str = Field(default="", description="Why it was refused, or why the flow run failed.")


class ReceiverSetup(Frozen):
    """How okrsync reaches a receiver: channel options, secrets, and where each label goes."""

    options: dict[str, Any] = Field(description="Options for okrsync.toml [notify.channels.X].")
    env: dict[str, str] = Field(description="Environment variables holding URLs and passwords.")
    targets: dict[str, str] = Field(
        default={}, description="Destination label (team) -> the variable naming its URL."
    )


@runtime_checkable
class Receiver(Protocol):
    """A local stand-in for a notification service (Teams, Slack, an SMTP server)."""

    name: str

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def setup(self, labels: list[str], people: tuple[str, ...] = ()) -> ReceiverSetup:
        """A destination for each label (a Workflow, a webhook), and how to reach them;
        `people` are the e-mail addresses of users the service knows (Slack direct messages)."""
        ...

    def set_faults(self, plan: FaultPlan | None) -> None: ...

    def received(self) -> list[ReceivedMessage]: ...

    def render_html(self) -> str:
        """Every received message as one HTML page, the way people would see it."""
        ...


def load_receiver(name: str) -> Callable[..., Receiver]:
    for ep in entry_points(group=RECEIVER_ENTRY_POINT_GROUP, name=name):
        return ep.load()  # type: ignore[no-any-return]
    raise ConfigError(f"no notification receiver named {name!r}")


def available_sandboxes() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=SANDBOX_ENTRY_POINT_GROUP))


def load_sandbox(name: str) -> SandboxFactory:
    for ep in entry_points(group=SANDBOX_ENTRY_POINT_GROUP, name=name):
        return ep.load()  # type: ignore[no-any-return]
    known = ", ".join(available_sandboxes()) or "none"
    raise ConfigError(f"no sandbox named {name!r} (installed: {known})")
