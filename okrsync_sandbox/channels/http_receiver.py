"""The HTTP side every webhook receiver shares: a loopback server, faults, early-retry watch.

A subclass says what a request means (`answer`); this base records it, injects the planned
fault first (429 with Retry-After, 5xx, a slow answer past the client's timeout, a reset
connection) and counts requests that come back before a Retry-After it sent ran out.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final

from okrsync.sandbox import FaultPlan, ReceivedMessage
from okrsync_sandbox.notion.faults import FaultInjector, RetryWatch, retry_after_header

MAX_BODY: Final = 1_000_000


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/plain; charset=utf-8"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class HttpReceiver:
    """Base of the Teams and Slack receivers (threaded HTTP on 127.0.0.1)."""

    name = "receiver"

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.monotonic = monotonic
        self.retry_watch = RetryWatch(monotonic)
        self._faults: FaultInjector | None = None
        self._plan: FaultPlan | None = None
        self._lock = threading.Lock()
        self._messages: list[ReceivedMessage] = []
        self.requests = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self._bind().server_address[:2]
        return f"http://{host!s}:{port}"

    def _bind(self) -> _Server:
        with self._lock:
            if self._server is None:
                self._server = _Server(("127.0.0.1", 0), _handler_for(self))
            return self._server

    def start(self) -> None:
        server = self._bind()
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"{self.name}-receiver",
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

    # faults and observation ------------------------------------------------------------

    def set_faults(self, plan: FaultPlan | None) -> None:
        self._plan = plan
        self._faults = FaultInjector(plan) if plan is not None else None

    def received(self) -> list[ReceivedMessage]:
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self.requests = 0
        self.retry_watch.reset()

    def keep(self, message: ReceivedMessage) -> None:
        with self._lock:
            self._messages.append(message)

    # the request -----------------------------------------------------------------------

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        raise NotImplementedError

    def fault_reply(self, method: str, path: str) -> Reply | None:
        """The planned fault for this request, if any (None: handle it normally)."""
        if self._faults is None or self._plan is None:
            return None
        kind = self._faults.draw(method, path)
        if kind is None:
            return None
        if kind == "429":
            seconds = self._plan.retry_after
            self.retry_watch.sent(seconds)
            return Reply(429, b"rate_limited", {"Retry-After": retry_after_header(seconds)})
        if kind == "slow":
            time.sleep(self._plan.slow_seconds)
            return None
        if kind == "reset":
            return Reply(0)
        if kind.isdigit():
            return Reply(int(kind), b"service_unavailable" if kind == "503" else b"error")
        return None

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        with self._lock:
            self.requests += 1
        self.retry_watch.arrived()
        return self.fault_reply(method, path) or self.answer(method, path, headers, body)


def _handler_for(receiver: HttpReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._send(Reply(413, b"request_too_large"))
                return
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = receiver.handle(method, self.path, headers, body)
            if reply.status == 0:
                self._reset()
                return
            self._send(reply)

        def _reset(self) -> None:
            with contextlib.suppress(OSError):
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
            self.close_connection = True

        def _send(self, reply: Reply) -> None:
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            if reply.body or reply.status != 202:
                self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if reply.body:
                self.wfile.write(reply.body)

        def do_POST(self) -> None:
            self._serve("POST")

        def do_GET(self) -> None:
            self._serve("GET")

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
