"""The HTTP side of the emulator: real HTTP on 127.0.0.1 in a background thread.

`SandboxServer` owns a stdlib `ThreadingHTTPServer` and sends every request through the same
steps a real Confluence (plus its gateway) would: route by deployment (Cloud under `/wiki`,
Data Center at the root, v2 on Cloud only), authenticate (Cloud: basic with email and API
token; Data Center: a Bearer personal access token), apply the optional rate limit, draw a
seeded fault, dispatch to v1.py or v2.py, and log the answer. `/view/` serves the plain HTML
view of the stored pages without authentication, for a person's browser.
"""

from __future__ import annotations

import base64
import binascii
import re
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from okrsync.sandbox import FaultKind, FaultPlan

from . import v1, v2
from .faults import FaultInjector, RateLimiter, RequestLog, retry_after_header
from .store import Store, User, version_conflict_message
from .wire import Deployment, Request, Response, Site, v1_error, v2_error

HumanEdit = Callable[[str], str]
"""Given a page's current storage body, the body after a person's edit."""

_PAGE_ID: Final = re.compile(r"/(?:content|pages)/(\d+)$")
_PAGE_IN_PATH: Final = re.compile(r"/(?:content|pages)/(\d+)(?:/|$)")


class _Handler(BaseHTTPRequestHandler):
    """Hands each request to the owning `SandboxServer`."""

    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every keep-alive request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self.server.sandbox.serve(self)

    do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Silence stderr logging; the request log records every request instead."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, sandbox: SandboxServer) -> None:
        self.sandbox = sandbox
        super().__init__(("127.0.0.1", port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (timeouts, injected resets) is normal here, not an error."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class SandboxServer:
    """Routing, auth, rate limit, faults and logging around a `Store`."""

    def __init__(
        self,
        store: Store,
        *,
        deployment: Deployment,
        port: int = 0,
        render_view: Callable[[str | None], tuple[int, str]] | None = None,
    ) -> None:
        self.store = store
        self.deployment: Deployment = deployment
        self._port = port
        self._httpd: _HTTPServer | None = None
        self._origin: str | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._counter_lock = threading.Lock()
        self.log = RequestLog()
        self.injector: FaultInjector | None = None
        self.limiter: RateLimiter | None = None
        self.retry_until = 0.0
        self.early_retries = 0
        self.render_view = render_view
        self.human_edit: HumanEdit | None = None
        self.edit_restrictions: set[str] = set()

    # lifecycle ---------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        """http://127.0.0.1:PORT; the port is bound on first use, so it is known before start."""
        if self._origin is None:
            self._bind()
        assert self._origin is not None
        return self._origin

    def _bind(self) -> _HTTPServer:
        with self._lock:
            if self._httpd is None:
                self._httpd = _HTTPServer(self._port, self)
                self._port = int(self._httpd.server_address[1])  # a restart keeps the port
                self._origin = f"http://127.0.0.1:{self._port}"
            return self._httpd

    @property
    def site(self) -> Site:
        return Site(self.origin, self.deployment)

    def start(self) -> None:
        httpd = self._bind()
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(
                target=httpd.serve_forever,
                kwargs={"poll_interval": 0.01},
                name="confluence-sandbox",
                daemon=True,
            )
            self._thread.start()

    def stop(self) -> None:
        with self._lock:
            if self._httpd is None:
                return
            if self._thread is not None:
                self._httpd.shutdown()
            self._httpd.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._httpd = None
            self._thread = None

    # configuration -----------------------------------------------------------------------

    def set_faults(self, plan: FaultPlan | None) -> None:
        self.injector = FaultInjector(plan) if plan is not None else None

    def set_rate_limit(self, requests_per_second: float | None) -> None:
        if requests_per_second is None:
            self.limiter = None
        elif requests_per_second <= 0:
            raise ValueError("requests_per_second must be positive")
        else:
            self.limiter = RateLimiter(requests_per_second, self.store.clock)

    def stats(self) -> dict[str, Any]:
        data = self.log.stats()
        limiter_early = self.limiter.early_retries if self.limiter is not None else 0
        data["early_retries"] = self.early_retries
        data["rate_limit_early_retries"] = limiter_early
        return data

    # request handling --------------------------------------------------------------------

    def _classify(self, path: str) -> tuple[str, str] | None:
        """("v1"|"v2", route below the API root) for paths this deployment serves."""
        prefix = "/wiki" if self.deployment == "cloud" else ""
        if path.startswith(prefix + "/rest/api/"):
            return "v1", path[len(prefix + "/rest/api/") :]
        if path == prefix + "/rest/api":
            return "v1", ""
        if self.deployment == "cloud" and path.startswith("/wiki/api/v2/"):
            return "v2", path[len("/wiki/api/v2/") :]
        return None

    def _authenticate(self, header: str) -> User | None:
        scheme, _, credentials = header.partition(" ")
        scheme = scheme.lower()
        if self.deployment == "cloud" and scheme == "basic":
            try:
                decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return None
            email, _, token = decoded.partition(":")
            return self.store.user_by_basic(email, token)
        if self.deployment == "datacenter" and scheme == "bearer":
            return self.store.user_by_bearer(credentials.strip())
        return None

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        """Answer one HTTP request (called on the server's worker thread).

        The request is logged before the answer is sent, so a client that has its answer
        always finds its request in the log.
        """
        method = handler.command
        parts = urlsplit(handler.path)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length > 0 else b""
        at = self.store.clock()

        if path == "/view" or path.startswith("/view/"):
            view = self._view(path)
            self.log.record(at, method, path, view.status)
            self._send(handler, view, method)
            return

        kind = self._classify(path)
        if kind is None:
            response = v1_error(404, f"null for uri: {self.origin}{path}")
            self.log.record(at, method, path, response.status)
            self._send(handler, response, method)
            return
        api, route = kind
        error = v1_error if api == "v1" else v2_error

        user = self._authenticate(handler.headers.get("Authorization", ""))
        if user is None:
            response = error(401, "Unauthorized; scope does not match")
            challenge = 'Basic realm="Confluence"' if self.deployment == "cloud" else "Bearer"
            response.headers["WWW-Authenticate"] = challenge
            self.log.record(at, method, path, 401)
            self._send(handler, response, method)
            return

        with self._counter_lock:
            if at < self.retry_until:
                self.early_retries += 1
        limit_headers: dict[str, str] = {}
        if self.limiter is not None:
            wait = self.limiter.admit()
            if self.deployment == "datacenter":
                limit_headers = self.limiter.headers()
            if wait is not None:
                limited = self._too_many(error, wait, at)
                limited.headers.update(limit_headers)
                self.log.record(at, method, path, 429, "rate_limit")
                self._send(handler, limited, method)
                return

        request = Request(
            method, path, route, query, body, user, self.site, dict(handler.headers.items())
        )
        fault = self.injector.draw(method, path) if self.injector is not None else None
        if fault is None:
            response = self._dispatch(api, request)
        else:
            outcome = self._with_fault(fault, api, request, error, at)
            if outcome is None:
                self.log.record(at, method, path, 0, fault)
                self._reset(handler)
                return
            response = outcome
        response.headers.update(limit_headers)
        self.log.record(at, method, path, response.status, fault)
        self._send(handler, response, method)

    def _dispatch(self, api: str, request: Request) -> Response:
        """The route's answer; a bug in the emulator is a 500, never a dropped connection."""
        restricted = self._edit_restricted(request)
        if restricted is not None:
            error = v1_error if api == "v1" else v2_error
            return error(
                403,
                f"User not permitted to edit content with id {restricted}: the page's "
                "restrictions do not include this user",
            )
        try:
            if api == "v1":
                return v1.handle(request, self.store)
            return v2.handle(request, self.store)
        except Exception as exc:
            error = v1_error if api == "v1" else v2_error
            return error(500, f"Sandbox error: {type(exc).__name__}")

    def _edit_restricted(self, request: Request) -> str | None:
        """The id of an edit-restricted page this write addresses, or None (Confluence answers
        a write to a page whose restrictions leave the user out with 403)."""
        if request.method == "GET" or not self.edit_restrictions:
            return None
        match = _PAGE_IN_PATH.search(request.path)
        if match and match.group(1) in self.edit_restrictions:
            return match.group(1)
        return None

    def _too_many(self, error: Callable[[int, str], Response], wait: float, at: float) -> Response:
        with self._counter_lock:
            self.retry_until = max(self.retry_until, at + wait)
        response = error(
            429, "Rate limit exceeded. Retry after the time in the Retry-After header."
        )
        response.headers["Retry-After"] = retry_after_header(wait)
        return response

    def _with_fault(
        self,
        fault: FaultKind,
        api: str,
        request: Request,
        error: Callable[[int, str], Response],
        at: float,
    ) -> Response | None:
        """The answer under `fault`, or None when the connection must be reset."""
        plan = self.injector.plan if self.injector is not None else FaultPlan()
        if fault == "429":
            return self._too_many(error, plan.retry_after, at)
        if fault in ("500", "502", "503", "504"):
            status = int(fault)
            response = error(status, f"Injected fault: HTTP {status}")
            if status == 503:
                response.headers["Retry-After"] = retry_after_header(plan.retry_after)
            return response
        if fault == "slow":
            time.sleep(plan.slow_seconds)
            return self._dispatch(api, request)
        if fault == "reset":
            return None
        if fault == "conflict":
            return error(409, self._conflict_message(request))
        if fault == "applied_then_reset":
            self._dispatch(api, request)
            return None
        # human_edit: a person saves the page between okrsync's read and its write.
        page_id = _PAGE_ID.search(request.path)
        assert page_id is not None  # eligibility guarantees a page path
        if request.method == "GET":
            response = self._dispatch(api, request)
            self._human_edit(page_id.group(1))
            return response
        self._human_edit(page_id.group(1))
        return self._dispatch(api, request)

    def _human_edit(self, page_id: str) -> None:
        with self.store.locked():
            page = self.store.pages.get(page_id)
            if page is None or page.status != "current":
                return
            new_body = self.human_edit(page.body) if self.human_edit is not None else None
            self.store.human_edit(page_id, new_body)

    def _conflict_message(self, request: Request) -> str:
        page_id = _PAGE_ID.search(request.path)
        if page_id is not None and page_id.group(1) in self.store.pages:
            return version_conflict_message(self.store.pages[page_id.group(1)].version)
        return "Conflict: the content was changed by someone else"

    def _view(self, path: str) -> Response:
        page_id = path[len("/view/") :].strip("/") if path.startswith("/view/") else ""
        if self.render_view is None:
            return Response(404, "no view", content_type="text/plain; charset=utf-8")
        status, html = self.render_view(page_id or None)
        return Response(status, html, content_type="text/html; charset=utf-8")

    def _send(self, handler: BaseHTTPRequestHandler, response: Response, method: str) -> None:
        payload = response.encoded()
        # `Date` from the clock that stamps versions, as on a real site, where both come from
        # the server's own clock (the default would be this machine's wall clock).
        handler.log_request(response.status)
        handler.send_response_only(response.status)
        handler.send_header("Server", handler.version_string())
        handler.send_header("Date", handler.date_time_string(self.store.clock()))
        for name, value in response.headers.items():
            handler.send_header(name, value)
        if response.status != 204:
            handler.send_header("Content-Type", response.content_type)
            handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        if method != "HEAD" and response.status != 204:
            handler.wfile.write(payload)

    @staticmethod
    def _reset(handler: BaseHTTPRequestHandler) -> None:
        """Drop the connection with a TCP reset, as a failing proxy would."""
        connection = handler.connection
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.close_connection = True
        connection.close()
