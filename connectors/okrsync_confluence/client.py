"""HTTP to Confluence through atlassian-python-api, over okrsync's one HTTP policy.

The SDK's `Confluence(url, cloud=False)` (the `Server` class, REST v1, works on Cloud and Data
Center; see API-NOTES) provides the session and auth; its own retries are switched off and every
call goes through `request(..., advanced_mode=True)` inside `HttpPolicy.call`, which paces,
retries, bounds (total deadline, size cap, same-origin redirects) and counts every request.
What is Confluence's own is the status-to-error mapping here: 429 RateLimited, 5xx
ServiceError, 401/403 AuthError (403 on one page AccessDenied), 404 RecordError naming the
resource, 409 `VersionConflict` for the writer to re-read and re-merge, other 4xx RecordError
with Confluence's own message (redacted, then cut). Cloud page reads and writes use REST v2
(`api/v2/...`) with the same session; CQL, labels and content properties use v1 on both
deployments. An answer that is not the JSON object the API documents is an error
(UnexpectedAnswer), never read as "no pages".
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlparse, urlsplit

import requests
from atlassian import Confluence
from pydantic import SecretStr

from okrsync.connector import ConnectorStats
from okrsync.errors import (
    AccessDenied,
    AuthError,
    Conflict,
    RateLimited,
    RecordError,
    ServiceError,
    UnexpectedAnswer,
)
from okrsync.http import for_requests
from okrsync.http.policy import HttpPolicy
from okrsync.http.server_time import retry_after_seconds
from okrsync_confluence.options import ConfluenceOptions

# Data Center answers a CQL search with bodies 50 results at a time, whatever the limit asked.
DC_BODY_CHUNK = 50


class VersionConflict(Conflict):
    """409: the page or property changed since it was read; the writer re-reads and retries."""


class BadRequest(RecordError):
    """400: Confluence refused the request (bad CQL, a body it will not store, ...)."""


@dataclass
class PageData:
    """The parts of a page okrsync uses, the same for v1 and v2 answers."""

    id: str
    title: str
    version: int
    when: datetime | None
    body: str | None = None
    parent_id: str | None = None
    space_key: str | None = None
    space_id: str | None = None
    url: str | None = None
    labels: list[str] | None = None
    properties: dict[str, tuple[Any, int]] | None = None
    """Content properties that came with a v1 answer (`metadata.properties.<key>`): value and
    version; None when none were asked for."""
    status: str = "current"
    message: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


def _parse_when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_PAGE_PATH: Final = re.compile(r"/(?:content|pages)/(\d+)(?:/|$)")


def _page_in(url: str) -> str | None:
    """The page id a request addressed (content/{id}..., pages/{id}...), or None."""
    match = _PAGE_PATH.search(urlsplit(url).path)
    return match.group(1) if match else None


def _vendor_message(response: requests.Response) -> str:
    """Confluence's own words about a failure (whole: redact before cutting it)."""
    try:
        data = response.json()
    except ValueError:
        return (response.text or response.reason or "").strip()
    if isinstance(data, dict):
        errors = data.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            return str(first.get("detail") or first.get("title") or first.get("code") or "")
        if data.get("message"):
            return str(data["message"])
        nested = (
            (data.get("data") or {}).get("errors") if isinstance(data.get("data"), dict) else None
        )
        if isinstance(nested, list) and nested and isinstance(nested[0], dict):
            return str(nested[0].get("message") or "")
    return str(data)


def _object(data: Any, what: str) -> dict[str, Any]:
    """`data` when it is a JSON object; otherwise the answer is not what the API documents."""
    if not isinstance(data, dict):
        raise UnexpectedAnswer(
            f"Confluence {what}: the answer is not a JSON object",
            hint="check url (a proxy or login page may be answering instead of Confluence); "
            "the next run reads again",
        )
    return data


