"""Hostile HTTP servers on loopback, for the network regression tests (issue 9, "Network").

Each `HostileServer` answers every request (any method, any path) the same hostile way:

- `drip`: a 200 JSON answer whose body arrives one byte per `interval` seconds, for ever;
- `endless`: a 200 JSON answer with no length whose body never ends, as fast as it can go;
- `redirect`: a 307 to `target` + the request's path;
- `loop`: 302 between /loop-a and /loop-b for ever;
- `empty`: a 200 with `{}` (the "answer" of a site that is not the API).

The server counts the requests it got and the body bytes it sent, and sets `started` when the
first answer is under way, so a test can signal a run mid-response.
"""

from __future__ import annotations

import http.server
import threading
import time
from typing import Any, Literal

Mode = Literal["drip", "endless", "redirect", "loop", "empty"]


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up on a hostile answer is the point, not an error."""


class HostileServer:
    def __init__(
        self,
        mode: Mode,
        *,
        host: str = "127.0.0.1",
        target: str = "",
        interval: float = 1.0,
    ) -> None:
        self.mode = mode
        self.target = target
        self.interval = interval
        self.requests: list[dict[str, Any]] = []
        self.sent = 0
        self.started = threading.Event()
        self.stopping = threading.Event()
        self._server = _QuietServer((host, 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                server.requests.append(
                    {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}}
                )
                try:
                    getattr(self, f"_{server.mode}")()
                except (BrokenPipeError, ConnectionResetError, OSError):
                    self.close_connection = True

            def _headers(self, status: int, extra: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for key, value in extra.items():
                    self.send_header(key, value)
                self.end_headers()

            def _drip(self) -> None:
                self._headers(200, {"Content-Length": "5000"})  # 1000 s at 5 bytes/s
                self.wfile.flush()
                server.started.set()
                while not server.stopping.is_set():
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    server.sent += 1
                    time.sleep(server.interval)

            def _endless(self) -> None:
                self._headers(200, {"Connection": "close"})
                server.started.set()
                chunk = b'{"results": [' + b" " * 65536
                while not server.stopping.is_set():
                    self.wfile.write(chunk)
                    server.sent += len(chunk)
                self.close_connection = True

            def _redirect(self) -> None:
                self._headers(307, {"Location": server.target + self.path, "Content-Length": "0"})

            def _loop(self) -> None:
                there = "/loop-b" if self.path.startswith("/loop-a") else "/loop-a"
                self._headers(302, {"Location": there, "Content-Length": "0"})

            def _empty(self) -> None:
                self._headers(200, {"Content-Length": "2"})
                self.wfile.write(b"{}")

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

        return Handler
