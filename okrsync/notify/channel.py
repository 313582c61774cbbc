"""The channel boundary: how a notice reaches Teams, Slack or an inbox, and how one is found.

A channel is a connector of its own kind, under `connectors/`, registered under the entry-point
group `okrsync.channels` as a factory `create(context: ChannelContext) -> Channel` and loaded
only when a configured channel uses it. The core hands it a `Notice` and a `Destination` and
gets back a `Rendered` message (the exact payload, for the dry run and the demo's log) and, when
sent, a `Delivery`. Channels never raise for a refused message: they say so in the `Delivery`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from importlib.metadata import entry_points
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from pydantic import ConfigDict, Field, SecretStr

from okrsync.connector import env_secret
from okrsync.errors import ConfigError
from okrsync.model import Frozen
from okrsync.notify.message import EventKind, Notice

CHANNEL_ENTRY_POINT_GROUP = "okrsync.channels"


class Destination(Frozen):
    """Where one message goes. `target` is what the channel needs; `label` is what people see.

    Teams and Slack webhooks: `target` is the name of the environment variable holding the
    secret URL and `label` the team or channel name. A person: `target` is the e-mail address.
    """

    channel: str = Field(description="The channel's name in okrsync.toml [notify.channels].")
    target: str
    label: str
    person: bool = False
    language: str = "en"


class Rendered(Frozen):
    """One message as the channel will send it."""

    channel: str
    kind: EventKind
    to: str = Field(description="The destination's label (never a secret URL).")
    destination: Destination
    payload: Any = Field(description="The JSON body (Teams, Slack) or the raw RFC 5322 message.")
    text: str = Field(description="The human view for --dry-run.")
    html: str | None = Field(default=None, description="E-mail: the HTML part, for previews.")


class Delivery(Frozen):
    """What the channel answered. `permanent` failures are not retried on the next run."""

    status: Literal["sent", "failed"]
    permanent: bool = False
    error: str = ""
    retry_after: float | None = None


class ChannelContext(Frozen):
    """Everything a channel factory gets; secrets are read through `secret()`, never stored.

    `stop` is the run's stop event (SIGTERM/SIGINT): a send in flight gives up at once and the
    channel raises `InterruptedRun`, so the message stays open for the next run. `monotonic`
    is the clock of a request's total deadline (a test injects one to decide a timeout).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    name: str = Field(description="The channel's name in okrsync.toml.")
    options: dict[str, Any] = {}
    env: Mapping[str, str] = Field(default_factory=lambda: dict(os.environ), repr=False)
    clock: Callable[[], datetime] = Field(default=lambda: datetime.now(UTC), repr=False)
    sleep: Callable[[float], None] | None = Field(default=None, repr=False)
    stop: threading.Event | None = Field(default=None, repr=False)
    monotonic: Callable[[], float] = Field(default=time.monotonic, repr=False)

    def secret(self, variable: str | None, *, what: str) -> SecretStr:
        return env_secret(self.env, variable, owner=f"channel {self.name!r}", what=what)


class LimitError(ValueError):
    """A message that breaks the channel's limits even after cutting: a bug to report."""


@runtime_checkable
class Channel(Protocol):
    name: ClassVar[str]

    def render(self, notice: Notice, to: Destination) -> Rendered:
        """Pure: the exact payload, escaped once and checked against the channel's limits."""
        ...

    def send(self, message: Rendered) -> Delivery:
        """Send once; a refusal or fault is a failed Delivery. Raises `InterruptedRun` only
        when the run's stop event ended the send (it may or may not have arrived)."""
        ...

    def secrets(self) -> list[str]:
        """The secret values this channel holds (webhook URLs, passwords), for redaction."""
        ...

    def close(self) -> None: ...


ChannelFactory = Callable[[ChannelContext], Channel]


def available_channels() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=CHANNEL_ENTRY_POINT_GROUP))


def load_channel(kind: str) -> ChannelFactory:
    """The factory registered under `kind` (teams, slack, email)."""
    for ep in entry_points(group=CHANNEL_ENTRY_POINT_GROUP, name=kind):
        return ep.load()  # type: ignore[no-any-return]
    known = ", ".join(available_channels()) or "none"
    raise ConfigError(
        f"unknown channel type {kind!r} (installed: {known})",
        hint="use one of the installed channel types in [notify.channels.NAME] type",
    )
