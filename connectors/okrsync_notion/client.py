"""The one way the connector talks to Notion: throttled, retried once, errors translated.

`NotionApi` wraps `notion_client.Client` built with `retry=False`, so there is exactly one retry
layer (tenacity, here) instead of the SDK's and ours stacked. Every request goes through
`NotionApi.call`, which

- keeps the average rate at or under `requests_per_second` with a client-side throttle that
  uses the injected clock and sleep (tests run it without waiting);
- retries transient failures only: 429 honouring Retry-After, 500/502/503/504, timeouts and
  dropped connections, and 409 `conflict_error` on writes; a non-idempotent request (creating a
  page, appending blocks) is retried only when the service says it did nothing (429, 409), and
  otherwise hands the ambiguity to the caller, which looks for what it wrote before trying again;
- counts requests per endpoint into `ConnectorStats`;
- translates SDK and transport errors into okrsync's error tree. Messages never contain the
  token: the SDK's error text is the API's message, and request headers are never logged.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Final, Literal

import httpx
from notion_client import APIResponseError, Client
from notion_client.errors import HTTPResponseError, RequestTimeoutError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from okrsync.connector import ConnectorStats
from okrsync.errors import AccessDenied, AuthError, OkrsyncError, RecordError, TransientError

from .options import NotionOptions

NOT_SHARED_HINT: Final = (
    "share the page/database with the integration: open it in Notion, ••• > Connections > "
    "add your integration"
)
TRANSIENT_STATUSES: Final = frozenset({429, 500, 502, 503, 504, 529})

Method = Literal["GET", "POST", "PATCH", "DELETE"]
NextCursor = Callable[[dict[str, Any], set[str], str], str | None]
"""Where a list goes on from one response: its next cursor, or None at its end."""


class Throttle:
    """Average-rate limiter: request n may start no earlier than start + n / rate.

    Debt does not accumulate while idle beyond one request, so a pause is not followed by a
    burst that the server would answer with 429s. Each gap gets a millisecond of slack so that
    clock granularity never lands a request a hair before the server's bucket has refilled.
    """

    SLACK_S: Final = 0.001

    def __init__(
        self, rate: float, clock: Callable[[], datetime], sleep: Callable[[float], None]
    ) -> None:
        self._interval = 1.0 / rate + self.SLACK_S
        self._clock = clock
        self._sleep = sleep
        self._next: float | None = None

    def wait(self) -> float:
        """Block until the next request may go; returns the seconds waited."""
        now = self._clock().timestamp()
        waited = 0.0
        if self._next is not None and now < self._next:
            waited = self._next - now
            self._sleep(waited)
            now = self._next
        self._next = now + self._interval
        return waited

    def defer(self, seconds: float) -> None:
        """Push the next allowed start back (after a 429 the server's budget is spent)."""
        now = self._clock().timestamp()
        self._next = max(self._next or now, now + seconds)


class NotionApi:
    """A throttled, retrying, error-translating front of `notion_client.Client`."""

    def __init__(
        self,
        options: NotionOptions,
        token: str,
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None] | None = None,
        stats: ConnectorStats | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        self.options = options
        self.stats = stats if stats is not None else ConnectorStats()
        self._sleep = sleep if sleep is not None else time.sleep
        self._throttle = Throttle(options.requests_per_second, clock, self._sleep)
        self.watched_time: datetime | None = None
        self._watching = False
        http = http_client if http_client is not None else httpx.Client()
        hooks = http.event_hooks
        http.event_hooks = {**hooks, "response": [*hooks.get("response", []), self._saw_response]}
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
        """
        self.watched_time = None
        self._watching = True

    def _saw_response(self, response: httpx.Response) -> None:
        if self._watching:
            self._watching = False
            self.watched_time = http_date(response.headers.get("date"))

    # ------------------------------------------------------------------ the single choke point

    def call(
        self,
        endpoint: str,
        method: Method,
        fn: Callable[..., Any],
        *args: Any,
        subject: str = "",
        idempotent: bool | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Run one SDK call through throttle, retries and error translation.

        `endpoint` names it in the stats ("data_sources.query"); `subject` names the page,
        database or block it is about, for error messages. `idempotent` defaults to True for
        GET, PATCH and DELETE.
        """
        safe = idempotent if idempotent is not None else method != "POST"
        writes = method != "GET"

        def should_retry(exc: BaseException) -> bool:
            if not isinstance(exc, TransientError):
                return False
            kind = exc.kind if isinstance(exc, NotionTransientError) else ""
            if kind == "conflict":
                return writes
            return safe or kind == "rate_limited"

        retrying = Retrying(
            stop=stop_after_attempt(self.options.max_retries + 1),
            retry=retry_if_exception(should_retry),
            wait=self._wait_seconds,
            sleep=self._sleep,
            before_sleep=self._count_retry,
            reraise=True,
        )
        result: dict[str, Any] = retrying(self._once, endpoint, fn, args, kwargs, subject)
        return result

    def _once(
        self,
        endpoint: str,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        subject: str,
    ) -> dict[str, Any]:
        self._throttle.wait()
        self.stats.requests += 1
        self.stats.by_endpoint[endpoint] = self.stats.by_endpoint.get(endpoint, 0) + 1
        try:
            response = fn(*args, **kwargs)
        except Exception as exc:
            self.stats.errors += 1
            translated = translate_error(exc, endpoint=endpoint, subject=subject)
            if translated is None:
                raise
            if isinstance(translated, NotionTransientError) and translated.kind == "rate_limited":
                self.stats.rate_limited += 1
                if translated.retry_after:
                    self._throttle.defer(translated.retry_after)
            raise translated from exc
        if not isinstance(response, dict):
            return {"results": response}
        return response

    def _wait_seconds(self, state: RetryCallState) -> float:
        """Retry-After when the server sent one, else exponential back-off (0.5 s, 1 s, ...)."""
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, TransientError) and exc.retry_after:
            return float(min(exc.retry_after, self.options.max_retry_wait_s))
        backoff = 0.5 * 2 ** (state.attempt_number - 1)
        return float(min(backoff, self.options.max_retry_wait_s))

    def _count_retry(self, state: RetryCallState) -> None:
        self.stats.retries += 1

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
        only asked for when the caller wants it, so stopping early costs no request.
        """
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = self.call(endpoint, method, fn, *args, start_cursor=cursor, **kwargs)
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
        )

    def retrieve_data_source(self, data_source_id: str) -> dict[str, Any]:
        return self.call(
            "data_sources.retrieve",
            "GET",
            self.client.data_sources.retrieve,
            data_source_id,
            subject=f"data source {data_source_id}",
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
            "pages.retrieve", "GET", self.client.pages.retrieve, page_id, subject=f"page {page_id}"
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

    def first_child(self, block_id: str) -> dict[str, Any] | None:
        """The first child block of a page or block, with a single small request."""
        page = self.call(
            "blocks.children.list",
            "GET",
            self.client.blocks.children.list,
            block_id,
            page_size=1,
            subject=f"block {block_id}",
        )
        results = page.get("results", [])
        return results[0] if results else None

    def append_children(self, block_id: str, children: list[dict[str, Any]]) -> dict[str, Any]:
        return self.call(
            "blocks.children.append",
            "PATCH",
            self.client.blocks.children.append,
            block_id,
            children=children,
            subject=f"block {block_id}",
            idempotent=False,
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
        raise NotionTransientError(
            f"Notion {what}: the answer says has_more but gives no next_cursor; the list "
            "cannot be read to its end",
            kind="pagination",
            hint="a Notion API fault; the next run reads the list again",
        )
    if cursor in seen:
        raise NotionTransientError(
            f"Notion {what}: next_cursor {cursor} was already read; the list loops",
            kind="pagination",
            hint="a Notion API fault; the next run reads the list again",
        )
    seen.add(cursor)
    return str(cursor)


def http_date(value: str | None) -> datetime | None:
    """An HTTP `Date` header (`Sat, 21 Nov 2026 19:48:41 GMT`) as an aware UTC datetime."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # "-0000": UTC by RFC 5322
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _retry_after(headers: httpx.Headers | None) -> float | None:
    if headers is None:
        return None
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class NotionTransientError(TransientError):
    """A TransientError that remembers what kind of failure it was, for the retry decision."""

    def __init__(
        self, message: str, *, kind: str, hint: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(message, hint=hint, retry_after=retry_after)
        self.kind = kind


class NotionRecordError(RecordError):
    """A RecordError carrying Notion's error code (validation_error, object_not_found, ...)."""

    def __init__(self, message: str, *, subject: str, code: str, hint: str = "") -> None:
        super().__init__(message, subject=subject, hint=hint)
        self.code = code


def translate_error(exc: BaseException, *, endpoint: str, subject: str) -> OkrsyncError | None:
    """okrsync's error for an SDK or transport failure, or None when it is not one of those."""
    where = f"Notion {endpoint} ({subject})" if subject else f"Notion {endpoint}"
    if isinstance(exc, RequestTimeoutError):
        return NotionTransientError(
            f"{where}: timed out", kind="timeout", hint="Notion is slow; okrsync retries"
        )
    if isinstance(exc, httpx.TransportError):
        return NotionTransientError(
            f"{where}: connection failed ({type(exc).__name__})",
            kind="connection",
            hint="check the network and base_url; okrsync retries",
        )
    if isinstance(exc, json.JSONDecodeError):
        return NotionTransientError(
            f"{where}: the answer was not complete JSON (cut off at character {exc.pos})",
            kind="server",
            hint="a truncated answer from Notion or a proxy; okrsync retries",
        )
    if isinstance(exc, APIResponseError):
        return _translate_api_error(exc, where=where, subject=subject)
    if isinstance(exc, HTTPResponseError):
        if exc.status in TRANSIENT_STATUSES:
            return NotionTransientError(
                f"{where}: HTTP {exc.status}", kind="server", retry_after=_retry_after(exc.headers)
            )
        if exc.status == 401:
            return AuthError(f"{where}: HTTP 401", hint=AUTH_HINT)
        return NotionRecordError(f"{where}: HTTP {exc.status}", subject=subject, code="http")
    return None


AUTH_HINT: Final = (
    "create or copy the token at notion.so/my-integrations and export it in the variable "
    "named by token_env"
)


def _translate_api_error(exc: APIResponseError, *, where: str, subject: str) -> OkrsyncError:
    code = str(getattr(exc.code, "value", exc.code))
    message = str(exc)
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
        return NotionTransientError(
            f"{where}: rate limited",
            kind="rate_limited",
            retry_after=_retry_after(exc.headers) or 1.0,
        )
    if code == "conflict_error":
        return NotionTransientError(
            f"{where}: conflict ({message})", kind="conflict", hint="okrsync retries the write"
        )
    if code in ("internal_server_error", "service_unavailable", "gateway_timeout") or (
        exc.status in TRANSIENT_STATUSES
    ):
        return NotionTransientError(
            f"{where}: {code} ({message})", kind="server", retry_after=_retry_after(exc.headers)
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
