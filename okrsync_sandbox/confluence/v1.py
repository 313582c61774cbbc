"""REST v1 routes (`/wiki/rest/api/...` on Cloud, `/rest/api/...` on Data Center).

Shapes follow Confluence's v1 responses: content with `_expandable` and `expand=` honoured
(body.storage, version, ancestors, metadata.labels, metadata.properties.<key>, space, history,
children.page), offset pagination with `start`/`limit` and `_links.next` *relative to
`_links.base`* (as Confluence sends it, e.g. `/rest/api/content/search?...`), cursors on
Cloud CQL search, and v1 error bodies `{statusCode, data, message, reason}`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import quote, urlencode

from . import cql
from .routing import Route, dispatch
from .store import BadRequest, NotFound, Page, Property, Space, Store, User, iso
from .wire import Request, Response, Site, decode_cursor, encode_cursor, member, v1_error

DEFAULT_EXPAND: Final = frozenset({"space", "history", "version"})
MAX_LIMIT: Final = 200


def user_json(user: User | None, site: Site) -> dict[str, Any]:
    """A v1 user: Cloud by account id and email, Data Center by username and user key."""
    if user is None:
        return {"type": "anonymous", "displayName": "Anonymous"}
    picture = {"path": "/images/icons/profilepics/default.svg", "width": 48, "height": 48}
    if site.deployment == "cloud":
        return {
            "type": "known",
            "accountId": user.account_id,
            "accountType": "atlassian",
            "email": user.email or "",
            "publicName": user.display_name,
            "displayName": user.display_name,
            "profilePicture": {**picture, "isDefault": True},
            "_links": {"self": f"{site.base}/rest/api/user?accountId={user.account_id}"},
        }
    return {
        "type": "known",
        "username": user.username,
        "userKey": user.user_key,
        "displayName": user.display_name,
        "profilePicture": {**picture, "isDefault": True},
        "_links": {"self": f"{site.base}/rest/api/user?key={user.user_key}"},
    }


def _user(store: Store, account_id: str) -> User | None:
    return store.users.get(account_id)


def space_json(space: Space, site: Site) -> dict[str, Any]:
    return {
        "id": int(space.id),
        "key": space.key,
        "name": space.name,
        "type": "global",
        "status": "current",
        "_links": {
            "webui": f"/spaces/{space.key}"
            if site.deployment == "cloud"
            else f"/display/{space.key}",
            "self": f"{site.base}/rest/api/space/{space.key}",
        },
        "_expandable": {
            "homepage": f"/rest/api/content/{space.homepage_id}" if space.homepage_id else "",
            "description": "",
            "metadata": "",
        },
    }


def webui(page: Page, site: Site) -> str:
    slug = quote(page.title.replace(" ", "+"), safe="+")
    if site.deployment == "cloud":
        return f"/spaces/{page.space_key}/pages/{page.id}/{slug}"
    return f"/display/{page.space_key}/{slug}"


def version_json(page: Page, index: int, store: Store, site: Site) -> dict[str, Any]:
    version = page.versions[index]
    return {
        "by": user_json(_user(store, version.by), site),
        "when": iso(version.when),
        "friendlyWhen": iso(version.when),
        "message": version.message,
        "number": version.number,
        "minorEdit": version.minor_edit,
        "_links": {
            "self": f"{site.base}/rest/experimental/content/{page.id}/version/{version.number}"
        },
    }


def label_json(name: str, store: Store) -> dict[str, Any]:
    return {"prefix": "global", "name": name, "id": store.label_id(name), "label": name}


def brief_json(page: Page, site: Site) -> dict[str, Any]:
    """The short form Confluence uses for ancestors and other references to a page."""
    return {
        "id": page.id,
        "type": "page",
        "status": page.status,
        "title": page.title,
        "_links": {
            "webui": webui(page, site),
            "self": f"{site.base}/rest/api/content/{page.id}",
        },
    }


def parse_expand(raw: str | None, *, prefix: str = "") -> frozenset[str] | None:
    if raw is None:
        return None
    items = {part.strip() for part in raw.split(",") if part.strip()}
    if prefix:
        items = {i[len(prefix) :] for i in items if i.startswith(prefix)}
    return frozenset(items)


PROPERTIES_EXPAND = "metadata.properties."


def _wants(expand: frozenset[str], name: str) -> bool:
    return any(item == name or item.startswith(name + ".") for item in expand)


def content_json(
    page: Page,
    store: Store,
    site: Site,
    expand: frozenset[str] | None,
    *,
    version_index: int = -1,
) -> dict[str, Any]:
    """A page as v1 content, with what `expand` asks for (Confluence's default if None)."""
    wanted = DEFAULT_EXPAND if expand is None else expand
    version = page.versions[version_index]
    self_url = f"{site.base}/rest/api/content/{page.id}"
    data: dict[str, Any] = {
        "id": page.id,
        "type": "page",
        "status": page.status if version_index == -1 else "historical",
        "title": version.title,
        "macroRenderedOutput": {},
        "extensions": {"position": page.position},
        "_links": {
            "webui": webui(page, site),
            "edit": f"/pages/resumedraft.action?draftId={page.id}",
            "tinyui": f"/x/{page.id}",
            "self": self_url,
        },
    }
    expandable: dict[str, str] = {}
    if _wants(wanted, "space"):
        data["space"] = space_json(store.space(page.space_key), site)
    else:
        expandable["space"] = f"/rest/api/space/{page.space_key}"
    if _wants(wanted, "history"):
        data["history"] = history_json(page, store, site)
    else:
        expandable["history"] = f"/rest/api/content/{page.id}/history"
    if _wants(wanted, "version"):
        data["version"] = version_json(page, version_index, store, site)
    else:
        expandable["version"] = ""
    if _wants(wanted, "ancestors"):
        data["ancestors"] = [brief_json(store.pages[i], site) for i in store.ancestor_ids(page.id)]
    else:
        expandable["ancestors"] = ""
    if _wants(wanted, "body"):
        body: dict[str, Any] = {}
        if "body.storage" in wanted or "body" in wanted:
            body["storage"] = {
                "value": version.body,
                "representation": "storage",
                "embeddedContent": [],
                "_expandable": {"content": f"/rest/api/content/{page.id}"},
            }
        other_formats = ("editor", "view", "export_view", "styled_view", "anonymous_export_view")
        body["_expandable"] = dict.fromkeys(other_formats, "")
        if "storage" not in body:
            body["_expandable"]["storage"] = ""
        data["body"] = body
    else:
        expandable["body"] = ""
    if _wants(wanted, "metadata"):
        labels = [label_json(name, store) for name in page.labels]
        data["metadata"] = {
            "labels": {
                "results": labels,
                "start": 0,
                "limit": 200,
                "size": len(labels),
                "_links": {"self": f"{self_url}/label"},
            },
            "_expandable": {"currentuser": "", "properties": "", "frontend": "", "editorHtml": ""},
        }
        # `metadata.properties.<key>` brings named content properties along (those set).
        keys = [
            w.removeprefix(PROPERTIES_EXPAND) for w in wanted if w.startswith(PROPERTIES_EXPAND)
        ]
        if keys:
            data["metadata"]["properties"] = {
                key: property_json(page, page.properties[key], store, site)
                for key in keys
                if key in page.properties
            }
            del data["metadata"]["_expandable"]["properties"]
    else:
        expandable["metadata"] = ""
    if _wants(wanted, "children"):
        kids = store.children(page.id)
        data["children"] = {
            "page": {
                "results": [brief_json(k, site) for k in kids],
                "start": 0,
                "limit": 200,
                "size": len(kids),
                "_links": {"self": f"{self_url}/child/page"},
            },
            "_links": {"self": f"{self_url}/child"},
            "_expandable": {"attachment": "", "comment": ""},
        }
    else:
        expandable["children"] = f"/rest/api/content/{page.id}/child"
    expandable["container"] = f"/rest/api/space/{page.space_key}"
    expandable["descendants"] = f"/rest/api/content/{page.id}/descendant"
    expandable["restrictions"] = f"/rest/api/content/{page.id}/restriction/byOperation"
    data["_expandable"] = expandable
    return data


def history_json(page: Page, store: Store, site: Site) -> dict[str, Any]:
    first = page.versions[0]
    return {
        "latest": True,
        "createdBy": user_json(_user(store, first.by), site),
        "createdDate": iso(page.created_at),
        "lastUpdated": version_json(page, -1, store, site),
        "_links": {"self": f"{site.base}/rest/api/content/{page.id}/history"},
        "_expandable": {"previousVersion": "", "contributors": "", "nextVersion": ""},
    }


def property_json(page: Page, prop: Property, store: Store, site: Site) -> dict[str, Any]:
    return {
        "id": prop.id,
        "key": prop.key,
        "value": prop.value,
        "version": {
            "when": iso(prop.when),
            "message": prop.message,
            "number": prop.version,
            "minorEdit": False,
            "by": user_json(_user(store, prop.by), site),
        },
        "_links": {
            "base": site.base,
            "context": site.context,
            "self": f"{site.base}/rest/api/content/{page.id}/property/{quote(prop.key)}",
        },
        "_expandable": {
            "content": f"/rest/api/content/{page.id}",
            "additionalProperties": "",
        },
    }


def paginate(
    request: Request,
    items: Sequence[Any],
    *,
    default_limit: int,
    cursor_paging: bool = False,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A v1 results envelope for one slice of `items`, with `_links.next` when more follow.

    The next link is relative to `_links.base` and carries the request's own parameters, so a
    client that follows it gets the same query's next slice.
    """
    start = request.int_param("start", 0)
    cursor = request.param("cursor")
    if cursor:
        start = decode_cursor(cursor)
    limit = request.int_param("limit", default_limit)
    if start < 0 or limit < 0:
        raise BadRequest("start and limit must not be negative")
    limit = min(limit, MAX_LIMIT)
    chunk = list(items[start : start + limit])
    site = request.site
    path = f"/rest/api/{request.route}"
    params = {k: v[-1] for k, v in request.query.items() if k not in ("start", "cursor", "next")}
    links: dict[str, Any] = {"base": site.base, "context": site.context}
    links["self"] = f"{site.base}{path}" + (f"?{urlencode(params)}" if params else "")
    if start + limit < len(items) and limit > 0:
        nxt = {**params, "limit": str(limit), "start": str(start + limit)}
        if cursor_paging:
            nxt = {"next": "true", "cursor": encode_cursor(start + limit), **nxt}
        links["next"] = f"{path}?{urlencode(nxt)}"
    if start > 0:
        prev = {**params, "limit": str(limit), "start": str(max(0, start - limit))}
        if cursor_paging:
            prev = {"prev": "true", "cursor": encode_cursor(max(0, start - limit)), **prev}
        links["prev"] = f"{path}?{urlencode(prev)}"
    return {
        "results": chunk,
        "start": start,
        "limit": limit,
        "size": len(chunk),
        **(extra or {}),
        "_links": links,
    }


# handlers ------------------------------------------------------------------------------


def _statuses(request: Request) -> tuple[str, ...]:
    raw = request.param("status") or "current"
    return tuple(s.strip() for s in raw.split(","))


def list_content(request: Request, store: Store, _: re.Match[str]) -> Response:
    kind = request.param("type") or "page"
    space_key = request.param("spaceKey")
    title = request.param("title")
    label = request.param("label")
    statuses = _statuses(request)
    pages = [] if kind != "page" else store.all_pages(statuses)
    if space_key:
        pages = [p for p in pages if p.space_key == space_key]
    if title is not None:
        pages = [p for p in pages if p.title == title]
    if label:
        pages = [p for p in pages if label.lower() in p.labels]
    expand = parse_expand(request.param("expand")) or frozenset()
    results = [content_json(p, store, request.site, expand) for p in pages]
    return Response(200, paginate(request, results, default_limit=25))


def _body_value(data: dict[str, Any]) -> str | None:
    body = data.get("body")
    if body is None:
        return None
    if not isinstance(body, dict):
        raise BadRequest("body must be an object")
    storage = body.get("storage")
    if storage is None:
        formats = ", ".join(sorted(body)) or "none"
        raise BadRequest(f"Unsupported body representation: {formats} (the sandbox takes storage)")
    if not isinstance(storage, dict) or not isinstance(storage.get("value"), str):
        raise BadRequest("body.storage.value must be a string")
    representation = storage.get("representation", "storage")
    if representation != "storage":
        raise BadRequest(f"Unsupported representation: {representation}")
    value: str = storage["value"]
    return value


def _parent_of(data: dict[str, Any]) -> str | None:
    """The parent page id named by `ancestors` (the last one), if any."""
    ancestors = data.get("ancestors") or []
    if not isinstance(ancestors, list) or not all(
        isinstance(a, dict) and "id" in a for a in ancestors
    ):
        raise BadRequest("ancestors must be a list of objects with an id")
    return str(ancestors[-1]["id"]) if ancestors else None


def _apply_metadata_properties(page: Page, data: dict[str, Any], store: Store, user: User) -> None:
    """Confluence stores `metadata.properties` sent with content as content properties."""
    properties = member(data, "metadata").get("properties") or {}
    if not isinstance(properties, dict):
        return
    for key, holder in properties.items():
        value = holder.get("value") if isinstance(holder, dict) else holder
        existing = page.properties.get(key)
        if existing is None:
            store.create_property(page.id, key, value, author=user.account_id)
        elif existing.value != value:
            store.update_property(
                page.id, key, value, version=existing.version + 1, author=user.account_id
            )


def create_content(request: Request, store: Store, _: re.Match[str]) -> Response:
    data = request.json_object()
    if data.get("type", "page") != "page":
        raise BadRequest(f"The sandbox only creates pages, not {data.get('type')!r}")
    space_key = member(data, "space").get("key")
    if not space_key:
        raise BadRequest("A space key is required to create content")
    title = data.get("title")
    if not isinstance(title, str):
        raise BadRequest("Content title is required")
    body = _body_value(data) or ""
    parent_id = _parent_of(data)
    message = str(member(data, "version").get("message") or "")
    with store.locked():
        page = store.create_page(
            space_key, title, body, parent_id, author=request.user.account_id, message=message
        )
        _apply_metadata_properties(page, data, store, request.user)
        labels = (member(data, "metadata").get("labels")) or []
        for label in labels:
            store.set_label(
                page.id, label.get("name", "") if isinstance(label, dict) else str(label)
            )
    expand = frozenset({"space", "history", "version", "ancestors", "body.storage"})
    return Response(200, content_json(page, store, request.site, expand))


def get_content(request: Request, store: Store, match: re.Match[str]) -> Response:
    page = store.page(match["id"], statuses=(*_statuses(request), "current"))
    expand = parse_expand(request.param("expand"))
    wanted_version = request.param("version")
    index = -1
    if wanted_version:
        numbers = [v.number for v in page.versions]
        try:
            index = numbers.index(int(wanted_version))
        except ValueError:
            raise NotFound(f"No version {wanted_version} of content {page.id}") from None
        if index == len(numbers) - 1:
            index = -1
    data = content_json(page, store, request.site, expand, version_index=index)
    data["_links"].update(base=request.site.base, context=request.site.context)
    return Response(200, data)


def update_content(request: Request, store: Store, match: re.Match[str]) -> Response:
    data = request.json_object()
    version = member(data, "version").get("number")
    if not isinstance(version, int):
        raise BadRequest("version.number is required to update content")
    title = data.get("title")
    if not isinstance(title, str):
        raise BadRequest("title is required to update content")
    if data.get("type") != "page":
        raise BadRequest("type is required to update content (the sandbox holds pages)")
    parent_id = _parent_of(data)
    with store.locked():
        page = store.update_page(
            match["id"],
            version=version,
            title=title,
            body=_body_value(data),
            parent_id=parent_id,
            author=request.user.account_id,
            message=str(member(data, "version").get("message") or ""),
            minor_edit=bool(member(data, "version").get("minorEdit", False)),
        )
        _apply_metadata_properties(page, data, store, request.user)
    expand = frozenset({"space", "history", "version", "ancestors", "body.storage"})
    return Response(200, content_json(page, store, request.site, expand))


def delete_content(request: Request, store: Store, match: re.Match[str]) -> Response:
    store.delete_page(match["id"], purge=request.param("status") == "trashed")
    return Response(204)


def content_history(request: Request, store: Store, match: re.Match[str]) -> Response:
    page = store.page(match["id"], statuses=("any",))
    return Response(200, history_json(page, store, request.site))


def content_versions(request: Request, store: Store, match: re.Match[str]) -> Response:
    page = store.page(match["id"], statuses=("any",))
    versions = [version_json(page, i, store, request.site) for i in range(len(page.versions))]
    return Response(200, paginate(request, list(reversed(versions)), default_limit=200))


def child_pages(request: Request, store: Store, match: re.Match[str]) -> Response:
    expand = parse_expand(request.param("expand")) or frozenset()
    kids = [content_json(k, store, request.site, expand) for k in store.children(match["id"])]
    return Response(200, paginate(request, kids, default_limit=25))


def children(request: Request, store: Store, match: re.Match[str]) -> Response:
    kids = store.children(match["id"])
    base = request.site.base
    return Response(
        200,
        {
            "page": {
                "results": [content_json(k, store, request.site, frozenset()) for k in kids],
                "start": 0,
                "limit": 25,
                "size": len(kids),
                "_links": {"self": f"{base}/rest/api/content/{match['id']}/child/page"},
            },
            "_links": {"base": base, "context": request.site.context},
            "_expandable": {"attachment": "", "comment": ""},
        },
    )


def empty_children(request: Request, store: Store, match: re.Match[str]) -> Response:
    store.page(match["id"], statuses=("any",))
    return Response(200, paginate(request, [], default_limit=25))


def descendant_pages(request: Request, store: Store, match: re.Match[str]) -> Response:
    root = store.page(match["id"], statuses=("any",))
    found: list[Page] = []
    frontier = [root.id]
    while frontier:
        kids = store.children(frontier.pop(0))
        found.extend(kids)
        frontier.extend(k.id for k in kids)
    expand = parse_expand(request.param("expand")) or frozenset()
    results = [content_json(p, store, request.site, expand) for p in found]
    return Response(200, paginate(request, results, default_limit=25))


def content_search(request: Request, store: Store, _: re.Match[str]) -> Response:
    query = cql.parse(request.param("cql") or "")
    expand = parse_expand(request.param("expand")) or frozenset()
    results = [content_json(p, store, request.site, expand) for p in cql.search(query, store)]
    cursor_paging = request.site.deployment == "cloud"
    return Response(200, paginate(request, results, default_limit=25, cursor_paging=cursor_paging))


def search(request: Request, store: Store, _: re.Match[str]) -> Response:
    """`/rest/api/search`: CQL results wrapped with their content, as `Confluence.cql` reads."""
    text = request.param("cql") or ""
    query = cql.parse(text)
    expand = parse_expand(request.param("expand"), prefix="content.") or frozenset()
    site = request.site
    results = []
    for page in cql.search(query, store):
        space = store.space(page.space_key)
        results.append(
            {
                "content": content_json(page, store, site, expand),
                "title": page.title,
                "excerpt": "",
                "url": webui(page, site),
                "resultGlobalContainer": {
                    "title": space.name,
                    "displayUrl": f"/spaces/{space.key}",
                },
                "breadcrumbs": [],
                "entityType": "content",
                "iconCssClass": "aui-icon content-type-page",
                "lastModified": iso(page.current.when),
                "friendlyLastModified": iso(page.current.when),
                "score": 0.0,
            }
        )
    extra = {"totalSize": len(results), "cqlQuery": text, "searchDuration": 1}
    cursor_paging = site.deployment == "cloud"
    return Response(
        200, paginate(request, results, default_limit=25, cursor_paging=cursor_paging, extra=extra)
    )


def get_labels(request: Request, store: Store, match: re.Match[str]) -> Response:
    page = store.page(match["id"], statuses=("any",))
    labels = [label_json(name, store) for name in page.labels]
    return Response(200, paginate(request, labels, default_limit=200))


def add_labels(request: Request, store: Store, match: re.Match[str]) -> Response:
    data = request.json()
    items = data if isinstance(data, list) else [data]
    with store.locked():
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                raise BadRequest("Each label needs a name")
            store.set_label(match["id"], item["name"])
        page = store.page(match["id"], statuses=("any",))
        labels = [label_json(name, store) for name in page.labels]
    return Response(200, paginate(request, labels, default_limit=200))


def delete_label_by_query(request: Request, store: Store, match: re.Match[str]) -> Response:
    name = request.param("name")
    if not name:
        raise BadRequest("The name of the label to remove is required")
    store.remove_label(match["id"], name)
    return Response(204)


def delete_label(request: Request, store: Store, match: re.Match[str]) -> Response:
    store.remove_label(match["id"], match["name"])
    return Response(204)


def list_properties(request: Request, store: Store, match: re.Match[str]) -> Response:
    page = store.page(match["id"], statuses=("any",))
    items = [property_json(page, p, store, request.site) for p in page.properties.values()]
    return Response(200, paginate(request, items, default_limit=10))


def create_property(request: Request, store: Store, match: re.Match[str]) -> Response:
    data = request.json_object()
    key = data.get("key")
    if not isinstance(key, str) or "value" not in data:
        raise BadRequest("A content property needs a key and a value")
    with store.locked():
        prop = store.create_property(
            match["id"], key, data["value"], author=request.user.account_id
        )
        page = store.page(match["id"], statuses=("any",))
        return Response(200, property_json(page, prop, store, request.site))


def get_property(request: Request, store: Store, match: re.Match[str]) -> Response:
    with store.locked():
        prop = store.get_property(match["id"], match["key"])
        page = store.page(match["id"], statuses=("any",))
        return Response(200, property_json(page, prop, store, request.site))


def update_property(request: Request, store: Store, match: re.Match[str]) -> Response:
    data = request.json_object()
    version = member(data, "version").get("number")
    if not isinstance(version, int):
        raise BadRequest("version.number is required to update a content property")
    if "value" not in data:
        raise BadRequest("A content property needs a value")
    if data.get("key", match["key"]) != match["key"]:
        raise BadRequest("The key in the body differs from the key in the path")
    with store.locked():
        prop = store.update_property(
            match["id"],
            match["key"],
            data["value"],
            version=version,
            author=request.user.account_id,
            message=str(member(data, "version").get("message") or ""),
        )
        page = store.page(match["id"], statuses=("any",))
        return Response(200, property_json(page, prop, store, request.site))


def delete_property(request: Request, store: Store, match: re.Match[str]) -> Response:
    store.delete_property(match["id"], match["key"])
    return Response(204)


def list_spaces(request: Request, store: Store, _: re.Match[str]) -> Response:
    keys = set(request.query.get("spaceKey", []))
    spaces = [s for s in store.spaces.values() if not keys or s.key in keys]
    return Response(
        200, paginate(request, [space_json(s, request.site) for s in spaces], default_limit=25)
    )


def get_space(request: Request, store: Store, match: re.Match[str]) -> Response:
    space = store.space(match["key"])
    data = space_json(space, request.site)
    expand = parse_expand(request.param("expand")) or frozenset()
    if "homepage" in expand and space.homepage_id:
        data["homepage"] = content_json(
            store.page(space.homepage_id), store, request.site, frozenset()
        )
    if "description" in expand or "description.plain" in expand:
        data["description"] = {"plain": {"value": space.description, "representation": "plain"}}
    return Response(200, data)


def current_user(request: Request, store: Store, _: re.Match[str]) -> Response:
    return Response(200, user_json(request.user, request.site))


def get_user(request: Request, store: Store, _: re.Match[str]) -> Response:
    user = store.user_by_ref(
        account_id=request.param("accountId") or "",
        user_key=request.param("key") or "",
        username=request.param("username") or "",
    )
    return Response(200, user_json(user, request.site))


ROUTES: Final[list[Route]] = [
    ("GET", re.compile(r"content/?"), list_content),
    ("POST", re.compile(r"content/?"), create_content),
    ("GET", re.compile(r"content/search"), content_search),
    ("GET", re.compile(r"content/(?P<id>\d+)"), get_content),
    ("PUT", re.compile(r"content/(?P<id>\d+)"), update_content),
    ("DELETE", re.compile(r"content/(?P<id>\d+)"), delete_content),
    ("GET", re.compile(r"content/(?P<id>\d+)/history"), content_history),
    ("GET", re.compile(r"content/(?P<id>\d+)/version"), content_versions),
    ("GET", re.compile(r"content/(?P<id>\d+)/child"), children),
    ("GET", re.compile(r"content/(?P<id>\d+)/child/page"), child_pages),
    ("GET", re.compile(r"content/(?P<id>\d+)/child/comment"), empty_children),
    ("GET", re.compile(r"content/(?P<id>\d+)/descendant/page"), descendant_pages),
    ("GET", re.compile(r"content/(?P<id>\d+)/label"), get_labels),
    ("POST", re.compile(r"content/(?P<id>\d+)/label"), add_labels),
    ("DELETE", re.compile(r"content/(?P<id>\d+)/label"), delete_label_by_query),
    ("DELETE", re.compile(r"content/(?P<id>\d+)/label/(?P<name>[^/]+)"), delete_label),
    ("GET", re.compile(r"content/(?P<id>\d+)/property"), list_properties),
    ("POST", re.compile(r"content/(?P<id>\d+)/property"), create_property),
    ("GET", re.compile(r"content/(?P<id>\d+)/property/(?P<key>[^/]+)"), get_property),
    ("PUT", re.compile(r"content/(?P<id>\d+)/property/(?P<key>[^/]+)"), update_property),
    ("DELETE", re.compile(r"content/(?P<id>\d+)/property/(?P<key>[^/]+)"), delete_property),
    ("GET", re.compile(r"search"), search),
    ("GET", re.compile(r"space/?"), list_spaces),
    ("GET", re.compile(r"space/(?P<key>[^/]+)"), get_space),
    ("GET", re.compile(r"user/current"), current_user),
    ("GET", re.compile(r"user"), get_user),
]


def handle(request: Request, store: Store, routes: Sequence[Route] = ROUTES) -> Response:
    """Answer one v1 request; store errors and bad CQL become v1 error bodies."""
    try:
        return dispatch(
            request, store, routes, v1_error, f"null for uri: {request.site.origin}{request.path}"
        )
    except cql.CqlError as exc:
        return v1_error(400, str(exc))
