"""The emulator's HTTP side: a threaded loopback server speaking Notion's REST API.

Per request, in order: record arrival (early-retry watch), fault injection, rate limit, auth
(`Authorization: Bearer <token>`), `Notion-Version`, then the route. Every answer carries a
`request_id`; every request is logged with its status and fault and counted per endpoint.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import re
import socket
import struct
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from okrsync.model import Workspace
from okrsync.sandbox import FaultKind, FaultPlan, RequestLogEntry, SeedResult

from .faults import FaultInjector, RateLimiter, RetryWatch, retry_after_header
from .routes import Request, dispatch, route
from .shapes import JSON, ApiError
from .store import NotionStore

DEFAULT_TOKEN: Final = "secret_sandbox_token"  # noqa: S105 (a sandbox-only token)
TOKEN_ENV: Final = "OKRSYNC_SANDBOX_NOTION_TOKEN"  # noqa: S105 (a variable name)
_FAULT_ERRORS: Final[dict[str, tuple[int, str, str]]] = {
    "500": (500, "internal_server_error", "Unexpected error occurred."),
    "502": (502, "bad_gateway", "Bad gateway."),
    "503": (503, "service_unavailable", "Notion is unavailable, please try again later."),
    "504": (504, "gateway_timeout", "Gateway timeout."),
    "conflict": (409, "conflict_error", "Conflict occurred while saving. Please try again."),
}


_READS: Final = frozenset({"POST /v1/data_sources/{id}/query", "POST /v1/search"})
_PAGE_PATH: Final = re.compile(r"^/v1/(?:pages|blocks)/([^/]+)")


@dataclass
class Answer:
    """What to send back: a JSON body, or (body None, status 0) a reset connection."""

    status: int
    body: JSON | None
    headers: dict[str, str] = field(default_factory=dict)


def _rate_limited(seconds: float) -> ApiError:
    return ApiError(
        429,
        "rate_limited",
        "You have been rate limited. Please try again in a few minutes.",
        headers={"Retry-After": retry_after_header(seconds)},
    )


class _LoopbackServer(ThreadingHTTPServer):
    """A threaded HTTP server that stays quiet when a client hangs up first (timeouts)."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class NotionSandbox:
    """A local Notion API (real HTTP on 127.0.0.1) over a `NotionStore`.

    Implements `okrsync.sandbox.Sandbox`. `clock` drives page timestamps; `monotonic` drives
    the rate limiter and the Retry-After watch (both injectable so tests never sleep).
    """

    name = "notion"

    def __init__(
        self,
        port: int = 0,
        *,
        token: str = DEFAULT_TOKEN,
        clock: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        seed: int | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.store = NotionStore(clock=clock, seed=seed)
        self.token = token
        self.monotonic = monotonic
        self._host = host
        self._port = port
        self._server: _LoopbackServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._faults: FaultInjector | None = None
        self._limiter: RateLimiter | None = None
        self.retry_watch = RetryWatch(monotonic)
        self._log: list[RequestLogEntry] = []
        self._counts: Counter[str] = Counter()
        self._fault_counts: Counter[str] = Counter()
        self._rate_limited = 0
        self.read_only = False

    # ----------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        """Where the emulator listens; the port is bound on first use, so the URL is real
        even before `start()`."""
        with self._lock:
            host, port = self._bind().server_address[:2]
        return f"http://{host!s}:{port}"

    def _bind(self) -> _LoopbackServer:
        if self._server is None:
            self._server = _LoopbackServer((self._host, self._port), _make_handler(self))
        return self._server

    def start(self) -> None:
        """Start serving in a daemon thread (idempotent)."""
        with self._lock:
            if self._thread is not None:
                return
            server = self._bind()
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="notion-sandbox",
                daemon=True,
            )
            self._thread.start()

    def stop(self) -> None:
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is not None:
            if thread is not None:
                server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> NotionSandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----------------------------------------------------------------- configuration

    def set_faults(self, plan: FaultPlan | None) -> None:
        self._faults = FaultInjector(plan) if plan is not None else None

    def set_rate_limit(
        self, requests_per_second: float | None, *, burst: float | None = None
    ) -> None:
        """Limit the average rate (Notion: 3 rps, bursts allowed); None turns it off."""
        self._limiter = (
            RateLimiter(requests_per_second, burst=burst, monotonic=self.monotonic)
            if requests_per_second
            else None
        )

    # ----------------------------------------------------------------- observation

    def request_log(self) -> list[RequestLogEntry]:
        with self._lock:
            return list(self._log)

    def reset_log(self) -> None:
        """Forget logged requests, counters and the early-retry count."""
        with self._lock:
            self._log.clear()
            self._counts.clear()
            self._fault_counts.clear()
            self._rate_limited = 0
        self.retry_watch.reset()

    def stats(self) -> dict[str, Any]:
        """Requests per endpoint, faults per kind, limiter 429s and early retries."""
        with self._lock:
            return {
                "requests": sum(self._counts.values()),
                "per_endpoint": dict(self._counts),
                "faults": dict(self._fault_counts),
                "rate_limited": self._rate_limited,
                "early_retries": self.retry_watch.early_retries,
            }

    def _record(
        self, method: str, path: str, endpoint: str, status: int, fault: str | None
    ) -> None:
        with self._lock:
            self._log.append(
                RequestLogEntry(
                    at=time.time(), method=method, path=path, status=status, fault=fault
                )
            )
            self._counts[endpoint] += 1
            if fault is not None:
                self._fault_counts[fault] += 1
            if status == 429 and fault is None:
                self._rate_limited += 1

    # ----------------------------------------------------------------- state

    def seed(self, workspace: Workspace) -> SeedResult:
        """Lay `workspace` out as the Notion OKR template (see seed.py)."""
        from .seed import seed_workspace

        return seed_workspace(self, workspace)

    def save(self, path: Path) -> None:
        path.write_text(
            json.dumps(self.store.to_json(), indent=1, sort_keys=True), encoding="utf-8"
        )

    def load(self, path: Path) -> None:
        self.store.load_json(json.loads(path.read_text(encoding="utf-8")))

    def render_html(self) -> dict[str, str]:
        from .render import render_pages

        return render_pages(self.store)

    # ----------------------------------------------------------------- one request

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], raw_body: bytes
    ) -> Answer:
        """Answer one request (logged and counted before the answer goes out)."""
        parts = urlsplit(raw_path)
        path = parts.path
        try:
            endpoint = route(method, path)[0]
        except ApiError:
            endpoint = f"{method} (unknown)"
        self.retry_watch.arrived()
        fault = self._faults.draw(method, path) if self._faults is not None else None
        if fault == "reset":
            answer = Answer(0, None)
        else:
            answer = self._answer(method, parts.path, parts.query, headers, raw_body, fault)
            if fault == "applied_then_reset" and answer.status == 200:
                answer = Answer(0, None)
        self._record(method, path, endpoint, answer.status, fault)
        return answer

    def _answer(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        raw_body: bytes,
        fault: FaultKind | None,
    ) -> Answer:
        request_id = str(uuid.uuid4())
        try:
            if fault == "slow" and self._faults is not None:
                time.sleep(self._faults.plan.slow_seconds)
            if fault == "429" and self._faults is not None:
                raise _rate_limited(self._faults.plan.retry_after)
            if fault in _FAULT_ERRORS:
                raise ApiError(*_FAULT_ERRORS[str(fault)])
            if self._limiter is not None:
                decision = self._limiter.take()
                if not decision.allowed:
                    raise _rate_limited(decision.retry_after)
            self._check_auth(headers)
            if self.read_only and method != "GET" and route(method, path)[0] not in _READS:
                raise ApiError(
                    403, "restricted_resource", "Insufficient permissions for this endpoint."
                )
            if fault == "human_edit":
                self._human_edit(method, path)
            request = Request(
                method=method,
                path=path,
                query=parse_qs(query, keep_blank_values=True),
                body=self._parse_body(method, raw_body),
                base_url=self.base_url,
            )
            body = dispatch(self.store, request)
            body["request_id"] = request_id
            return Answer(200, body)
        except ApiError as error:
            if error.status == 429:
                self.retry_watch.sent(float(error.headers.get("Retry-After", "0")))
            body = error.body(request_id)
            if error.code == "object_not_found":
                body["additional_data"] = {"integration_id": self.store.bot_id}
                body["request_id"] = body.pop("request_id")
            return Answer(error.status, body, error.headers)
        except Exception as unexpected:  # an emulator bug: say so instead of hanging up
            message = (
                f"Unexpected error occurred (sandbox: {type(unexpected).__name__}: {unexpected})"
            )
            return Answer(500, ApiError(500, "internal_server_error", message).body(request_id))

    def _human_edit(self, method: str, path: str) -> None:
        """A person edits the page a write is about, just before the write lands."""
        found = _PAGE_PATH.match(path)
        if method != "GET" and found is not None:
            with contextlib.suppress(ApiError):  # the write itself reports a missing page
                self.store.update_page(found.group(1), None)

    def _check_auth(self, headers: dict[str, str]) -> None:
        authorization = headers.get("authorization", "")
        if authorization != f"Bearer {self.token}":
            raise ApiError(401, "unauthorized", "API token is invalid.")
        if not headers.get("notion-version"):
            raise ApiError(
                400,
                "missing_version",
                "Notion-Version header failed validation: Notion-Version header should be "
                "defined, instead was `undefined`.",
            )

    @staticmethod
    def _parse_body(method: str, raw_body: bytes) -> JSON:
        if method in ("GET", "DELETE") or not raw_body.strip():
            return {}
        try:
            body = json.loads(raw_body)
        except ValueError as exc:
            raise ApiError(400, "invalid_json", "Error parsing JSON body.") from exc
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_json", "Error parsing JSON body.")
        return body


def _make_handler(sandbox: NotionSandbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "okrsync-notion-sandbox"

        def setup(self) -> None:
            super().setup()
            # headers and body go out in two writes: without this, Nagle's algorithm and the
            # client's delayed ACK add ~40 ms to every keep-alive request
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:
            """Silence the default stderr access log (the sandbox keeps its own)."""

        def date_time_string(self, timestamp: float | None = None) -> str:
            """The `Date` header from the emulator's clock, as Notion's comes from the clock that
            stamps its `last_edited_time` (a shifted or fake clock must shift both)."""
            moment = sandbox.store.clock().timestamp() if timestamp is None else timestamp
            return email.utils.formatdate(moment, usegmt=True)

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw_body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = sandbox.handle(self.command, self.path, headers, raw_body)
            if answer.body is None:
                self._drop()
                return
            payload = json.dumps(answer.body).encode("utf-8")
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def _drop(self) -> None:
            """Reset the TCP connection with no response at all."""
            self.close_connection = True
            try:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def do_PATCH(self) -> None:
            self._serve()

        def do_DELETE(self) -> None:
            self._serve()

        def do_PUT(self) -> None:
            self._serve()

    return Handler
