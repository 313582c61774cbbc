"""The Notion emulator: Notion's REST API on the shared emulator kit (`okrsync_sandbox.kit`).

Per request, in order: record arrival (early-retry watch), fault injection, rate limit, auth
(`Authorization: Bearer <token>`), `Notion-Version`, then the route. Every answer carries a
`request_id`; every request is logged with its status and fault and counted per endpoint.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qs

from okrsync.model import Workspace
from okrsync.sandbox import FaultKind, SeedResult

from ..kit.clock import Clock
from ..kit.emulator import Emulator
from ..kit.http_server import RESET, Incoming, Outgoing
from ..kit.rate import TokenBucket, retry_after_header
from .routes import Request, dispatch, route
from .shapes import JSON, ApiError, validation_error
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
FILES_PREFIX: Final = "/files/"
_PAGE_PATH: Final = re.compile(r"^/v1/(?:pages|blocks)/([^/]+)")


@dataclass
class Answer:
    """What to send back: a JSON body, or (body None, status 0) a reset connection."""

    status: int
    body: JSON | None
    headers: dict[str, str] = field(default_factory=dict)

    def outgoing(self) -> Outgoing:
        if self.body is None:
            return RESET
        return Outgoing(self.status, json.dumps(self.body).encode("utf-8"), self.headers)


def _start_cursor(method: str, query: str, raw_body: bytes) -> str | None:
    """The `start_cursor` a request sends: in the query of a GET, in the JSON body of a POST."""
    if method.upper() == "GET":
        sent = parse_qs(query).get("start_cursor")
        return sent[0] if sent else None
    try:
        body = json.loads(raw_body) if raw_body else None
    except ValueError:
        return None
    cursor = body.get("start_cursor") if isinstance(body, dict) else None
    return str(cursor) if cursor else None


def _is_write(method: str, path: str) -> bool:
    """Whether a request changes the workspace (queries and searches are POSTs that read)."""
    if method == "GET":
        return False
    try:
        return route(method, path)[0] not in _READS
    except ApiError:
        return True


def _rate_limited(seconds: float) -> ApiError:
    return ApiError(
        429,
        "rate_limited",
        "You have been rate limited. Please try again in a few minutes.",
        headers={"Retry-After": retry_after_header(seconds)},
    )


class NotionSandbox(Emulator):
    """A local Notion API (real HTTP on 127.0.0.1) over a `NotionStore`.

    Implements `okrsync.sandbox.Sandbox`. `clock` (epoch seconds, the kit's one clock type)
    drives page timestamps, the `Date` header, the rate limit and the Retry-After watch, so
    tests inject it and never sleep.
    """

    name = "notion"

    def __init__(
        self,
        port: int = 0,
        *,
        token: str = DEFAULT_TOKEN,
        clock: Clock | None = None,
        seed: int | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        super().__init__(clock=clock, port=port, host=host, server_name="okrsync-notion-sandbox")
        self.store = NotionStore(clock=self.clock, seed=seed)
        self.seeded: SeedResult | None = None
        self.store.uploads.origin = self.base_url
        self.token = token
        self._limiter: TokenBucket | None = None
        self.read_only = False
        self.edit_restrictions: set[str] = set()
        self._request_cursor = threading.local()  # the start_cursor of the request being drawn

    # ----------------------------------------------------------------- configuration

    def set_rate_limit(
        self, requests_per_second: float | None, *, burst: float | None = None
    ) -> None:
        """Limit the average rate (Notion: 3 rps, bursts allowed); None turns it off."""
        self._limiter = (
            TokenBucket(requests_per_second, self.clock, burst=burst)
            if requests_per_second
            else None
        )

    def fault_eligible(self, kind: FaultKind, method: str, path: str) -> bool:
        """Conflicts and applied-then-reset only hit writes (not GETs, queries or searches); a
        refused cursor only a request that sends a `start_cursor` (never a list's first page)."""
        if kind in ("conflict", "applied_then_reset"):
            return _is_write(method, path)
        if kind == "invalid_cursor":
            return getattr(self._request_cursor, "value", None) is not None
        return True

    # ----------------------------------------------------------------- people and access

    def human_edit(self, page_id: str) -> None:
        """A person edits the page: `last_edited_time` and `last_edited_by` move on."""
        self.store.update_page(page_id, None)

    def restrict_editing(self, page_id: str) -> None:
        """Take the integration's edit access to one page away: writes to it get 403."""
        self.edit_restrictions.add(page_id.replace("-", ""))

    def page_titles(self) -> list[str]:
        """The title of every page not in the trash, duplicates included."""
        with self.store.lock:
            return [
                self.store.title_of(page)
                for page in self.store.pages.values()
                if not page["in_trash"]
            ]

    # ----------------------------------------------------------------- state

    def seed(self, workspace: Workspace) -> SeedResult:
        """Lay `workspace` out as the Notion OKR template (see seed.py); seeded again, people
        bring the key results to the new values and write the new check-ins (`replay`)."""
        from .seed import replay_workspace, seed_workspace

        if self.seeded is None:
            self.seeded = seed_workspace(self, workspace)
        else:
            replay_workspace(self, workspace, self.seeded)
        return self.seeded

    def state(self) -> dict[str, Any]:
        return self.store.to_json()

    def restore(self, state: dict[str, Any]) -> None:
        self.store.load_json(state)

    def render_html(self) -> dict[str, str]:
        from .render import render_pages

        return render_pages(self.store)

    # ----------------------------------------------------------------- one request

    def respond(self, incoming: Incoming) -> Outgoing:
        """Answer one request (logged and counted before the answer goes out)."""
        method, path, query = incoming.method, incoming.path, incoming.query
        if path.startswith(FILES_PREFIX):
            served = self._serve_file(path, query)
            self.log.record(self.clock(), method, path, "GET /files/{id}/{name}", served.status)
            return served
        headers = {name.lower(): value for name, value in incoming.headers.items()}
        raw_body = incoming.body
        try:
            endpoint = route(method, path)[0]
        except ApiError:
            endpoint = f"{method} (unknown)"
        self.retry_watch.arrived()
        cursor = _start_cursor(method, query, raw_body)
        self._request_cursor.value = cursor
        fault: str | None = self.draw_fault(method, path)
        if fault == "reset":
            answer = Answer(0, None)
        else:
            answer, limited = self._answer(method, path, query, headers, raw_body, fault, cursor)
            if fault == "applied_then_reset" and answer.status == 200:
                answer = Answer(0, None)
            if limited:
                fault = "rate_limit"
        self.log.record(self.clock(), method, path, endpoint, answer.status, fault)
        return answer.outgoing()

    def _answer(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        raw_body: bytes,
        fault: str | None,
        cursor: str | None = None,
    ) -> tuple[Answer, bool]:
        """The answer, and whether the emulator's own rate limit refused the request."""
        request_id = str(uuid.uuid4())
        plan = self.fault_plan
        limited = False
        try:
            if fault == "slow":
                time.sleep(plan.slow_seconds)
            if fault == "429":
                raise _rate_limited(plan.retry_after)
            if fault in _FAULT_ERRORS:
                raise ApiError(*_FAULT_ERRORS[str(fault)])
            if self._limiter is not None:
                wait = self._limiter.take()
                if wait is not None:  # Notion answers whole seconds
                    limited = True
                    raise _rate_limited(float(max(1, math.ceil(wait))))
            self._check_auth(headers)
            if fault == "invalid_cursor":  # Notion's answer to a cursor it no longer honours
                raise validation_error(f"The start_cursor provided is invalid: {cursor}")
            if (self.read_only or self._restricted(path)) and _is_write(method, path):
                raise ApiError(
                    403, "restricted_resource", "Insufficient permissions for this endpoint."
                )
            if fault == "human_edit":
                self._human_edit(method, path)
            content_type = headers.get("content-type", "")
            multipart = content_type.lower().startswith("multipart/") or path.endswith("/send")
            request = Request(
                method=method,
                path=path,
                query=parse_qs(query, keep_blank_values=True),
                body={} if multipart else self._parse_body(method, raw_body),
                base_url=self.base_url,
                raw=raw_body,
                content_type=content_type,
            )
            body = dispatch(self.store, request)
            body["request_id"] = request_id
            return Answer(200, body), False
        except ApiError as error:
            if error.status == 429:
                self.retry_watch.sent(float(error.headers.get("Retry-After", "0")))
            body = error.body(request_id)
            if error.code == "object_not_found":
                body["additional_data"] = {"integration_id": self.store.bot_id}
                body["request_id"] = body.pop("request_id")
            return Answer(error.status, body, error.headers), limited
        except Exception as unexpected:  # an emulator bug: say so instead of hanging up
            message = (
                f"Unexpected error occurred (sandbox: {type(unexpected).__name__}: {unexpected})"
            )
            bug = ApiError(500, "internal_server_error", message)
            return Answer(500, bug.body(request_id)), False

    def _serve_file(self, path: str, query: str) -> Outgoing:
        """The bytes behind a file URL of an image block, like a pre-signed S3 URL: no auth,
        refused with 403 once its hour has run out."""
        upload_id = path[len(FILES_PREFIX) :].split("/", 1)[0]
        expires = parse_qs(query).get("expires", ["0"])[-1]
        if not expires.isdigit() or self.clock() > int(expires):
            return Outgoing(
                403,
                b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                content_type="application/xml",
            )
        try:
            with self.store.lock:
                data, content_type = self.store.uploads.file_content(upload_id)
        except ApiError:
            return Outgoing(
                404, b"<Error><Code>NoSuchKey</Code></Error>", content_type="application/xml"
            )
        return Outgoing(200, data, content_type=content_type)

    def _restricted(self, path: str) -> bool:
        found = _PAGE_PATH.match(path)
        return found is not None and found.group(1).replace("-", "") in self.edit_restrictions

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
