"""`okrsync daemon`: keep syncing on the config's schedule until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from okrsync.errors import ConfigError

if TYPE_CHECKING:
    from okrsync.metrics import MetricsServer


def register(subparsers: Any) -> None:
    """Add `daemon` to the okrsync command line."""
    daemon = subparsers.add_parser(
        "daemon",
        help="sync on the [schedule] until stopped",
        description="Runs the sync at once, then on [schedule] (interval or cron, with jitter "
        "and backoff). SIGTERM/SIGINT finish the write in flight and exit with code 5; a second "
        "signal exits at once. With [metrics] port set, serves /healthz and /metrics on "
        "127.0.0.1.",
    )
    daemon.add_argument("--config", required=True, type=Path, help="okrsync.toml")
    daemon.set_defaults(func=daemon_command)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def daemon_command(args: argparse.Namespace) -> int:
    from okrsync.config import load_config
    from okrsync.daemon import run_daemon, stop_on_signals
    from okrsync.log import Redactor, make_logger
    from okrsync.metrics import Metrics, MetricsServer

    config = load_config(args.config)
    redactor = Redactor.from_env(config.secret_env_names(), os.environ)
    log = make_logger(config.logging, redactor=redactor, mode="daemon")
    metrics = Metrics()
    server: MetricsServer | None = None
    if config.metrics.port:
        try:
            server = MetricsServer(metrics, config.metrics.port).start()
        except OSError as exc:
            raise ConfigError(
                f"{config.path}: [metrics] port {config.metrics.port}: cannot listen on "
                f"127.0.0.1:{config.metrics.port} ({exc.strerror})",
                hint="choose a free port, or remove [metrics] port",
            ) from None
        log.info("metrics serving", url=f"http://127.0.0.1:{server.port}/metrics")
    stop = threading.Event()
    try:
        with stop_on_signals(stop):
            return run_daemon(config, clock=_utc_now, stop_event=stop, log=log, metrics=metrics)
    finally:
        if server is not None:
            server.close()
