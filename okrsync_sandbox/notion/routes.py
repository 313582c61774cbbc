"""The Notion REST endpoints the emulator answers, as plain functions over the store.

`dispatch()` takes a parsed request and returns (status, JSON body) or raises `ApiError`; the
HTTP server does transport, auth, faults and logging around it. The route template (e.g.
`POST /v1/data_sources/{id}/query`) names the endpoint in the per-endpoint counters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote, unquote

from .properties import find_property
from .query import (
    RELATIVE_DATE_OPERATORS,
    PageView,
    matches,
    sort_views,
    validate_filter,
    validate_sorts,
)
from .shapes import (
    JSON,
    MAX_PAGE_SIZE,
    ApiError,
    floor_minute,
    normalize_id,
    not_found,
    parse_time,
    validation_error,
)
from .store import NotionStore

LIST_ITEM_TYPES: Final = frozenset({"title", "rich_text", "relation", "people"})


@dataclass
class Request:
    """One parsed API request."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: JSON
    base_url: str
    raw: bytes = b""
    content_type: str = ""

    def query_one(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None


Handler = Callable[[NotionStore, Request, list[str]], JSON]


def _page_size(raw: Any, where: str) -> int:
    if raw is None:
        return MAX_PAGE_SIZE
    try:
        size = int(raw)
    except (TypeError, ValueError) as exc:
        raise validation_error(
            f"body failed validation: {where}.page_size should be a number."
        ) from exc
    if size < 1:
        raise validation_error(
            f"body failed validation: {where}.page_size should be ≥ `1`, instead was `{size}`."
        )
    if size > MAX_PAGE_SIZE:
        raise validation_error(
            f"body failed validation: {where}.page_size should be ≤ `{MAX_PAGE_SIZE}`, "
            f"instead was `{size}`."
        )
    return size


def _paginate_ids(ids: list[str], start_cursor: Any, size: int) -> tuple[list[str], str | None]:
    """Cursor pagination over ordered ids; a cursor is the id of the first item of a page."""
    start = 0
    if start_cursor is not None:
        cursor = normalize_id(str(start_cursor))
        if cursor not in ids:
            raise validation_error(f"The start_cursor provided is invalid: {start_cursor}")
        start = ids.index(cursor)
    chunk = ids[start : start + size]
    following = start + size
    return chunk, ids[following] if following < len(ids) else None


def _list(results: list[JSON], next_cursor: str | None, kind: str) -> JSON:
    return {
        "object": "list",
        "results": results,
        "next_cursor": next_cursor,
        "has_more": next_cursor is not None,
        "type": kind,
        kind: {},
    }


# ------------------------------------------------------------------------------ databases


def get_database(store: NotionStore, request: Request, args: list[str]) -> JSON:
    database = store.get_database(args[0])
    if database["in_trash"]:
        raise not_found("database", args[0])
    return store.database_object(args[0])


def _title_text(raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise validation_error("body failed validation: body.title should be an array.")
    return "".join(
        str((item.get("text") or {}).get("content", item.get("plain_text", "")))
        for item in raw
        if isinstance(item, dict)
    )


def _trash_flag(body: JSON) -> bool | None:
    for key in ("in_trash", "archived"):
        if isinstance(body.get(key), bool):
            return bool(body[key])
    return None


def _patched_properties(body: JSON) -> JSON | None:
    """The `properties` of a PATCH body, None when absent; Notion refuses a non-object."""
    properties = body.get("properties")
    if properties is not None and not isinstance(properties, dict):
        raise validation_error("body failed validation: body.properties should be an object.")
    return properties


def patch_database(store: NotionStore, request: Request, args: list[str]) -> JSON:
    body = request.body
    store.update_database(args[0], title=_title_text(body.get("title")), in_trash=_trash_flag(body))
    database = store.get_database(args[0])
    if "icon" in body:
        database["icon"] = body["icon"]
    if "description" in body:
        database["description"] = _title_text(body["description"]) or ""
    return store.database_object(args[0])


def create_database(store: NotionStore, request: Request, args: list[str]) -> JSON:
    body = request.body
    parent = body.get("parent") or {}
    initial = body.get("initial_data_source") or {}
    database_id, _ = store.create_database(
        _title_text(body.get("title")) or "Untitled",
        properties=initial.get("properties") or body.get("properties"),
        parent_page_id=parent.get("page_id"),
        is_inline=bool(body.get("is_inline")),
    )
    return store.database_object(database_id)


# ------------------------------------------------------------------------------ data sources


def get_data_source(store: NotionStore, request: Request, args: list[str]) -> JSON:
    source = store.get_data_source(args[0])
    if source["in_trash"]:
        raise not_found("data_source", args[0])
    return store.data_source_object(args[0])


def patch_data_source(store: NotionStore, request: Request, args: list[str]) -> JSON:
    body = request.body
    properties = _patched_properties(body)
    store.update_data_source(
        args[0],
        properties=properties,
        title=_title_text(body.get("title")),
        in_trash=_trash_flag(body),
    )
    if "icon" in body:
        store.get_data_source(args[0])["icon"] = body["icon"]
    return store.data_source_object(args[0])


def create_data_source(store: NotionStore, request: Request, args: list[str]) -> JSON:
    body = request.body
    parent = body.get("parent") or {}
    if not isinstance(parent.get("database_id"), str):
        raise validation_error("body failed validation: body.parent.database_id should be defined.")
    source_id = store.create_data_source(
        parent["database_id"],
        _title_text(body.get("title")) or "Untitled",
        properties=body.get("properties"),
    )
    if "icon" in body:
        store.data_sources[source_id]["icon"] = body["icon"]
    return store.data_source_object(source_id)


def _filter_properties(request: Request) -> list[str] | None:
    values = request.query.get("filter_properties", []) + request.query.get(
        "filter_properties[]", []
    )
    return values or None


def _page_view(store: NotionStore, page: JSON) -> PageView:
    schema = store.schema_of(page)
    return PageView(
        page_id=page["id"],
        schema=schema,
        created_time=floor_minute(parse_time(page["created_time"])),
        last_edited_time=floor_minute(parse_time(page["last_edited_time"])),
        render=lambda prop: store.property_value(page, schema, prop),
    )


RELATIVE_DATES: Final = re.compile("|".join(f'"{re.escape(op)}"' for op in RELATIVE_DATE_OPERATORS))


def _relative(asked: str) -> bool:
    """Whether a query's filter depends on when it is asked (past_week, next_month...)."""
    return RELATIVE_DATES.search(asked) is not None


def _query_order(
    store: NotionStore, source_id: str, spec: JSON | None, sorts: list[JSON], want_trash: bool
) -> list[str]:
    """The ids of the data source's pages the filter `spec` matches, in the order of `sorts`."""
    candidates = [
        page
        for page in store.pages.values()
        if page["parent"].get("data_source_id") == source_id
        and page["in_trash"] == want_trash
        and page["id"] not in store.hidden
    ]
    if spec is None and not sorts:
        return [page["id"] for page in candidates]  # creation order, no rendering needed
    now = store.moment()
    views = [_page_view(store, page) for page in candidates]
    if spec is not None:
        views = [view for view in views if matches(spec, view, now)]
    return [view.page_id for view in sort_views(views, sorts)]


def query_data_source(store: NotionStore, request: Request, args: list[str]) -> JSON:
    body = request.body
    source = store.get_data_source(args[0])
    if source["in_trash"]:
        raise not_found("data_source", args[0])
    schema: dict[str, JSON] = source["properties"]
    size = _page_size(body.get("page_size"), "body")
    spec = body.get("filter")
    if spec is not None:
        validate_filter(spec, schema)
    sorts = validate_sorts(body.get("sorts"), schema)
    only = _filter_properties(request)
    if only is not None:
        for key in only:
            if find_property(schema, key) is None:
                raise validation_error(f"filter_properties: {key} is not a property that exists.")
    want_trash = body.get("in_trash") is True or body.get("archived") is True
    asked = json.dumps([spec, sorts], sort_keys=True)
    query = (source["id"], asked, want_trash)
    ordered = store.query_orders.get((*query, store.revision))
    if ordered is None or body.get("start_cursor") is None or _relative(asked):
        ordered = _query_order(store, source["id"], spec, sorts, want_trash)
        # The next pages of this query, asked before anything changes, find the same order
        # here instead of filtering and sorting every page of the data source again.
        kept = {k: v for k, v in store.query_orders.items() if k[-1] == store.revision}
        store.query_orders = {**kept, (*query, store.revision): ordered}
    chunk, next_cursor = _paginate_ids(ordered, body.get("start_cursor"), size)
    results = [store.page_object(page_id, only=only) for page_id in chunk]
    return _list(results, next_cursor, "page_or_data_source")


# ------------------------------------------------------------------------------ pages


def get_page(store: NotionStore, request: Request, args: list[str]) -> JSON:
    return store.page_object(args[0], only=_filter_properties(request))


def create_page(store: NotionStore, request: Request, args: list[str]) -> JSON:
    body = request.body
    children = body.get("children")
    if children is not None and not isinstance(children, list):
        raise validation_error("body failed validation: body.children should be an array.")
    page_id = store.create_page(
        body.get("parent") or {},
        body.get("properties") or {},
        children=children,
        by=store.bot_id,
        icon=body.get("icon"),
    )
    return store.page_object(page_id)


def patch_page(store: NotionStore, request: Request, args: list[str]) -> JSON:
    body = request.body
    properties = _patched_properties(body)
    store.update_page(
        args[0],
        properties,
        by=store.bot_id,
        in_trash=_trash_flag(body),
        icon=body.get("icon"),
        set_icon="icon" in body,
    )
    return store.page_object(args[0])


def get_property_item(store: NotionStore, request: Request, args: list[str]) -> JSON:
    page_id, raw_property = args
    prop, value = store.property_item_value(page_id, unquote(raw_property))
    kind = prop["type"]
    if kind not in LIST_ITEM_TYPES:
        return {"object": "property_item", "id": prop["id"], "type": kind, kind: value[kind]}
    size = _page_size(request.query_one("page_size"), "query")
    items = list(value[kind])
    start = 0
    cursor = request.query_one("start_cursor")
    if cursor is not None:
        if not cursor.isdigit() or int(cursor) > len(items):
            raise validation_error(f"The start_cursor provided is invalid: {cursor}")
        start = int(cursor)
    chunk = items[start : start + size]
    following = start + size
    next_cursor = str(following) if following < len(items) else None
    next_url = (
        f"{request.base_url}/v1/pages/{store.get_page(page_id)['id']}/properties/"
        f"{quote(prop['id'], safe='')}?start_cursor={next_cursor}"
        if next_cursor
        else None
    )
    results = [
        {"object": "property_item", "type": kind, "id": prop["id"], kind: item} for item in chunk
    ]
    return {
        "object": "list",
        "results": results,
        "next_cursor": next_cursor,
        "has_more": next_cursor is not None,
        "type": "property_item",
        "property_item": {"id": prop["id"], "next_url": next_url, "type": kind, kind: {}},
    }


# ------------------------------------------------------------------------------ blocks


def get_block(store: NotionStore, request: Request, args: list[str]) -> JSON:
    return store.block_object(args[0])


def list_children(store: NotionStore, request: Request, args: list[str]) -> JSON:
    container = normalize_id(args[0])
    if container not in store.pages and container not in store.blocks:
        raise not_found("block", args[0])
    size = _page_size(request.query_one("page_size"), "query")
    chunk, next_cursor = _paginate_ids(
        store.live_children(container), request.query_one("start_cursor"), size
    )
    return _list([store.block_object(b) for b in chunk], next_cursor, "block")


def append_children(store: NotionStore, request: Request, args: list[str]) -> JSON:
    body = request.body
    if "children" not in body:
        raise validation_error("body failed validation: body.children should be defined.")
    after = body.get("after")
    position = body.get("position")
    if isinstance(position, dict) and position.get("type") == "after_block":
        after = (position.get("after_block") or {}).get("id")
    created = store.append_children(
        args[0], body["children"], after=after if isinstance(after, str) else None, by=store.bot_id
    )
    return _list([store.block_object(b) for b in created], None, "block")


def delete_block(store: NotionStore, request: Request, args: list[str]) -> JSON:
    return store.delete_block(args[0], by=store.bot_id)


def patch_block(store: NotionStore, request: Request, args: list[str]) -> JSON:
    return store.update_block(args[0], request.body, by=store.bot_id)


# ------------------------------------------------------------------------------ file uploads


def create_file_upload(store: NotionStore, request: Request, args: list[str]) -> JSON:
    return store.uploads.create(request.body, store.bot_id)


def send_file_upload(store: NotionStore, request: Request, args: list[str]) -> JSON:
    return store.uploads.send(args[0], request.content_type, request.raw)


def get_file_upload(store: NotionStore, request: Request, args: list[str]) -> JSON:
    return store.uploads.object(args[0])


def list_file_uploads(store: NotionStore, request: Request, args: list[str]) -> JSON:
    size = _page_size(request.query_one("page_size"), "query")
    ids = store.uploads.listing(request.query_one("status"))
    chunk, next_cursor = _paginate_ids(ids, request.query_one("start_cursor"), size)
    return _list([store.uploads.object(i) for i in chunk], next_cursor, "file_upload")


# ------------------------------------------------------------------------------ users, search


def list_users(store: NotionStore, request: Request, args: list[str]) -> JSON:
    size = _page_size(request.query_one("page_size"), "query")
    chunk, next_cursor = _paginate_ids(list(store.users), request.query_one("start_cursor"), size)
    users = [store.user_object(u, listing=True) for u in chunk]
    return _list([u for u in users if u is not None], next_cursor, "user")


def get_me(store: NotionStore, request: Request, args: list[str]) -> JSON:
    me = store.user_object(store.bot_id)
    assert me is not None
    return me


def get_user(store: NotionStore, request: Request, args: list[str]) -> JSON:
    user = store.user_object(normalize_id(args[0]), listing=True)
    if user is None:
        raise not_found("user", args[0])
    return user


def search(store: NotionStore, request: Request, args: list[str]) -> JSON:
    body = request.body
    size = _page_size(body.get("page_size"), "body")
    text = str(body.get("query") or "").lower()
    wanted = (body.get("filter") or {}).get("value")
    if wanted not in (None, "page", "data_source"):
        raise validation_error(
            "body failed validation: body.filter.value should be page or data_source."
        )
    found: list[tuple[str, str, str]] = []  # (last edited, kind, id)
    if wanted in (None, "page"):
        for page in store.pages.values():
            visible = not page["in_trash"] and store.visible(page["id"])
            if visible and text in store.title_of(page).lower():
                found.append((page["last_edited_time"], "page", page["id"]))
    if wanted in (None, "data_source"):
        for source in store.data_sources.values():
            visible = not source["in_trash"] and store.visible(source["id"])
            if visible and text in str(source["title"]).lower():
                found.append((source["last_edited_time"], "data_source", source["id"]))
    sort = body.get("sort") or {}
    descending = sort.get("direction", "descending") == "descending"
    found.sort(key=lambda item: item[0], reverse=descending)
    kinds = {object_id: kind for _, kind, object_id in found}
    chunk, next_cursor = _paginate_ids([i for _, _, i in found], body.get("start_cursor"), size)
    results = [
        store.page_object(i) if kinds[i] == "page" else store.data_source_object(i) for i in chunk
    ]
    return _list(results, next_cursor, "page_or_data_source")


_ID = r"([^/]+)"
ROUTES: Final[list[tuple[str, str, Handler]]] = [
    ("GET", "/v1/databases/{id}", get_database),
    ("PATCH", "/v1/databases/{id}", patch_database),
    ("POST", "/v1/databases", create_database),
    ("GET", "/v1/data_sources/{id}", get_data_source),
    ("PATCH", "/v1/data_sources/{id}", patch_data_source),
    ("POST", "/v1/data_sources", create_data_source),
    ("POST", "/v1/data_sources/{id}/query", query_data_source),
    ("GET", "/v1/pages/{id}", get_page),
    ("PATCH", "/v1/pages/{id}", patch_page),
    ("POST", "/v1/pages", create_page),
    ("GET", "/v1/pages/{id}/properties/{property_id}", get_property_item),
    ("GET", "/v1/blocks/{id}", get_block),
    ("PATCH", "/v1/blocks/{id}", patch_block),
    ("DELETE", "/v1/blocks/{id}", delete_block),
    ("GET", "/v1/blocks/{id}/children", list_children),
    ("PATCH", "/v1/blocks/{id}/children", append_children),
    ("GET", "/v1/users", list_users),
    ("GET", "/v1/users/me", get_me),
    ("GET", "/v1/users/{id}", get_user),
    ("POST", "/v1/search", search),
    ("POST", "/v1/file_uploads", create_file_upload),
    ("GET", "/v1/file_uploads", list_file_uploads),
    ("GET", "/v1/file_uploads/{id}", get_file_upload),
    ("POST", "/v1/file_uploads/{id}/send", send_file_upload),
]
_COMPILED: Final = [
    (method, template, re.compile("^" + re.sub(r"\{[a-z_]+\}", _ID, template) + "/?$"), handler)
    for method, template, handler in ROUTES
]


def route(method: str, path: str) -> tuple[str, Handler, list[str]]:
    """Find the endpoint for a request; unknown URLs answer like Notion does."""
    known_path = False
    for route_method, template, pattern, handler in _COMPILED:
        found = pattern.match(path)
        if found is None:
            continue
        if template == "/v1/users/{id}" and path.rstrip("/").endswith("/me"):
            continue
        known_path = True
        if route_method == method:
            return f"{method} {template}", handler, list(found.groups())
    if known_path:
        raise ApiError(405, "invalid_request", f"Unsupported request method {method} for {path}.")
    raise ApiError(400, "invalid_request_url", "Invalid request URL.")


def dispatch(store: NotionStore, request: Request) -> JSON:
    """Answer one request (the caller adds request_id)."""
    _, handler, args = route(request.method, request.path)
    with store.lock:
        return handler(store, request, args)
