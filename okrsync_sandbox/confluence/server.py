"""The Confluence request pipeline, on the shared emulator kit (`okrsync_sandbox.kit`).

`ConfluenceGateway` sends every request through the steps a real Confluence (plus its
gateway) takes: route by deployment (Cloud under `/wiki`, Data Center at the root, v2 on Cloud
only), authenticate (Cloud: basic with email and API token; Data Center: a Bearer personal
access token), apply the optional rate limit, draw a seeded fault, dispatch to v1.py or v2.py,
and log the answer. `/view/` serves the plain HTML view of the stored pages without
authentication, for a person's browser. HTTP itself, the fault plans, the request log and the
early-retry watch are the kit's, reached through the owning emulator.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qs

from okrsync.sandbox import FaultKind

from ..kit.http_server import RESET, Incoming, Outgoing
from ..kit.rate import TokenBucket, retry_after_header
from . import attachments, v1, v2
from .store import Store, StoreError, User, version_conflict_message
from .wire import Deployment, Request, Response, Site, v1_error, v2_error

if TYPE_CHECKING:
    from ..kit.emulator import Emulator

HumanEdit = Callable[[str], str]
"""Given a page's current storage body, the body after a person's edit."""

_PAGE_ID: Final = re.compile(r"/(?:content|pages)/(\d+)$")
_PAGE_IN_PATH: Final = re.compile(r"/(?:content|pages)/(\d+)(?:/|$)")
WRITE_METHODS: Final = frozenset({"POST", "PUT", "DELETE"})
PAGE_PATH: Final = re.compile(r"/(?:rest/api/content|api/v2/pages)/\d+$")
MAX_PENALTY_SECONDS: Final = 60.0
V1_ROUTES: Final = [*attachments.ROUTES, *v1.ROUTES]


def fault_eligible(kind: FaultKind, method: str, path: str) -> bool:
    """Which requests a fault kind can hit: conflicts and applied-then-reset only writes
    (POST, PUT, DELETE), a human edit only reads and updates of one page (v1 `content/{id}`,
    v2 `pages/{id}`), a refused pagination cursor (Notion's) none, every other kind any request."""
    if kind in ("conflict", "applied_then_reset"):
        return method in WRITE_METHODS
    if kind == "human_edit":
        return method in ("GET", "PUT") and PAGE_PATH.search(path) is not None
    return kind != "invalid_cursor"


def endpoint_of(path: str) -> str:
    """The route template of a path: numeric ids and keys after `property/` become `{id}`."""
    templated = re.sub(r"/att\d+(?=/|$)", "/{attachmentId}", path)
    templated = re.sub(r"(/download/attachments/\d+)/[^/]+", r"\1/{filename}", templated)
    templated = re.sub(r"/\d+(?=/|$)", "/{id}", templated)
    templated = re.sub(r"(/property)/[^/]+", r"\1/{key}", templated)
    templated = re.sub(r"(/label)/[^/]+", r"\1/{name}", templated)
    return re.sub(r"(/rest/api/space)/[^/]+", r"\1/{key}", templated)


class ConfluenceLimiter:
    """The kit's token bucket (burst of one second's worth) with Confluence's punishment of
    early retries: a request before the last Retry-After ran out waits longer (the next
    Retry-After doubles, up to 60 s). On Data Center every answer then carries
    `X-RateLimit-*` headers, as Data Center's own rate limiting sends them."""

    def __init__(self, requests_per_second: float, clock: Callable[[], float]) -> None:
        self.bucket = TokenBucket(requests_per_second, clock)
        self._clock = clock
        self._lock = threading.Lock()
        self.blocked_until = 0.0
        self.penalty = 0.0

    def admit(self) -> float | None:
        """None when the request may proceed, else the Retry-After to send (seconds)."""
        with self._lock:
            now = self._clock()
            if now < self.blocked_until:
                self.penalty = min(MAX_PENALTY_SECONDS, max(self.penalty, 1.0) * 2)
                wait = max(self.blocked_until - now, self.penalty)
                self.blocked_until = now + wait
                return wait
            refill = self.bucket.take()
            if refill is None:
                self.penalty = 0.0
                return None
            self.blocked_until = now + refill
            return refill

    def headers(self) -> dict[str, str]:
        """Data Center's rate-limit headers, describing the bucket after this request."""
        with self._lock:
            return {
                "X-RateLimit-Limit": str(int(self.bucket.capacity)),
                "X-RateLimit-Remaining": str(max(0, math.floor(self.bucket.tokens))),
                "X-RateLimit-Interval-Seconds": "1",
                "X-RateLimit-FillRate": f"{self.bucket.rate:g}",
            }


class ConfluenceGateway:
    """Routing, auth, rate limit, faults and logging around a `Store`."""

    def __init__(
        self,
        emulator: Emulator,
        store: Store,
        *,
        deployment: Deployment,
        render_view: Callable[[str | None], tuple[int, str]] | None = None,
    ) -> None:
        self.emulator = emulator
        self.store = store
        self.deployment: Deployment = deployment
        self.limiter: ConfluenceLimiter | None = None
        self.render_view = render_view
        self.human_edit: HumanEdit | None = None
        self.edit_restrictions: set[str] = set()

    @property
    def site(self) -> Site:
        return Site(self.emulator.base_url, self.deployment)

    def set_rate_limit(self, requests_per_second: float | None) -> None:
        if requests_per_second is None:
            self.limiter = None
        elif requests_per_second <= 0:
            raise ValueError("requests_per_second must be positive")
        else:
            self.limiter = ConfluenceLimiter(requests_per_second, self.emulator.clock)

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
        if path.startswith(prefix + "/download/attachments/"):
            return "download", path[len(prefix + "/download/attachments/") :]
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

    def respond(self, incoming: Incoming) -> Outgoing:
        """Answer one HTTP request (called on a server thread), logged before it goes out."""
        method, path = incoming.method, incoming.path
        log = self.emulator.log
        at = self.emulator.clock()
        endpoint = f"{method} {endpoint_of(path)}"

        if path == "/view" or path.startswith("/view/"):
            view = self._view(path)
            log.record(at, method, path, endpoint, view.status)
            return _outgoing(view)

        kind = self._classify(path)
        if kind is None:
            response = v1_error(404, f"null for uri: {self.emulator.base_url}{path}")
            log.record(at, method, path, endpoint, response.status)
            return _outgoing(response)
        api, route = kind
        error = v2_error if api == "v2" else v1_error

        user = self._authenticate(incoming.headers.get("Authorization", ""))
        if user is None:
            response = error(401, "Unauthorized; scope does not match")
            challenge = 'Basic realm="Confluence"' if self.deployment == "cloud" else "Bearer"
            response.headers["WWW-Authenticate"] = challenge
            log.record(at, method, path, endpoint, 401)
            return _outgoing(response)

        self.emulator.retry_watch.arrived()
        limit_headers: dict[str, str] = {}
        if self.limiter is not None:
            wait = self.limiter.admit()
            if self.deployment == "datacenter":
                limit_headers = self.limiter.headers()
            if wait is not None:
                limited = self._too_many(error, wait)
                limited.headers.update(limit_headers)
                log.record(at, method, path, endpoint, 429, "rate_limit")
                return _outgoing(limited)

        query = parse_qs(incoming.query, keep_blank_values=True)
        headers = dict(incoming.headers.items())
        request = Request(method, path, route, query, incoming.body, user, self.site, headers)
        fault = self.emulator.draw_fault(method, path)
        if fault is None:
            response = self._dispatch(api, request)
        else:
            outcome = self._with_fault(fault, api, request, error)
            if outcome is None:
                log.record(at, method, path, endpoint, 0, fault)
                return RESET
            response = outcome
        response.headers.update(limit_headers)
        log.record(at, method, path, endpoint, response.status, fault)
        return _outgoing(response)

    def _dispatch(self, api: str, request: Request) -> Response:
        """The route's answer; a bug in the emulator is a 500, never a dropped connection."""
        restricted = self._edit_restricted(request)
        if restricted is not None:
            error = v2_error if api == "v2" else v1_error
            return error(
                403,
                f"User not permitted to edit content with id {restricted}: the page's "
                "restrictions do not include this user",
            )
        try:
            if api == "v1":
                return v1.handle(request, self.store, V1_ROUTES)
            if api == "download":
                try:
                    return attachments.download(request, self.store, request.route)
                except StoreError as exc:
                    return v1_error(exc.status, exc.message)
            return v2.handle(request, self.store)
        except Exception as exc:
            error = v2_error if api == "v2" else v1_error
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

    def _too_many(self, error: Callable[[int, str], Response], wait: float) -> Response:
        self.emulator.retry_watch.sent(wait)
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
    ) -> Response | None:
        """The answer under `fault`, or None when the connection must be reset."""
        plan = self.emulator.fault_plan
        if fault == "429":
            return self._too_many(error, plan.retry_after)
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


def _outgoing(response: Response) -> Outgoing:
    return Outgoing(response.status, response.encoded(), response.headers, response.content_type)