def cql_quote(value: str) -> str:
    """A CQL string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ConfluenceClient:
    """One site, one session; deployment-aware page, label, property and search calls."""

    def __init__(
        self,
        options: ConfluenceOptions,
        *,
        token: SecretStr,
        username: str | None = None,
        stats: ConnectorStats | None = None,
        sleep: Callable[[float], None],
        clock: Callable[[], datetime],
        stop: threading.Event | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.options = options
        self.cloud = options.deployment == "cloud"
        self._clock = clock
        self.policy = HttpPolicy(
            options,
            base_url=options.base_url,
            clock=clock,
            sleep=sleep,
            stop=stop,
            stats=stats,
            secrets=[token.get_secret_value()],
        )
        self.stats = self.policy.stats
        # The SDK logs every request as a curl line with its headers at DEBUG: never let that
        # carry the Authorization header into okrsync's logs.
        logging.getLogger("atlassian.rest_client").setLevel(logging.INFO)
        auth: dict[str, Any]
        if self.cloud:
            auth = {"username": username, "password": token.get_secret_value()}
        else:
            auth = {"token": token.get_secret_value()}
        session = for_requests.guard_session(session if session is not None else requests.Session())
        self.api = Confluence(  # type: ignore[no-untyped-call]
            url=options.base_url,
            cloud=False,
            timeout=options.timeout_s,
            backoff_and_retry=False,
            retry_with_header=False,
            session=session,
            **auth,
        )
        parsed = urlparse(options.base_url)
        self.origin = f"{parsed.scheme}://{parsed.netloc}"
        self._space_ids: dict[str, str] = {}

    # --- the server's clock ----------------------------------------------------------------

    def mark_server_time(self) -> None:
        """Take the server's time from the next answered request (see `server_mark`).

        `server_mark` becomes the `Date` header of that answer less the request's round trip:
        no later than the moment the server began to handle the request, on the server's
        clock (the one its version times use), never this machine's. It stays None when the
        answer carries no usable `Date`.
        """
        self.policy.mark_server_time()

    @property
    def server_mark(self) -> datetime | None:
        return self.policy.server_mark

    # --- transport -----------------------------------------------------------------------

    def close(self) -> None:
        """Release the HTTP session."""
        self.api.close()

    def _result(self, response: requests.Response, method: str, endpoint: str) -> Any:
        """The JSON of a 2xx answer (None when it has no body); the mapped error otherwise."""
        status = response.status_code
        what = f"{method} {endpoint}"
        if 200 <= status < 300:
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise UnexpectedAnswer(
                    f"Confluence answered {what} with something that is not JSON "
                    f"({response.headers.get('Content-Type') or 'no content type'})",
                    hint="check url (a proxy or login page may be answering instead of "
                    "Confluence); the next run reads again",
                ) from None
        message = self.policy.vendor_text(_vendor_message(response))
        page = _page_in(response.url) if status == 403 else None
        if page is not None:
            # A page restriction: that page fails, the others go on (the executor stops the
            # source when several in a row are refused).
            raise AccessDenied(
                f"Confluence refused {what} on page {page} (403): {message}",
                subject=f"page {page}",
                hint="the page restricts who may edit or view it: add okrsync's account to its "
                "restrictions, or leave the page out of the objectives locator",
            )
        if status in (401, 403):
            raise AuthError(
                f"Confluence refused {what} ({status}): {message}",
                hint="check the account email and API token (Cloud) or the personal access "
                "token (Data Center), and that the account can see the space and pages",
            )
        if status == 404:
            raise RecordError(
                f"Confluence has no {endpoint} (404): {message}",
                subject=endpoint,
                hint="check the page id or space key in the options; the page may have been "
                "deleted or the account cannot see it",
            )
        if status == 409:
            raise VersionConflict(f"version conflict on {what}: {message}")
        retry_after = retry_after_seconds(
            response.headers.get("Retry-After"),
            date=response.headers.get("Date"),
            now=self._clock(),
        )
        if status == 429:
            raise RateLimited(f"Confluence rate-limited {what}", retry_after=retry_after)
        if status >= 500:
            raise ServiceError(
                f"Confluence failed {what} ({status}): {message}", retry_after=retry_after
            )
        if status == 400:
            raise BadRequest(f"Confluence rejected {what} (400): {message}", subject=endpoint)
        raise RecordError(f"Confluence answered {what} with {status}: {message}", subject=endpoint)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        endpoint: str | None = None,
        idempotent: bool = True,
        files: Sequence[tuple[str, tuple[str, bytes, str]]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """One request through the HTTP policy (a 409 is not repeated: the writer re-reads).

        A non-idempotent call (creating a page) is not repeated after a lost connection or a
        5xx, since it may have been applied: the caller looks before trying again. With
        `files` (form field name, (file name, bytes, media type)), the body is a multipart
        form (`body`: its other fields, a list of pairs when a name repeats) and `headers`
        replace the JSON ones (requests then sets the multipart content type itself).
        """
        label = endpoint or path.split("?")[0]
        absolute = path.startswith(("http://", "https://"))

        def send() -> Any:
            response = self.api.request(
                method,
                path,
                params=params,
                data=body,
                absolute=absolute,
                advanced_mode=True,
                files=None if files is None else MultipartFiles(files),
                headers=headers,
            )
            return self._result(response, method, label)

        what = f"Confluence {method} {label}"
        return self.policy.call(
            what,
            f"{method} {label}",
            send,
            idempotent=idempotent,
            translate=lambda exc: for_requests.transport_error(exc, what),
        )

    def _next_url(self, data: dict[str, Any]) -> str | None:
        links = data.get("_links") or {}
        nxt = links.get("next")
        if not nxt:
            return None
        nxt = str(nxt)
        if nxt.startswith(("http://", "https://")):
            return nxt
        base = str(links.get("base") or self.options.base_url).rstrip("/")
        base_path = urlparse(base).path.rstrip("/")
        if base_path and nxt.startswith(base_path + "/"):
            return self.origin + nxt
        return base + "/" + nxt.lstrip("/")

    def paginate(
        self, path: str, params: dict[str, Any] | None, *, endpoint: str
    ) -> Iterator[dict[str, Any]]:
        """Every result of a v1 or v2 list, following `_links.next` to the end."""
        url: str | None = path
        first = True
        seen: set[str] = set()
        while url:
            data = self.call("GET", url, params=params if first else None, endpoint=endpoint)
            first = False
            data = _object(data, endpoint)
            results = data.get("results")
            if not isinstance(results, list):
                raise UnexpectedAnswer(
                    f"Confluence {endpoint}: the answer has no list of results",
                    hint="check url (a proxy or login page may be answering instead of "
                    "Confluence); the next run reads again",
                )
            yield from results
            url = self._next_url(data) if results else None
            if url is not None and url in seen:
                # reading on would loop forever, stopping would silently lose pages
                raise UnexpectedAnswer(
                    f"Confluence {endpoint}: the next link {url} was already read; the list loops",
                    hint="a Confluence or proxy fault; the next run reads the list again",
                )
            if url is not None:
                seen.add(url)

    # --- v1 / v2 paths ---------------------------------------------------------------------

    @staticmethod
    def v1(resource: str) -> str:
        return "rest/api/" + resource

    @staticmethod
    def v2(resource: str) -> str:
        return "api/v2/" + resource

    def page_url(self, webui: str | None, base: str | None = None) -> str | None:
        """An absolute page URL from a `_links.webui` path."""
        if not webui:
            return None
        if webui.startswith(("http://", "https://")):
            return webui
        return (base or self.options.base_url).rstrip("/") + webui

    # --- reading --------------------------------------------------------------------------

    def _from_v1(self, data: dict[str, Any], base: str | None = None) -> PageData:
        version = data.get("version") or {}
        ancestors = data.get("ancestors") or []
        labels_data = ((data.get("metadata") or {}).get("labels") or {}).get("results")
        links = data.get("_links") or {}
        body = ((data.get("body") or {}).get("storage") or {}).get("value")
        found = (data.get("metadata") or {}).get("properties")
        properties = (
            {
                str(key): (prop.get("value"), int((prop.get("version") or {}).get("number") or 1))
                for key, prop in found.items()
                if isinstance(prop, dict)
            }
            if isinstance(found, dict)
            else None
        )
        return PageData(
            id=str(data["id"]),
            title=str(data.get("title") or ""),
            version=int(version.get("number") or 0),
            when=_parse_when(version.get("when")),
            body=body,
            parent_id=str(ancestors[-1]["id"]) if ancestors else None,
            space_key=(data.get("space") or {}).get("key"),
            url=self.page_url(links.get("webui"), links.get("base") or base),
            labels=[str(x["name"]) for x in labels_data] if labels_data is not None else None,
            properties=properties,
            status=str(data.get("status") or "current"),
            message=str(version.get("message") or ""),
            raw=data,
        )

    def _from_v2(self, data: dict[str, Any]) -> PageData:
        version = data.get("version") or {}
        links = data.get("_links") or {}
        body = ((data.get("body") or {}).get("storage") or {}).get("value")
        parent = data.get("parentId")
        return PageData(
            id=str(data["id"]),
            title=str(data.get("title") or ""),
            version=int(version.get("number") or 0),
            when=_parse_when(version.get("createdAt")),
            body=body,
            parent_id=str(parent) if parent else None,
            space_id=str(data.get("spaceId")) if data.get("spaceId") else None,
            url=self.page_url(links.get("webui"), links.get("base")),
            status=str(data.get("status") or "current"),
            message=str(version.get("message") or ""),
            raw=data,
        )

    def get_page(self, page_id: str) -> PageData:
        """A page with its storage body and version (v2 on Cloud, v1 on Data Center)."""
        if self.cloud:
            data = self.call(
                "GET",
                self.v2(f"pages/{page_id}"),
                params={"body-format": "storage"},
                endpoint="v2 pages/{id}",
            )
            return self._from_v2(_object(data, "page"))
        data = self.call(
            "GET",
            self.v1(f"content/{page_id}"),
            params={"expand": "body.storage,version,ancestors,space,metadata.labels"},
            endpoint="v1 content/{id}",
        )
        return self._from_v1(_object(data, "page"))

    def get_pages(self, page_ids: list[str]) -> dict[str, PageData]:
        """Many pages with their bodies: v2 `pages?id=...` in chunks of 250 on Cloud; on Data
        Center one CQL `id in (...)` search per 50 pages (its cap for answers with bodies),
        one by one only when the server refuses that query."""
        found: dict[str, PageData] = {}
        if not self.cloud:
            for start in range(0, len(page_ids), DC_BODY_CHUNK):
                chunk = page_ids[start : start + DC_BODY_CHUNK]
                try:
                    pages = list(
                        self.search(f"id in ({','.join(chunk)})", with_body=True, limit=len(chunk))
                    )
                except BadRequest:
                    pages = [self.get_page(page_id) for page_id in chunk]
                found.update((page.id, page) for page in pages)
            return found
        for start in range(0, len(page_ids), 250):
            chunk = page_ids[start : start + 250]
            for item in self.paginate(
                self.v2("pages"),
                {"id": ",".join(chunk), "body-format": "storage", "limit": len(chunk)},
                endpoint="v2 pages",
            ):
                page = self._from_v2(item)
                found[page.id] = page
        return found

    def search(
        self,
        cql: str,
        *,
        with_body: bool,
        limit: int | None = None,
        properties: tuple[str, ...] = (),
    ) -> Iterator[PageData]:
        """Pages matching a CQL query (v1 on both deployments), fully paginated, with the
        content properties named in `properties` (no request more).

        Data Center takes the bodies in the same answer; Cloud reads bodies through v2.
        """
        expand = "version,ancestors,space,metadata.labels"
        expand += "".join(f",metadata.properties.{key}" for key in properties)
        if with_body and not self.cloud:
            expand += ",body.storage"
        params = {"cql": cql, "expand": expand, "limit": limit or self.options.page_size}
        for item in self.paginate(self.v1("content/search"), params, endpoint="v1 content/search"):
            yield self._from_v1(item)

    def children(self, page_id: str) -> Iterator[PageData]:
        """The direct child pages of a page, fully paginated (without bodies)."""
        if self.cloud:
            for item in self.paginate(
                self.v2(f"pages/{page_id}/children"),
                {"limit": min(self.options.page_size, 250)},
                endpoint="v2 pages/{id}/children",
            ):
                yield PageData(
                    id=str(item["id"]),
                    title=str(item.get("title") or ""),
                    version=int((item.get("version") or {}).get("number") or 0),
                    when=_parse_when((item.get("version") or {}).get("createdAt")),
                    parent_id=page_id,
                    status=str(item.get("status") or "current"),
                    raw=item,
                )
            return
        for item in self.paginate(
            self.v1(f"content/{page_id}/child/page"),
            {"expand": "version,ancestors,space,metadata.labels", "limit": self.options.page_size},
            endpoint="v1 content/{id}/child/page",
        ):
            yield self._from_v1(item)

    def labels(self, page_id: str) -> list[str]:
        """The page's labels (v1)."""
        return [
            str(item["name"])
            for item in self.paginate(
                self.v1(f"content/{page_id}/label"), None, endpoint="v1 content/{id}/label"
            )
        ]

    def add_labels(self, page_id: str, names: list[str]) -> None:
        """Add global labels (adding one that exists is harmless)."""
        if names:
            self.call(
                "POST",
                self.v1(f"content/{page_id}/label"),
                body=[{"prefix": "global", "name": n} for n in names],
                endpoint="v1 content/{id}/label",
            )

    def get_property(self, page_id: str, key: str) -> tuple[Any, int] | None:
        """A content property's value and version number, or None when it is not set."""
        try:
            data = self.call(
                "GET",
                self.v1(f"content/{page_id}/property/{key}"),
                endpoint="v1 content/{id}/property/{key}",
            )
        except RecordError as exc:
            if isinstance(exc, BadRequest):
                raise
            return None
        data = _object(data, "content property")
        return data.get("value"), int((data.get("version") or {}).get("number") or 1)

    def set_property(
        self,
        page_id: str,
        key: str,
        value: Any,
        *,
        new_page: bool = False,
        version: int | None = None,
    ) -> None:
        """Create or update a content property, re-reading its version on a conflict.

        `new_page`: the property is known to be absent (the page was just created, or the
        listing that asked for it found none), so the first attempt creates without reading;
        if it exists after all, Confluence answers 409 and the next attempt reads it.
        `version`: the property's version as read earlier in this run, so the first attempt
        updates without reading it again.
        """
        for attempt in range(self.options.max_conflict_retries + 1):
            current: tuple[Any, int] | None
            if attempt == 0 and new_page:
                current = None
            elif attempt == 0 and version is not None:
                current = (None, version)
            else:
                current = self.get_property(page_id, key)
            try:
                if current is None:
                    self.call(
                        "POST",
                        self.v1(f"content/{page_id}/property"),
                        body={"key": key, "value": value},
                        endpoint="v1 content/{id}/property",
                    )
                else:
                    self.call(
                        "PUT",
                        self.v1(f"content/{page_id}/property/{key}"),
                        body={"key": key, "value": value, "version": {"number": current[1] + 1}},
                        endpoint="v1 content/{id}/property/{key}",
                    )
                return
            except VersionConflict:
                continue
            except BadRequest:
                # POST of a key that another writer created meanwhile: read and update it.
                if current is not None:
                    raise
        raise VersionConflict(f"content property {key!r} on page {page_id} kept changing")

    def space_id(self, key: str) -> str:
        """The numeric space id v2 needs for creating pages."""
        if key not in self._space_ids:
            data = self.call("GET", self.v2("spaces"), params={"keys": key}, endpoint="v2 spaces")
            results = _object(data, "v2 spaces").get("results") or []
            if not results:
                raise RecordError(
                    f"space {key!r} not found", subject=key, hint="check review_space / space"
                )
            self._space_ids[key] = str(results[0]["id"])
        return self._space_ids[key]

    def current_user(self) -> dict[str, Any]:
        data = self.call("GET", self.v1("user/current"), endpoint="v1 user/current")
        return _object(data, "v1 user/current")

    def get_space(self, key: str) -> dict[str, Any]:
        data = self.call("GET", self.v1(f"space/{key}"), endpoint="v1 space/{key}")
        return _object(data, "v1 space/{key}")

    # --- writing --------------------------------------------------------------------------

    def create_page(self, *, space: str, parent_id: str | None, title: str, body: str) -> PageData:
        """Create a page (v2 on Cloud, v1 on Data Center)."""
        if self.cloud:
            payload: dict[str, Any] = {
                "spaceId": self.space_id(space),
                "status": "current",
                "title": title,
                "body": {"representation": "storage", "value": body},
            }
            if parent_id:
                payload["parentId"] = parent_id
            data = self.call(
                "POST", self.v2("pages"), body=payload, endpoint="v2 pages", idempotent=False
            )
            return self._from_v2(_object(data, "page"))
        v1_payload: dict[str, Any] = {
            "type": "page",
            "title": title,
            "space": {"key": space},
            "body": {"storage": {"value": body, "representation": "storage"}},
        }
        if parent_id:
            v1_payload["ancestors"] = [{"id": parent_id}]
        data = self.call(
            "POST", self.v1("content"), body=v1_payload, endpoint="v1 content", idempotent=False
        )
        return self._from_v1(_object(data, "page"))

    def update_page(
        self, page_id: str, *, title: str, body: str, version: int, message: str = ""
    ) -> PageData:
        """PUT a new version (`version` = the stored one + 1); 409 raises VersionConflict."""
        if self.cloud:
            payload: dict[str, Any] = {
                "id": page_id,
                "status": "current",
                "title": title,
                "body": {"representation": "storage", "value": body},
                "version": {"number": version, "message": message},
            }
            data = self.call(
                "PUT", self.v2(f"pages/{page_id}"), body=payload, endpoint="v2 pages/{id}"
            )
            return self._from_v2(_object(data, "page"))
        v1_payload = {
            "id": page_id,
            "type": "page",
            "title": title,
            "body": {"storage": {"value": body, "representation": "storage"}},
            "version": {"number": version, "message": message},
        }
        data = self.call(
            "PUT", self.v1(f"content/{page_id}"), body=v1_payload, endpoint="v1 content/{id}"
        )
        return self._from_v1(_object(data, "page"))

    # --- attachments (REST v1 on both deployments: v2 has no upload) --------------------------

    def attachments(self, page_id: str) -> dict[str, dict[str, Any]]:
        """The page's attachments by file name, as v1 lists them (current version)."""
        return {
            str(item.get("title")): item
            for item in self.paginate(
                self.v1(f"content/{page_id}/child/attachment"),
                {"limit": 100},
                endpoint="v1 content/{id}/child/attachment",
            )
        }

    def upload_attachment(
        self,
        page_id: str,
        filename: str,
        data: bytes,
        media_type: str,
        *,
        comment: str,
        attachment_id: str | None = None,
    ) -> tuple[str, int]:
        """Data Center: upload one file to a page and return (attachment id, its version
        number). Data Center refuses Cloud's create-or-update `PUT child/attachment` (405), so
        a new file is `POST`ed and a known one (`attachment_id`) gets a new version through
        `POST .../{id}/data`. Cloud sends its files with `upload_attachments`, several per
        request.
        """
        path = self.v1(f"content/{page_id}/child/attachment")
        endpoint = "v1 content/{id}/child/attachment"
        if attachment_id is not None:
            path += f"/{attachment_id}/data"
            endpoint += "/{attachmentId}/data"
        answer = self._upload(
            "POST", path, endpoint, [AttachmentUpload(filename, data, media_type, comment)]
        )
        results = answer.get("results")
        item = results[0] if isinstance(results, list) and results else answer
        return _uploaded(item, "POST", endpoint)

    def upload_attachments(
        self, page_id: str, uploads: Sequence[AttachmentUpload]
    ) -> dict[str, tuple[str, int]]:
        """Cloud only: create-or-update several files of one page in ONE request (`PUT
        child/attachment` takes one `file` part per file and a `comment` part per file, paired
        in order); (attachment id, version number) by file name. Confluence applies the request
        as a whole or answers an error for it (the sandbox too): the caller decides what to do
        with the files of a refused request."""
        endpoint = "v1 content/{id}/child/attachment"
        answer = self._upload(
            "PUT", self.v1(f"content/{page_id}/child/attachment"), endpoint, uploads
        )
        results = answer.get("results")
        items = results if isinstance(results, list) else []
        found = {
            str(item.get("title")): _uploaded(item, "PUT", endpoint)
            for item in items
            if isinstance(item, dict)
        }
        missing = [u.filename for u in uploads if u.filename not in found]
        if missing:
            raise UnexpectedAnswer(
                f"Confluence PUT {endpoint}: the answer names no attachment for "
                f"{', '.join(missing)}",
                hint="the next run uploads the chart again",
            )
        return found

    def _upload(
        self, method: str, path: str, endpoint: str, uploads: Sequence[AttachmentUpload]
    ) -> dict[str, Any]:
        """A multipart form with a `file` and a `comment` part per upload and `minorEdit` (no
        watcher notifications), behind the `X-Atlassian-Token: no-check` header Confluence's
        XSRF check asks for."""
        fields = [("minorEdit", "true"), *(("comment", u.comment) for u in uploads)]
        return _object(
            self.call(
                method,
                path,
                body=fields,
                files=[("file", (u.filename, u.data, u.media_type)) for u in uploads],
                headers={"X-Atlassian-Token": "no-check", "Accept": "application/json"},
                endpoint=endpoint,
            ),
            endpoint,
        )

    def delete_version(self, content_id: str, number: int) -> None:
        """Delete one historical version of a page or attachment (v1 `DELETE
        content/{id}/version/{n}`; the current version cannot be deleted)."""
        self.call(
            "DELETE",
            self.v1(f"content/{content_id}/version/{number}"),
            endpoint="v1 content/{id}/version/{n}",
        )


