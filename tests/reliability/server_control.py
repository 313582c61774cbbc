"""Sandbox-side control of single requests, for faults the seeded FaultPlan cannot aim.

The emulators' FaultPlan draws faults at random; some reliability items need one precise
request instead: hold the N-th write before or after the server applies it (so the test can
kill okrsync at exactly that point), or answer every write to one page with a given error.
These use the emulator kit's interceptor hook (`Emulator.set_interceptor`), on the emulator
instance only; okrsync itself runs unchanged in its own process.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any, Literal

from okrsync_sandbox.kit.emulator import Emulator
from okrsync_sandbox.kit.http_server import RESET, Incoming, Outgoing, Responder

Moment = Literal["before", "after"]
_NOTION_READS = ("/query", "/v1/search")


def is_write(source: str, method: str, path: str) -> bool:
    """Whether a request changes the workspace (Notion queries are POSTs but only read)."""
    if method in ("GET", "HEAD"):
        return False
    return not (source == "notion" and any(p in path for p in _NOTION_READS))


class WriteGate:
    """Holds the `n`-th write request `moment` the server applies it until `release()`.

    `reached` is set when the write is being held. Held before: the write is never applied
    and the connection is dropped. Held after: the write is applied and its answer goes out
    on release (normally to a client that was killed meanwhile).
    """

    def __init__(self, sandbox: Any, source: str, n: int, moment: Moment) -> None:
        self.source = source
        self.n = n
        self.moment = moment
        self.count = 0
        self.reached = threading.Event()
        self.released = threading.Event()
        self.held: str = ""
        self._lock = threading.Lock()
        sandbox.set_interceptor(self._intercept)

    def release(self) -> None:
        self.released.set()

    def _mine(self, method: str, path: str) -> bool:
        if not is_write(self.source, method, path):
            return False
        with self._lock:
            self.count += 1
            if self.count == self.n:
                self.held = f"{method} {path}"
                return True
            return False

    def _hold(self) -> None:
        self.reached.set()
        self.released.wait(60)

    def _intercept(self, incoming: Incoming, respond: Responder) -> Outgoing:
        if not self._mine(incoming.method, incoming.path):
            return respond(incoming)
        if self.moment == "before":
            self._hold()
            return RESET
        answer = respond(incoming)
        self._hold()
        return answer


def count_writes(sandbox: Any, source: str) -> int:
    """Write requests in the emulator's log so far."""
    return sum(1 for e in sandbox.request_log() if is_write(source, e.method, e.path))


def fail_page_writes(
    sandbox: Emulator, page_id: str, status: int, code: str, message: str
) -> Callable[[], int]:
    """Answer every write to the Notion page `page_id` with an error; returns a hit counter."""
    hits = [0]

    def intercept(incoming: Incoming, respond: Responder) -> Outgoing:
        if page_id in incoming.path and is_write("notion", incoming.method, incoming.path):
            hits[0] += 1
            payload = {"object": "error", "status": status, "code": code, "message": message}
            return Outgoing(status, json.dumps(payload).encode("utf-8"))
        return respond(incoming)

    sandbox.set_interceptor(intercept)
    return lambda: hits[0]


Rewrite = Callable[[str, str, int, bytes], "bytes | tuple[int, bytes]"]


class RewritingProxy:
    """A loopback HTTP proxy in front of an emulator that can rewrite answers byte by byte.

    Used to serve broken pagination (truncated bodies, has_more without a cursor, a cursor
    that loops) that no well-behaved emulator would: `rewrite(method, path, status, body)`
    returns the body to send instead, or a (status, body) pair.
    """

    def __init__(self, upstream: str, rewrite: Rewrite) -> None:
        import http.server

        import httpx

        self.upstream = upstream
        self.rewrite = rewrite
        self.requests = 0
        client = httpx.Client(base_url=upstream, timeout=30)
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the emulator keeps the log."""

            def _forward(self) -> None:
                proxy.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")
                }
                answer = client.request(self.command, self.path, content=body, headers=headers)
                status = answer.status_code
                payload = proxy.rewrite(self.command, self.path, status, answer.content)
                if isinstance(payload, tuple):
                    status, payload = payload
                self.send_response(status)
                for name, value in answer.headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._client = client
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._client.close()
