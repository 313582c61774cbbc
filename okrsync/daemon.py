"""The daemon: run the sync on an interval or a cron expression, with jitter and backoff, until
a signal asks it to stop.

A run starts at once when the daemon starts, then at the next scheduled time (interval after the
last run ended, or the next cron time, UTC) plus a random jitter so that many daemons do not hit
an API together. After a failed run (auth, config, state, or the service failing after retries)
the wait grows exponentially from `backoff_initial` up to `backoff_max`; a run that finished,
even partially, resets it.

SIGTERM or SIGINT sets the stop event: a run in progress finishes the write in flight, records
it and stops; an idle daemon stops at once. Either way the exit code is 5 (interrupted). A
second signal exits immediately: the state store is transactional and the lock is released by
the OS, so nothing is left half-written.
"""

from __future__ import annotations

import os
import random
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from okrsync.config import Config, ScheduleSettings
from okrsync.errors import ConfigError, ExitCode, LockedError, StateError
from okrsync.log import log_internal_error
from okrsync.metrics import Metrics
from okrsync.sync import Clock, ConnectorLoader, Logger, run_sync

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def next_scheduled(schedule: ScheduleSettings, after: datetime, jitter_draw: float) -> datetime:
    """When the next run is due after `after`; `jitter_draw` in [0, 1) scales the jitter."""
    from croniter import croniter

    if schedule.cron:
        base: datetime = croniter(schedule.cron, after).get_next(datetime)
    else:
        base = after + timedelta(seconds=schedule.every)
    return base + timedelta(seconds=jitter_draw * schedule.jitter)


def backoff_delay(schedule: ScheduleSettings, failures: int) -> float:
    """Seconds to wait at least after `failures` failed runs in a row (0 when none)."""
    if failures <= 0:
        return 0.0
    return float(min(schedule.backoff_initial * 2 ** (failures - 1), schedule.backoff_max))


def run_failed(exit_code: int) -> bool:
    """Whether a run's exit code calls for backoff (a partial run finished: it does not)."""
    return exit_code not in (ExitCode.OK, ExitCode.PARTIAL)


def run_daemon(
    config: Config,
    *,
    clock: Clock,
    stop_event: threading.Event,
    log: Logger,
    env: Mapping[str, str] | None = None,
    metrics: Metrics | None = None,
    draw: Callable[[], float] = random.random,
    connector_loader: ConnectorLoader | None = None,
    max_runs: int | None = None,
) -> int:
    """Loop until stopped (or `max_runs` runs); return the exit code (5 once stopped)."""
    failures = 0
    runs = 0
    extra: dict[str, Any] = {}
    if connector_loader is not None:
        extra["connector_loader"] = connector_loader
    log.info("daemon started", schedule=config.schedule.model_dump(exclude_none=True))
    while not stop_event.is_set():
        code: int
        try:
            summary = run_sync(
                config, clock=clock, stop_event=stop_event, env=env, log=log, **extra
            )
        except LockedError as exc:
            log.warning("run skipped", reason=str(exc))
            code = int(ExitCode.OK)
        except (ConfigError, StateError) as exc:
            log.error("run failed before it started", problem=str(exc))
            code = int(exc.exit_code)
            if metrics is not None:
                metrics.observe_failure()
        except Exception as exc:  # a bug must not end the daemon; back off as after a failed run
            log_internal_error(log, "run failed with an internal error", exc)
            code = int(ExitCode.TRANSIENT)
            if metrics is not None:
                metrics.observe_failure()
        else:
            code = summary.exit_code
            if metrics is not None:
                metrics.observe(summary)
        runs += 1
        if code == ExitCode.INTERRUPTED or stop_event.is_set():
            break
        failures = failures + 1 if run_failed(code) else 0
        if max_runs is not None and runs >= max_runs:
            return code
        now = clock()
        due = next_scheduled(config.schedule, now, draw())
        wait_floor = now + timedelta(seconds=backoff_delay(config.schedule, failures))
        due = max(due, wait_floor)
        log.info("next run", at=due.isoformat(), failures_in_a_row=failures)
        if stop_event.wait(max(0.0, (due - clock()).total_seconds())):
            break
    log.info("daemon stopped", reason="signal")
    return int(ExitCode.INTERRUPTED)


@contextmanager
def stop_on_signals(
    stop_event: threading.Event,
    *,
    exit_now: Callable[[int], None] = os._exit,
) -> Iterator[threading.Event]:
    """Turn the first SIGTERM/SIGINT into `stop_event`, a second one into an immediate exit.

    The handler only sets the event: it must not log, because the signal may arrive while the
    logger holds its output lock, and logging from the handler would then deadlock.
    """

    def handle(signum: int, frame: FrameType | None) -> None:
        if stop_event.is_set():
            exit_now(int(ExitCode.INTERRUPTED))
            return
        stop_event.set()

    previous = {sig: signal.signal(sig, handle) for sig in STOP_SIGNALS}
    try:
        yield stop_event
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
