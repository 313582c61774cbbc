"""The one way the connector talks to Notion: through okrsync's HTTP policy, errors translated.

`NotionApi` wraps `notion_client.Client` built with `retry=False` over an httpx client bounded
by `okrsync.http` (total deadline, size cap, same-origin redirects), so there is exactly one
retry layer, the policy's, instead of the SDK's and ours stacked. Every request goes through
`NotionApi.call`, which hands the SDK call to `HttpPolicy.call` (throttle at
`requests_per_second`, Retry-After, back-off for transient errors only, request statistics) with
what is Notion's own:

- which requests may be repeated: reads, PATCH and DELETE; a create (a page, appended blocks)
  only when the service says it did nothing (429, 409), otherwise the caller looks for what it
  wrote before trying again; a 409 `conflict_error` is repeated for writes;
- the translation of SDK errors into okrsync's error tree. Messages never contain the token:
  the SDK's error text is the API's message, redacted, and request headers are never logged.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Final, Literal

import httpx
from notion_client import APIResponseError, Client
from notion_client.errors import HTTPResponseError, RequestTimeoutError

from okrsync.connector import ConnectorStats
from okrsync.errors import (
    AccessDenied,
    AuthError,
    Conflict,
    OkrsyncError,
    RateLimited,
    RecordError,
    ServiceError,
    TimedOut,
    UnexpectedAnswer,
)
from okrsync.http import for_httpx
from okrsync.http.policy import HttpPolicy
from okrsync.http.server_time import retry_after_seconds

from .options import NotionOptions

NOT_SHARED_HINT: Final = (
    "share the page/database with the integration: open it in Notion, ••• > Connections > "
    "add your integration"
)
TRANSIENT_STATUSES: Final = frozenset({500, 502, 503, 504, 529})

Method = Literal["GET", "POST", "PATCH", "DELETE"]
NextCursor = Callable[[dict[str, Any], set[str], str], str | None]
"""Where a list goes on from one response: its next cursor, or None at its end."""


class NotionApi:
    """Notion's endpoints over `notion_client.Client`, each call through the HTTP policy."""

    def __init__(
        self,
        options: NotionOptions,
        token: str,
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None] | None = None,
        stop: threading.Event | None = None,
        stats: ConnectorStats | None = None,
        http_client: httpx.Client | None = None,
        log: Any = None,
    ) -> None:
        self.options = options
        self._clock = clock
        self._log = log  # the run's structlog logger; None logs nothing
        self.policy = HttpPolicy(
            options,
            base_url=options.base_url,
            clock=clock,
            sleep=sleep,
            stop=stop,
            stats=stats,
            secrets=[token],
        )
        self.stats = self.policy.stats
        http = for_httpx.guard_client(http_client if http_client is not None else httpx.Client())
        sdk_logger = logging.getLogger("okrsync.notion.sdk")
        self.client = Client(
            client=http,
            auth=token,
            base_url=options.base_url,
            notion_version=options.notion_version,
            timeout_ms=int(options.timeout_s * 1000),
            retry=False,
            logger=sdk_logger,
            log_level=logging.ERROR,
        )

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------------ the server's clock

    def watch_server_time(self) -> None:
        """Keep the `Date` of the next response (any endpoint, any status) in `watched_time`.

        Notion's `Date` header comes from Notion's clock, the one that stamps `last_edited_time`;
        the local clock may run ahead of it. `watched_time` stays None when that response has no
        usable `Date` (a later response would be too late to stand for "when this began").
        The `Date` is kept as sent: the incremental query overlaps it by a minute, far more
        than any round trip.
        """
        self.policy.mark_server_time(less_round_trip=False)

    @property
    def watched_time(self) -> datetime | None:
        return self.policy.server_mark

    # ------------------------------------------------------------------ the single choke point

    def call(
        self,
        endpoint: str,
        method: Method,
        fn: Callable[..., Any],
        *args: Any,
        subject: str = "",
        idempotent: bool | None = None,
        expect: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Run one SDK call through the HTTP policy and error translation.

        `endpoint` names it in the stats ("data_sources.query"); `subject` names the page,
        database or block it is about, for error messages. `idempotent` defaults to True for
        GET, PATCH and DELETE. `expect` is the answer's `object` ("database", "page", ...):
        anything else is an UnexpectedAnswer, never an empty object.
        """
        where = f"Notion {endpoint} ({subject})" if subject else f"Notion {endpoint}"

        def translate(exc: BaseException) -> OkrsyncError | None:
            return translate_error(
                exc, where=where, subject=subject, policy=self.policy, now=self._clock()
            )

        response = self.policy.call(
            where,
            endpoint,
            lambda: fn(*args, **kwargs),
            idempotent=idempotent if idempotent is not None else method != "POST",
            retry_conflict=method != "GET",
            translate=translate,
        )
        if not isinstance(response, dict) or (
            expect is not None and response.get("object") != expect
        ):
            raise UnexpectedAnswer(
                f"{where}: the answer is not a Notion {expect or 'JSON object'}",
                hint="a Notion API or proxy fault (or base_url is not Notion's API); the next "
                "run reads again",
            )
        return response

    def _pages(
        self,
        next_cursor: NextCursor,
        what: str,
        endpoint: str,
        method: Method,
        fn: Callable[..., Any],
        *args: Any,
        **kwargs: Any,
    ) -> Iterator[dict[str, Any]]:
        """Each response of a paginated list call, asking for the next one with its cursor.

        `next_cursor` decides from a response (and the cursors already read) where the list
        goes on, None at its end; `what` names the list in its errors. The next response is
        only asked for when the caller wants it, so stopping early costs no request. A response
        without a list of results is an error, never an empty list.

        Notion may refuse a cursor it handed out a moment before (400 `validation_error`, "The
        start_cursor provided is invalid": its cursors can expire during a long read). Then
        the list is read once more from its first page, and what was already yielded is left
        out of the responses read again (by `_result_key`), so callers see every result once.
        A second refusal in the same read is an error; a refused first page never restarts.
        """
        cursor: str | None = None
        seen: set[str] = set()
        yielded: Counter[str] = Counter()
        skip: Counter[str] = Counter()  # after the restart: what was yielded before it
        restarted = False
        while True:
            try:
                page = self.call(endpoint, method, fn, *args, start_cursor=cursor, **kwargs)
            except NotionRecordError as refused:
                if cursor is None or not _cursor_refused(refused):
                    raise
                if restarted:
                    raise CursorRefused(
                        f"Notion {what}: Notion refused the list's cursor twice in one read, "
                        "also after reading the list again from its first page",
                        subject=refused.subject,
                        code=refused.code,
                        hint="Notion's pagination cursors can expire during a long read; the "
                        "next run reads the list again (if it keeps failing, check "
                        "status.notion.so)",
                    ) from refused
                restarted = True
                if self._log is not None:
                    self._log.warning(
                        "notion_list_restarted",
                        list=what,
                        endpoint=endpoint,
                        results_read=sum(yielded.values()),
                        reason="Notion refused the next-page cursor; reading from the first page",
                    )
                skip, cursor, seen = Counter(yielded), None, set()
                continue
            results = page.get("results")
            if page.get("object") != "property_item" and not isinstance(results, list):
                raise UnexpectedAnswer(
                    f"Notion {what}: the answer has no list of results",
                    hint="a Notion API or proxy fault; the next run reads the list again",
                )
            if isinstance(results, list):
                kept = []
                for result in results:
                    key = _result_key(result)
                    if skip[key] > 0:
                        skip[key] -= 1
                    else:
                        kept.append(result)
                        yielded[key] += 1
                if len(kept) != len(results):
                    page = {**page, "results": kept}
            yield page
            cursor = next_cursor(page, seen, what)
            if cursor is None:
                return

    # ------------------------------------------------------------------ endpoints used

    def retrieve_database(self, database_id: str) -> dict[str, Any]:
        return self.call(
            "databases.retrieve",
            "GET",
            self.client.databases.retrieve,
            database_id,
            subject=f"database {database_id}",
            expect="database",
        )

    def create_database(self, **kwargs: Any) -> dict[str, Any]:
        return self.call(
            "databases.create",
            "POST",
            self.client.databases.create,
            subject=kwargs.pop("subject", "new database"),
            idempotent=False,
            **kwargs,
        )

    def retrieve_data_source(self, data_source_id: str) -> dict[str, Any]:
        return self.call(
            "data_sources.retrieve",
            "GET",
            self.client.data_sources.retrieve,
            data_source_id,
            subject=f"data source {data_source_id}",
            expect="data_source",
        )

    def update_data_source(self, data_source_id: str, properties: dict[str, Any]) -> dict[str, Any]:
        return self.call(
            "data_sources.update",
            "PATCH",
            self.client.data_sources.update,
            data_source_id,
            properties=properties,
            subject=f"data source {data_source_id}",
        )

    def query_data_source(
        self,
        data_source_id: str,
        *,
        filter_properties: list[str] | None = None,
        filter: dict[str, Any] | None = None,
        sorts: list[dict[str, Any]] | None = None,
        page_size: int = 100,
    ) -> Iterator[dict[str, Any]]:
        """Every row of a data source query, following `next_cursor` to the end."""
        for response in self.query_responses(
            data_source_id,
            filter_properties=filter_properties,
            filter=filter,
            sorts=sorts,
            page_size=page_size,
        ):
            yield from response.get("results", [])

    def query_responses(
        self,
        data_source_id: str,
        *,
        filter_properties: list[str] | None = None,
        filter: dict[str, Any] | None = None,
        sorts: list[dict[str, Any]] | None = None,
        page_size: int = 100,
    ) -> Iterator[dict[str, Any]]:
        """Each response of a data source query (rows plus `request_status`), to the end.

        The query is a read, so it is retried like a GET even though it is a POST.
        """
        kwargs: dict[str, Any] = {"page_size": page_size}
        if filter_properties:
            kwargs["filter_properties"] = filter_properties
        if filter:
            kwargs["filter"] = filter
        if sorts:
            kwargs["sorts"] = sorts
        yield from self._pages(
            _next_cursor,
            f"data source {data_source_id}",
            "data_sources.query",
            "POST",
            self.client.data_sources.query,
            data_source_id,
            subject=f"data source {data_source_id}",
            idempotent=True,
            **kwargs,
        )

    def property_items(self, page_id: str, property_id: str) -> list[dict[str, Any]]:
        """All items of one page property (the complete list past the 25-reference cut)."""
        items: list[dict[str, Any]] = []
        for page in self._pages(
            _next_cursor,
            f"page {page_id} property {property_id}",
            "pages.properties.retrieve",
            "GET",
            self.client.pages.properties.retrieve,
            page_id,
            property_id,
            page_size=100,
            subject=f"page {page_id}",
        ):
            if page.get("object") == "property_item":
                return [page]
            items.extend(page.get("results", []))
        return items

    def retrieve_page(self, page_id: str) -> dict[str, Any]:
        return self.call(
            "pages.retrieve",
            "GET",
            self.client.pages.retrieve,
            page_id,
            subject=f"page {page_id}",
            expect="page",
        )

    def update_page(self, page_id: str, **kwargs: Any) -> dict[str, Any]:
        return self.call(
            "pages.update",
            "PATCH",
            self.client.pages.update,
            page_id,
            subject=f"page {page_id}",
            **kwargs,
        )

    def create_page(self, **kwargs: Any) -> dict[str, Any]:
        return self.call(
            "pages.create",
            "POST",
            self.client.pages.create,
            subject=kwargs.pop("subject", "new page"),
            idempotent=False,
            **kwargs,
        )

    def list_children(self, block_id: str, *, page_size: int = 100) -> Iterator[dict[str, Any]]:
        for page in self._pages(
            _lenient_cursor,
            f"block {block_id}",
            "blocks.children.list",
            "GET",
            self.client.blocks.children.list,
            block_id,
            page_size=page_size,
            subject=f"block {block_id}",
        ):
            yield from page.get("results", [])

    def children_page(
        self, block_id: str, *, page_size: int = 100
    ) -> tuple[list[dict[str, Any]], bool]:
        """The first `page_size` children of a page or block in one request, and whether it has
        more."""
        page = self.call(
            "blocks.children.list",
            "GET",
            self.client.blocks.children.list,
            block_id,
            page_size=page_size,
            subject=f"block {block_id}",
        )
        results = page.get("results")
        if not isinstance(results, list):
            raise UnexpectedAnswer(
                f"Notion blocks.children.list (block {block_id}): the answer has no results",
                hint="a Notion API or proxy fault; the next run reads again",
            )
        return [r for r in results if isinstance(r, dict)], bool(page.get("has_more"))

    def first_child(self, block_id: str) -> dict[str, Any] | None:
        """The first child block of a page or block, with a single small request."""
        first, _more = self.children_page(block_id, page_size=1)
        return first[0] if first else None

    def append_children(
        self, block_id: str, children: list[dict[str, Any]], *, after: str | None = None
    ) -> dict[str, Any]:
        """Append `children` at the end of `block_id`'s children, or right after `after`."""
        position = {"after": after} if after is not None else {}
        return self.call(
            "blocks.children.append",
            "PATCH",
            self.client.blocks.children.append,
            block_id,
            children=children,
            subject=f"block {block_id}",
            idempotent=False,
            **position,
        )

    def update_block(self, block_id: str, **kwargs: Any) -> dict[str, Any]:
        return self.call(
            "blocks.update",
            "PATCH",
            self.client.blocks.update,
            block_id,
            subject=f"block {block_id}",
            **kwargs,
        )

    def delete_block(self, block_id: str) -> dict[str, Any]:
        return self.call(
            "blocks.delete",
            "DELETE",
            self.client.blocks.delete,
            block_id,
            subject=f"block {block_id}",
        )

    def upload_file(self, filename: str, data: bytes, content_type: str) -> str:
        """Upload one small file (single part: create, then send) and return its id, for a
        block to attach within the hour before Notion lets an unattached upload expire."""
        subject = f"file {filename}"
        created = self.call(
            "file_uploads.create",
            "POST",
            self.client.file_uploads.create,
            mode="single_part",
            filename=filename,
            content_type=content_type,
            subject=subject,
            idempotent=True,  # an extra unused upload only expires
            expect="file_upload",
        )
        upload_id = str(created["id"])
        self.call(
            "file_uploads.send",
            "POST",
            self.client.file_uploads.send,
            upload_id,
            file=(filename, data, content_type),
            subject=subject,
            expect="file_upload",
        )
        return upload_id

    def file_upload_status(self, upload_id: str) -> str:
        """An upload's status: pending, uploaded, expired or failed."""
        found = self.call(
            "file_uploads.retrieve",
            "GET",
            self.client.file_uploads.retrieve,
            upload_id,
            subject=f"file upload {upload_id}",
            expect="file_upload",
        )
        return str(found.get("status") or "")

    def list_users(self) -> Iterator[dict[str, Any]]:
        """Every user of the workspace (people and bots), all pages of `GET /v1/users`."""
        for page in self._pages(
            _next_cursor,
            "the users list",
            "users.list",
            "GET",
            self.client.users.list,
            subject="the users list",
        ):
            yield from page.get("results", [])

    def me(self) -> dict[str, Any]:
        return self.call("users.me", "GET", self.client.users.me, subject="the integration token")

    def search(self, query: str, object_type: str) -> Iterator[dict[str, Any]]:
        """Search results of one object type ("page" or "data_source"), all pages."""
        for page in self._pages(
            _lenient_cursor,
            f"search {query!r}",
            "search",
            "POST",
            self.client.search,
            query=query,
            filter={"property": "object", "value": object_type},
            page_size=100,
            subject=f"search {query!r}",
            idempotent=True,
        ):
            yield from page.get("results", [])


def _cursor_refused(error: NotionRecordError) -> bool:
    """Whether Notion refused a request for its `start_cursor` (and not, say, its filter)."""
    return error.code == "validation_error" and "start_cursor" in str(error)


def _result_key(result: Any) -> str:
    """What tells one result of a list from the others when the list is read again: the id of
    a page, block, user or data source; the whole item for a property item (their `id` is the
    property's, the same for every item of the list)."""
    if isinstance(result, dict) and result.get("object") != "property_item" and result.get("id"):
        return str(result["id"])
    return json.dumps(result, sort_keys=True, default=str)


def _lenient_cursor(page: dict[str, Any], seen: set[str], what: str) -> str | None:
    """The cursor of the next page of a list, None at the end or when the list gives none.

    Block children and search end quietly where the answer says `has_more` without a cursor.
    """
    cursor = page.get("next_cursor")
    if not page.get("has_more") or not cursor:
        return None
    return str(cursor)


def _next_cursor(page: dict[str, Any], seen: set[str], what: str) -> str | None:
    """The cursor of the next page of a list, None at the end.

    A list that says `has_more` without a `next_cursor`, or hands back a cursor it already
    gave, is broken: reading on would loop forever and stopping would silently lose rows, so
    the read fails with an error that says so.
    """
    if not page.get("has_more"):
        return None
    cursor = page.get("next_cursor")
    if not cursor:
        raise UnexpectedAnswer(
            f"Notion {what}: the answer says has_more but gives no next_cursor; the list "
            "cannot be read to its end",
            hint="a Notion API fault; the next run reads the list again",
        )
    if cursor in seen:
        raise UnexpectedAnswer(
            f"Notion {what}: next_cursor {cursor} was already read; the list loops",
            hint="a Notion API fault; the next run reads the list again",
        )
    seen.add(cursor)
    return str(cursor)


class NotionRecordError(RecordError):
    """A RecordError carrying Notion's error code (validation_error, object_not_found, ...)."""

    def __init__(self, message: str, *, subject: str, code: str, hint: str = "") -> None:
        super().__init__(message, subject=subject, hint=hint)
        self.code = code


class CursorRefused(NotionRecordError):
    """Notion refused a list's cursor twice in one read: the read fails (the list, not a schema
    or a page, is at fault)."""


def translate_error(
    exc: BaseException, *, where: str, subject: str, policy: HttpPolicy, now: datetime
) -> OkrsyncError | None:
    """okrsync's error for an SDK or transport failure, or None when it is not one of those."""
    if isinstance(exc, RequestTimeoutError):
        return TimedOut(f"{where}: timed out", hint="Notion is slow; okrsync retries reads")
    transport = for_httpx.transport_error(exc, where)
    if transport is not None:
        return transport
    if isinstance(exc, json.JSONDecodeError):
        return UnexpectedAnswer(
            f"{where}: the answer was not complete JSON (cut off at character {exc.pos})",
            hint="a truncated answer from Notion or a proxy; okrsync retries reads",
        )
    if isinstance(exc, APIResponseError):
        return _translate_api_error(exc, where=where, subject=subject, policy=policy, now=now)
    if isinstance(exc, HTTPResponseError):
        retry_after = _retry_after(exc.headers, now)
        if exc.status == 429:
            return RateLimited(f"{where}: rate limited (HTTP 429)", retry_after=retry_after)
        if exc.status in TRANSIENT_STATUSES:
            return ServiceError(f"{where}: HTTP {exc.status}", retry_after=retry_after)
        if exc.status == 401:
            return AuthError(f"{where}: HTTP 401", hint=AUTH_HINT)
        return NotionRecordError(f"{where}: HTTP {exc.status}", subject=subject, code="http")
    return None


def _retry_after(headers: httpx.Headers | None, now: datetime) -> float | None:
    if headers is None:
        return None
    return retry_after_seconds(headers.get("retry-after"), date=headers.get("date"), now=now)


AUTH_HINT: Final = (
    "create or copy the token at notion.so/my-integrations and export it in the variable "
    "named by token_env"
)


def _translate_api_error(
    exc: APIResponseError, *, where: str, subject: str, policy: HttpPolicy, now: datetime
) -> OkrsyncError:
    code = str(getattr(exc.code, "value", exc.code))
    message = policy.vendor_text(str(exc))
    if code == "unauthorized":
        return AuthError(f"{where}: the integration token was rejected ({message})", hint=AUTH_HINT)
    if code == "restricted_resource":
        hint = (
            "give the integration read content, update content and insert content "
            "capabilities at notion.so/my-integrations, and access to this page"
        )
        if subject.startswith(("page ", "block ")):
            # One page refused: that write fails, the others go on (the executor stops the
            # source when several in a row are refused).
            return AccessDenied(f"{where}: access refused ({message})", subject=subject, hint=hint)
        return AuthError(f"{where}: the integration lacks a capability ({message})", hint=hint)
    if code == "rate_limited":
        return RateLimited(f"{where}: rate limited", retry_after=_retry_after(exc.headers, now))
    if code == "conflict_error":
        return Conflict(f"{where}: conflict ({message})", hint="okrsync retries the write")
    if code in ("internal_server_error", "service_unavailable", "gateway_timeout") or (
        exc.status in TRANSIENT_STATUSES
    ):
        return ServiceError(
            f"{where}: {code} ({message})", retry_after=_retry_after(exc.headers, now)
        )
    if code == "object_not_found":
        return NotionRecordError(
            f"{where}: not found ({message})", subject=subject, code=code, hint=NOT_SHARED_HINT
        )
    if code == "validation_error":
        return NotionRecordError(
            f"{where}: Notion refused the request ({message})",
            subject=subject,
            code=code,
            hint="check the property named in the message: its type must match what okrsync "
            "writes (Score number, Health select, Warnings text, Last synced date)",
        )
    return NotionRecordError(f"{where}: {code} ({message})", subject=subject, code=code)
