"""REST v2 routes (Cloud only, `/wiki/api/v2/...`).

Shapes agree with the v2 samples under `shared/fixtures/confluence/atlassian-python-api-mocks/`
(same keys and value types), errors use the real v2 body
`{"errors": [{"status", "code", "title", "detail"}]}`, and lists paginate with an opaque
`cursor`: `_links.next` (a path from the host, `/wiki/api/v2/...?cursor=...`) *and* a `Link`
header (`<...>; rel="next"`), `limit` 25 by default and 250 at most. Labels are read-only in
v2, and properties are addressed by their numeric id, as in the real API.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, Final
from urllib.parse import urlencode

from .routing import Route, dispatch
from .store import BadRequest, Page, Property, Space, Store, iso
from .v1 import webui
from .wire import Request, Response, decode_cursor, encode_cursor, member, v2_error

DEFAULT_LIMIT: Final = 25
MAX_LIMIT: Final = 250
BODY_FORMATS: Final = frozenset({"storage", "none", "atlas_doc_format", "view"})


def page_json(
    page: Page, store: Store, request: Request, body_format: str | None
) -> dict[str, Any]:
    site = request.site
    version = page.current
    body: dict[str, Any] = {}
    if body_format == "storage":
        body = {"storage": {"value": version.body, "representation": "storage"}}
    elif body_format not in (None, "none"):
        raise BadRequest(f"The sandbox serves body-format storage only, not {body_format!r}")
    return {
        "id": page.id,
        "title": version.title,
        "status": page.status,
        "body": body,
        "spaceId": store.space(page.space_key).id,
        "parentId": page.parent_id,
        "parentType": "page" if page.parent_id else None,
        "position": page.position,
        "authorId": page.author,
        "ownerId": page.author,
        "lastOwnerId": None,
        "createdAt": iso(page.created_at),
        "version": {
            "number": version.number,
            "message": version.message,
            "minorEdit": version.minor_edit,
            "createdAt": iso(version.when),
            "authorId": version.by,
        },
        "_links": {
            "webui": webui(page, site),
            "editui": f"/pages/resumedraft.action?draftId={page.id}",
            "tinyui": f"/x/{page.id}",
            "self": f"{site.base}/api/v2/pages/{page.id}",
        },
    }


def child_json(page: Page, store: Store, request: Request) -> dict[str, Any]:
    return {
        "id": page.id,
        "title": page.title,
        "type": "page",
        "status": page.status,
        "parentId": page.parent_id,
        "spaceId": store.space(page.space_key).id,
        "authorId": page.author,
        "childPosition": page.position,
        "_links": {
            "webui": webui(page, request.site),
            "self": f"{request.site.base}/api/v2/pages/{page.id}",
        },
    }


def label_json(name: str, store: Store, request: Request) -> dict[str, Any]:
    label_id = store.label_id(name)
    return {
        "id": label_id,
        "name": name,
        "prefix": "global",
        "_links": {"self": f"{request.site.base}/api/v2/labels/{label_id}"},
    }


def property_json(page: Page, prop: Property, request: Request) -> dict[str, Any]:
    return {
        "id": prop.id,
        "key": prop.key,
        "value": prop.value,
        "version": {
            "number": prop.version,
            "message": prop.message,
            "minorEdit": False,
            "createdAt": iso(prop.when),
            "authorId": prop.by,
        },
        "_links": {"self": f"{request.site.base}/api/v2/pages/{page.id}/properties/{prop.id}"},
    }


def space_json(space: Space, request: Request) -> dict[str, Any]:
    return {
        "id": space.id,
        "key": space.key,
        "name": space.name,
        "type": "global",
        "status": "current",
        "homepageId": space.homepage_id,
        "authorId": "",
        "createdAt": iso(0),
        "description": {"plain": {"value": space.description, "representation": "plain"}},
        "_links": {
            "webui": f"/spaces/{space.key}",
            "self": f"{request.site.base}/api/v2/spaces/{space.id}",
        },
    }


def paginate(request: Request, items: Sequence[Any]) -> Response:
    """One slice of `items` with `_links.next` and a `Link` header when more follow."""
    cursor = request.param("cursor")
    start = decode_cursor(cursor) if cursor else 0
    limit = request.int_param("limit", DEFAULT_LIMIT)
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}")
    chunk = list(items[start : start + limit])
    site = request.site
    links: dict[str, Any] = {"self": site.origin + request.path, "base": site.base}
    headers: dict[str, str] = {}
    if start + limit < len(items):
        params = {k: v[-1] for k, v in request.query.items() if k not in ("cursor", "limit")}
        params.update(limit=str(limit), cursor=encode_cursor(start + limit))
        links["next"] = f"{request.path}?{urlencode(params)}"
        headers["Link"] = f'<{links["next"]}>; rel="next", <{site.base}>; rel="base"'
    return Response(200, {"results": chunk, "_links": links}, headers=headers)


def _ids(raw: str | None) -> set[str]:
    return {part.strip() for part in (raw or "").split(",") if part.strip()}


def _body_format(request: Request) -> str | None:
    fmt = request.param("body-format")
    if fmt is not None and fmt not in BODY_FORMATS:
        raise BadRequest(f"Invalid value for body-format: {fmt!r}")
    return fmt


def list_pages(request: Request, store: Store, _: re.Match[str]) -> Response:
    statuses = tuple(_ids(request.param("status")) or {"current", "archived"})
    pages = store.all_pages(("any",) if "any" in statuses else statuses)
    if space_ids := _ids(request.param("space-id")):
        pages = [p for p in pages if store.space(p.space_key).id in space_ids]
    if page_ids := _ids(request.param("id")):
        pages = [p for p in pages if p.id in page_ids]
    title = request.param("title")
    if title is not None:
        pages = [p for p in pages if p.title == title]
    sort = request.param("sort")
    if sort:
        descending = sort.startswith("-")
        field = sort.lstrip("-")
        keys: dict[str, Callable[[Page], Any]] = {
            "id": lambda p: int(p.id),
            "title": lambda p: p.title.lower(),
            "created-date": lambda p: p.created_at,
            "modified-date": lambda p: p.current.when,
        }
        if field not in keys:
            raise BadRequest(f"Invalid value for sort: {sort!r}")
        pages.sort(key=keys[field], reverse=descending)
    fmt = _body_format(request)
    return paginate(request, [page_json(p, store, request, fmt) for p in pages])


def _body_value(data: dict[str, Any]) -> str:
    """The storage value of a v2 body, written flat or nested (both are valid in v2)."""
    body = data.get("body")
    if not isinstance(body, dict):
        raise BadRequest("body is required")
    if "storage" in body and isinstance(body["storage"], dict):
        nested = body["storage"]
        if nested.get("representation", "storage") != "storage":
            raise BadRequest("body.storage.representation must be storage")
        value = nested.get("value")
    else:
        if body.get("representation") != "storage":
            raise BadRequest(
                f"The sandbox takes representation storage, not {body.get('representation')!r}"
            )
        value = body.get("value")
    if not isinstance(value, str):
        raise BadRequest("body.value must be a string")
    return value


def create_page(request: Request, store: Store, _: re.Match[str]) -> Response:
    data = request.json_object()
    space_id = data.get("spaceId")
    if not isinstance(space_id, str | int):
        raise BadRequest("spaceId is required")
    status = data.get("status", "current")
    if status not in ("current", "draft"):
        raise BadRequest(f"Invalid status {status!r}")
    title = data.get("title")
    if not isinstance(title, str):
        raise BadRequest("title is required")
    with store.locked():
        space = store.space_by_id(str(space_id))
        parent = data.get("parentId")
        parent_id = str(parent) if parent else space.homepage_id
        page = store.create_page(
            space.key, title, _body_value(data), parent_id, author=request.user.account_id
        )
        page.status = status
        return Response(200, page_json(page, store, request, "storage"))


def get_page(request: Request, store: Store, match: re.Match[str]) -> Response:
    page = store.page(match["id"], statuses=("current", "draft", "archived"))
    return Response(200, page_json(page, store, request, _body_format(request)))


def update_page(request: Request, store: Store, match: re.Match[str]) -> Response:
    data = request.json_object()
    missing = [k for k in ("id", "status", "title", "body", "version") if k not in data]
    if missing:
        raise BadRequest(f"Missing required fields: {', '.join(missing)}")
    if str(data["id"]) != match["id"]:
        raise BadRequest("The id in the body differs from the id in the path")
    if data["status"] not in ("current", "draft", "archived"):
        raise BadRequest(f"Invalid status {data['status']!r}")
    version = data.get("version") or {}
    if not isinstance(version, dict) or not isinstance(version.get("number"), int):
        raise BadRequest("version.number is required")
    if not isinstance(data["title"], str):
        raise BadRequest("title must be a string")
    parent = data.get("parentId")
    with store.locked():
        page = store.update_page(
            match["id"],
            version=version["number"],
            title=data["title"],
            body=_body_value(data),
            parent_id=str(parent) if parent else None,
            author=request.user.account_id,
            message=str(version.get("message") or ""),
            minor_edit=bool(version.get("minorEdit", False)),
            status=str(data["status"]),
        )
        return Response(200, page_json(page, store, request, "storage"))


def delete_page(request: Request, store: Store, match: re.Match[str]) -> Response:
    store.delete_page(match["id"], purge=request.param("purge") == "true")
    return Response(204)


def page_children(request: Request, store: Store, match: re.Match[str]) -> Response:
    kids = store.children(match["id"])
    return paginate(request, [child_json(k, store, request) for k in kids])


def page_ancestors(request: Request, store: Store, match: re.Match[str]) -> Response:
    store.page(match["id"])
    ancestors = [{"id": i, "type": "page"} for i in store.ancestor_ids(match["id"])]
    return Response(200, {"results": ancestors, "_links": {"base": request.site.base}})


def page_labels(request: Request, store: Store, match: re.Match[str]) -> Response:
    page = store.page(match["id"], statuses=("any",))
    prefix = request.param("prefix")
    names = page.labels if prefix in (None, "global") else []
    return paginate(request, [label_json(n, store, request) for n in names])


def list_properties(request: Request, store: Store, match: re.Match[str]) -> Response:
    page = store.page(match["id"], statuses=("any",))
    props = list(page.properties.values())
    if key := request.param("key"):
        props = [p for p in props if p.key == key]
    return paginate(request, [property_json(page, p, request) for p in props])


def create_property(request: Request, store: Store, match: re.Match[str]) -> Response:
    data = request.json_object()
    key = data.get("key")
    if not isinstance(key, str) or "value" not in data:
        raise BadRequest("A content property needs a key and a value")
    with store.locked():
        prop = store.create_property(
            match["id"], key, data["value"], author=request.user.account_id
        )
        return Response(
            200, property_json(store.page(match["id"], statuses=("any",)), prop, request)
        )


def get_property(request: Request, store: Store, match: re.Match[str]) -> Response:
    with store.locked():
        prop = store.property_by_id(match["id"], match["pid"])
        return Response(
            200, property_json(store.page(match["id"], statuses=("any",)), prop, request)
        )


def update_property(request: Request, store: Store, match: re.Match[str]) -> Response:
    data = request.json_object()
    version = member(data, "version").get("number")
    if not isinstance(version, int) or "value" not in data or not isinstance(data.get("key"), str):
        raise BadRequest("A content property update needs key, value and version.number")
    with store.locked():
        prop = store.property_by_id(match["id"], match["pid"])
        if data["key"] != prop.key:
            raise BadRequest("The key of a content property cannot be changed")
        prop = store.update_property(
            match["id"],
            prop.key,
            data["value"],
            version=version,
            author=request.user.account_id,
            message=str(member(data, "version").get("message") or ""),
        )
        return Response(
            200, property_json(store.page(match["id"], statuses=("any",)), prop, request)
        )


def delete_property(request: Request, store: Store, match: re.Match[str]) -> Response:
    with store.locked():
        prop = store.property_by_id(match["id"], match["pid"])
        store.delete_property(match["id"], prop.key)
    return Response(204)


def list_spaces(request: Request, store: Store, _: re.Match[str]) -> Response:
    spaces = sorted(store.spaces.values(), key=lambda s: int(s.id))
    if keys := _ids(request.param("keys")):
        spaces = [s for s in spaces if s.key in keys]
    if ids := _ids(request.param("ids")):
        spaces = [s for s in spaces if s.id in ids]
    return paginate(request, [space_json(s, request) for s in spaces])


def get_space(request: Request, store: Store, match: re.Match[str]) -> Response:
    return Response(200, space_json(store.space_by_id(match["id"]), request))


ROUTES: Final[list[Route]] = [
    ("GET", re.compile(r"pages"), list_pages),
    ("POST", re.compile(r"pages"), create_page),
    ("GET", re.compile(r"pages/(?P<id>\d+)"), get_page),
    ("PUT", re.compile(r"pages/(?P<id>\d+)"), update_page),
    ("DELETE", re.compile(r"pages/(?P<id>\d+)"), delete_page),
    ("GET", re.compile(r"pages/(?P<id>\d+)/(?:children|direct-children)"), page_children),
    ("GET", re.compile(r"pages/(?P<id>\d+)/ancestors"), page_ancestors),
    ("GET", re.compile(r"pages/(?P<id>\d+)/labels"), page_labels),
    ("GET", re.compile(r"pages/(?P<id>\d+)/properties"), list_properties),
    ("POST", re.compile(r"pages/(?P<id>\d+)/properties"), create_property),
    ("GET", re.compile(r"pages/(?P<id>\d+)/properties/(?P<pid>\d+)"), get_property),
    ("PUT", re.compile(r"pages/(?P<id>\d+)/properties/(?P<pid>\d+)"), update_property),
    ("DELETE", re.compile(r"pages/(?P<id>\d+)/properties/(?P<pid>\d+)"), delete_property),
    ("GET", re.compile(r"spaces"), list_spaces),
    ("GET", re.compile(r"spaces/(?P<id>\d+)"), get_space),
]


def handle(request: Request, store: Store) -> Response:
    """Answer one v2 request; store errors become v2 error bodies."""
    return dispatch(request, store, ROUTES, v2_error, f"No route for {request.path}")
