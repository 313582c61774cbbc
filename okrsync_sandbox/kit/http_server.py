"""Real HTTP on 127.0.0.1 for an emulator: a threaded server in a background thread.

The server reads each request into an `Incoming`, asks the emulator's responder for an
`Outgoing` and writes it with a `Date` header from the emulator's clock (a real vendor stamps
`Date` and its timestamps from the same clock, so a shifted or fake clock must shift both).
An `Outgoing` without a body is a dropped connection: a TCP reset with no answer at all, as a
failing proxy sends. A body above `max_body` is refused with 413 unread. The port is bound on
first use, so `origin` is real before `start()`, and a restart keeps it.
"""

from __future__ import annotations

import socket
import struct
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import urlsplit

from .clock import Clock

JSON_CONTENT_TYPE: Final = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Incoming:
    """One request as received: `headers` look names up case-insensitively."""

    method: str
    path: str
    query: str
    headers: Message
    body: bytes


@dataclass
class Outgoing:
    """What to send back; `body` None resets the connection instead (status 0 in the log)."""

    status: int
    body: bytes | None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = JSON_CONTENT_TYPE
    """None sends no Content-Type (an empty 202, as webhook services answer)."""


RESET: Final = Outgoing(0, None)

Responder = Callable[[Incoming], Outgoing]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every keep-alive request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self) -> str:
        return self.server.server_name_header

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log (the emulator keeps its own request log)."""

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        limit = self.server.max_body
        if limit is not None and length > limit:
            self.close_connection = True  # the body stays unread
            self._send(Outgoing(413, b"request_too_large", content_type="text/plain"))
            return
        body = self.rfile.read(length) if length > 0 else b""
        incoming = Incoming(self.command, parts.path, parts.query, self.headers, body)
        outgoing = self.server.respond(incoming)
        if outgoing.body is None:
            self._reset()
        else:
            self._send(outgoing)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def _send(self, outgoing: Outgoing) -> None:
        payload = outgoing.body or b""
        self.send_response_only(outgoing.status)
        self.send_header("Server", self.version_string())
        self.send_header("Date", self.date_time_string(self.server.clock()))
        for name, value in outgoing.headers.items():
            self.send_header(name, value)
        if outgoing.status != 204:
            if outgoing.content_type is not None:
                self.send_header("Content-Type", outgoing.content_type)
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD" and outgoing.status != 204:
            self.wfile.write(payload)

    def _reset(self) -> None:
        """Drop the connection with a TCP reset and no answer."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        respond: Responder,
        clock: Clock,
        name: str,
        max_body: int | None,
    ) -> None:
        self.respond = respond
        self.clock = clock
        self.server_name_header = name
        self.max_body = max_body
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up first (timeouts, injected resets) is normal here."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class LoopbackServer:
    """Serves `respond` over HTTP on `host:port` (port 0: any free port) in a daemon thread."""

    def __init__(
        self,
        respond: Responder,
        clock: Clock,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        name: str = "okrsync-sandbox",
        max_body: int | None = None,
    ) -> None:
        self._respond = respond
        self._max_body = max_body
        self.clock = clock
        self._host = host
        self._port = port
        self._name = name
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _bind(self) -> _Server:
        with self._lock:
            if self._httpd is None:
                self._httpd = _Server(
                    (self._host, self._port),
                    self._respond,
                    lambda: self.clock(),
                    self._name,
                    self._max_body,
                )
                self._port = int(self._httpd.server_address[1])  # a restart keeps the port
            return self._httpd

    @property
    def origin(self) -> str:
        """http://HOST:PORT; binds the port on first use."""
        host = self._bind().server_address[0]
        return f"http://{host!s}:{self._port}"

    def start(self) -> None:
        """Start serving in a daemon thread (idempotent)."""
        httpd = self._bind()
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(
                target=httpd.serve_forever,
                kwargs={"poll_interval": 0.01},
                name=self._name,
                daemon=True,
            )
            self._thread.start()

    def stop(self) -> None:
        with self._lock:
            httpd, thread = self._httpd, self._thread
            self._httpd = self._thread = None
        if httpd is None:
            return
        if thread is not None:
            httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
