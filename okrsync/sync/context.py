"""The run context: what every stage of one run shares, built once at the entry point.

`run_sync` and `run_lint` build a `RunContext` from their caller's arguments (clock, environment,
stop event, logger, connector loader) and the state store they opened, then hand that one object
down instead of threading a dozen keyword arguments through every function.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from okrsync.config import Config, DestinationConfig, SourceConfig, resolve_connector
from okrsync.connector import Connector, ConnectorContext, ConnectorFactory
from okrsync.errors import InterruptedRun
from okrsync.log import Redactor, make_logger
from okrsync.mapping.schema import Mapping as MappingFile
from okrsync.state import StateStore

if TYPE_CHECKING:
    from okrsync.notify.notifier import NotifyRun

Clock = Callable[[], datetime]
ConnectorLoader = Callable[[str], ConnectorFactory]
Logger = Any  # structlog's FilteringBoundLogger; kept loose so tests can pass their own
Progress = Callable[[str, int, bool], None]
"""Called with (source, records read so far, done) while pulling: for a terminal progress line."""


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


def new_run_id(clock: Clock) -> str:
    """A sortable, unique run id: UTC time plus a random suffix."""
    return f"{clock().strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:8]}"


def interruptible_sleep(stop_event: threading.Event) -> Callable[[float], None]:
    """A sleep for connectors' retry waits that gives up as soon as a stop is requested."""

    def sleep(seconds: float) -> None:
        if stop_event.wait(max(0.0, seconds)):
            raise InterruptedRun("stopped while waiting to retry a request")

    return sleep


@dataclass(frozen=True, slots=True)
class RunContext:
    """Everything one run shares; `store` is the state store the run opened."""

    config: Config
    store: StateStore
    clock: Clock
    env: Mapping[str, str]
    stop: threading.Event
    log: Logger
    connector_loader: ConnectorLoader
    run_id: str
    persist: bool = True
    """False for --dry-run and lint: the store is read, never written."""
    progress: Progress | None = None
    notifier: NotifyRun | None = None
    """Sends due notifications after each source's writes (None: --no-notify, dry run)."""

    def connector(
        self, src: SourceConfig | DestinationConfig, mapping: MappingFile | None
    ) -> Connector:
        """A connector for a source (or a review destination, without a mapping), with the
        run's clock, environment, interruptible sleep and the stop event (which also ends a
        request in flight)."""
        factory = self.connector_loader(src.connector)
        return factory(
            ConnectorContext(
                source=src.name,
                options=src.options,
                mapping=mapping,
                writeback=src.writeback,
                language=src.language,
                env=self.env,
                clock=self.clock,
                sleep=interruptible_sleep(self.stop),
                stop=self.stop,
                log=self.log.bind(source=src.name),
            )
        )


@dataclass(frozen=True, slots=True)
class RunArgs:
    """What a caller may pass to an entry point; the rest defaults (real clock, os.environ)."""

    clock: Clock = utc_now
    stop_event: threading.Event | None = None
    env: Mapping[str, str] | None = None
    log: Logger | None = None
    connector_loader: ConnectorLoader = resolve_connector
    run_id: str | None = None
    progress: Progress | None = None

    def resolved_env(self) -> Mapping[str, str]:
        """The environment credentials are read from: the one given, or os.environ."""
        return dict(os.environ) if self.env is None else self.env

    def context(self, config: Config, store: StateStore, *, persist: bool) -> RunContext:
        """The run context, built once."""
        env = self.resolved_env()
        log = self.log
        redactor = Redactor.from_env(config.secret_env_names(), env)  # remembered process-wide
        if log is None:
            log = make_logger(config.logging, redactor=redactor)
        run_id = self.run_id or new_run_id(self.clock)
        return RunContext(
            config=config,
            store=store,
            clock=self.clock,
            env=env,
            stop=self.stop_event or threading.Event(),
            log=log.bind(run_id=run_id),
            connector_loader=self.connector_loader,
            run_id=run_id,
            persist=persist,
            progress=self.progress,
        )