@dataclass(frozen=True)
class AttachmentUpload:
    """One file to attach to a page, with the comment its new version carries."""

    filename: str
    data: bytes
    media_type: str
    comment: str


def _uploaded(item: Any, method: str, endpoint: str) -> tuple[str, int]:
    """(attachment id, version number) of one attachment in an upload's answer."""
    if not isinstance(item, dict) or "id" not in item:
        raise UnexpectedAnswer(
            f"Confluence {method} {endpoint}: the answer names no attachment",
            hint="the next run uploads the chart again",
        )
    return str(item["id"]), int((item.get("version") or {}).get("number") or 1)


class MultipartFiles(dict[str, tuple[str, bytes, str]]):
    """File parts for a multipart form in which a field name repeats (several `file` parts).

    atlassian-python-api takes `files` as a dict (it walks `values()` to rewind streams before
    a retry) and hands it to requests, which sends one part per pair of `items()`; a plain dict
    cannot hold one name twice, so this one answers its pairs from a list."""

    def __init__(self, parts: Sequence[tuple[str, tuple[str, bytes, str]]]) -> None:
        super().__init__(parts)
        self._parts = list(parts)

    def items(self) -> Any:
        return list(self._parts)

    def values(self) -> Any:
        return [value for _, value in self._parts]
