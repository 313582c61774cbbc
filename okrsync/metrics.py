"""Prometheus /metrics and /healthz for the daemon, served on loopback only.

The metrics live in their own `CollectorRegistry` (never prometheus_client's global one), so
several daemons in one test process, or a library user, never share counters. The server is a
small stdlib HTTP server bound to 127.0.0.1: metrics carry source names and counts, nothing
secret, but there is no reason to expose them beyond the host.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from okrsync.redaction import redact
from okrsync.sync import SyncSummary

LOOPBACK = "127.0.0.1"
UNHEALTHY_AFTER_FAILURES = 3


class Metrics:
    """The daemon's counters and the health it reports."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.runs = Counter(
            "okrsync_runs",
            "Sync runs per source and outcome.",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.writes = Counter(
            "okrsync_writes", "Writes applied per source.", ["source"], registry=self.registry
        )
        self.failures = Counter(
            "okrsync_failed_writes",
            "Failed writes per source.",
            ["source"],
            registry=self.registry,
        )
        self.last_success = Gauge(
            "okrsync_last_success_timestamp_seconds",
            "Unix time of the last successful run per source.",
            ["source"],
            registry=self.registry,
        )
        self.requests = Counter(
            "okrsync_api_requests", "API requests per source.", ["source"], registry=self.registry
        )
        self.rate_limited = Counter(
            "okrsync_api_rate_limited",
            "429 answers per source.",
            ["source"],
            registry=self.registry,
        )
        self.request_problems = Counter(
            "okrsync_api_problems",
            "Per source: retries, timeouts (total deadline passed) and answers over the size cap.",
            ["source", "kind"],
            registry=self.registry,
        )
        self.notifications = Counter(
            "okrsync_notifications",
            "Notification messages per channel and status (sent, failed, given_up, quiet, ...).",
            ["channel", "status"],
            registry=self.registry,
        )
        self._lock = threading.Lock()
        self.consecutive_failures = 0
        self.last_run: dict[str, Any] = {}
        self.last_success_at: datetime | None = None

    def observe(self, summary: SyncSummary) -> None:
        """Count one finished run."""
        with self._lock:
            for name, src in summary.sources.items():
                self.runs.labels(name, src.outcome).inc()
                self.writes.labels(name).inc(src.writes)
                self.failures.labels(name).inc(src.failed_writes)
                self.requests.labels(name).inc(int(src.requests.get("requests", 0)))
                self.rate_limited.labels(name).inc(int(src.requests.get("rate_limited", 0)))
                for kind in ("retries", "timeouts", "too_large"):
                    count = int(src.requests.get(kind, 0))
                    self.request_problems.labels(name, kind).inc(count)
                if src.outcome == "ok":
                    self.last_success.labels(name).set(summary.ended.timestamp())
            for channel, counts in summary.notifications.items():
                for status, count in counts.model_dump().items():
                    self.notifications.labels(channel, status).inc(count)
            if summary.outcome in ("ok", "partial"):
                self.consecutive_failures = 0
                self.last_success_at = summary.ended
            else:
                self.consecutive_failures += 1
            self.last_run = {
                "run_id": summary.run_id,
                "outcome": summary.outcome,
                "exit_code": summary.exit_code,
                "ended": summary.ended.isoformat(),
            }

    def observe_failure(self) -> None:
        """Count a run that could not start (config, state or lock problems)."""
        with self._lock:
            self.consecutive_failures += 1

    def health(self) -> tuple[int, dict[str, Any]]:
        """HTTP status and body for /healthz: 503 after several failed runs in a row."""
        with self._lock:
            healthy = self.consecutive_failures < UNHEALTHY_AFTER_FAILURES
            body = {
                "status": "ok" if healthy else "failing",
                "consecutive_failures": self.consecutive_failures,
                "last_success": self.last_success_at.isoformat() if self.last_success_at else None,
                "last_run": self.last_run,
            }
        return (200 if healthy else 503), body

    def exposition(self) -> bytes:
        return bytes(generate_latest(self.registry))


class MetricsServer:
    """/metrics and /healthz on 127.0.0.1:port in a background thread."""

    def __init__(self, metrics: Metrics, port: int) -> None:
        handler = _handler_for(metrics)
        self._server = ThreadingHTTPServer((LOOPBACK, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> MetricsServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler_for(metrics: Metrics) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] == "/metrics":
                self._send(200, metrics.exposition(), CONTENT_TYPE_LATEST)
            elif self.path.split("?")[0] == "/healthz":
                status, body = metrics.health()
                self._send(status, json.dumps(body).encode(), "application/json")
            else:
                self._send(404, b"not found\n", "text/plain")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            body = redact(body.decode("utf-8", "replace")).encode()  # nothing leaves unredacted
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: scrapes every few seconds would drown the daemon's own log."""

    return Handler
