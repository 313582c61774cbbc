"""Page attachments over REST v1, as Confluence serves them (v2 has no upload).

- `GET  content/{id}/child/attachment` lists them (`filename=`, `mediaType=` filter);
- `PUT  content/{id}/child/attachment` creates or updates by file name (a new version when the
  name exists); Data Center answers 405 (its clients fall back to POST or `/data`);
- `POST content/{id}/child/attachment` creates only (400 when the name exists);
- `POST content/{id}/child/attachment/{attId}/data` uploads a new version of one attachment;
- `DELETE content/{attId}/version/{n}` deletes one historical version (v1's "delete content
  version", 204; the current version cannot be deleted: 400); the others keep their numbers;
- `GET  {context}/download/attachments/{pageId}/{filename}` serves the bytes (`version=`).

Uploads are multipart/form-data with a `file` field (several allowed: Confluence's
"add one or more attachments"), a `minorEdit` field (required) and an optional `comment` (one
for all, or one per file paired in order), a request applied whole or refused whole (a file over
the site's `max_attachment_bytes` answers 413 and attaches nothing), and need the
`X-Atlassian-Token: no-check` header (without it Confluence's XSRF check answers 403). Create
and PUT answer a results envelope; `/data` answers the single attachment.
"""

from __future__ import annotations

import re
from typing import Any, Final
from urllib.parse import quote, unquote

from ..kit.multipart import FormField, MultipartError, field_named, parse_form
from .routing import Route
from .store import (
    Attachment,
    BadRequest,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    Page,
    Store,
    TooLarge,
    UnsupportedMediaType,
    iso,
)
from .v1 import brief_json, paginate, user_json, webui
from .wire import Request, Response, Site

XSRF_TOKENS: Final = frozenset({"no-check", "nocheck"})


def attachment_json(attachment: Attachment, page: Page, store: Store, site: Site) -> dict[str, Any]:
    """One attachment as v1 content of type `attachment` (current version)."""
    current = attachment.current
    download = (
        f"/download/attachments/{page.id}/{quote(attachment.title)}"
        f"?version={current.number}&modificationDate={int(current.when * 1000)}&api=v2"
    )
    return {
        "id": attachment.id,
        "type": "attachment",
        "status": "current",
        "title": attachment.title,
        "macroRenderedOutput": {},
        "metadata": {
            "comment": current.comment,
            "mediaType": attachment.media_type,
            "labels": {"results": [], "start": 0, "limit": 200, "size": 0},
            "_expandable": {"currentuser": "", "properties": "", "frontend": "", "editorHtml": ""},
        },
        "extensions": {
            "mediaType": attachment.media_type,
            "fileSize": current.size,
            "comment": current.comment,
        },
        "version": {
            "by": user_json(store.users.get(current.by), site),
            "when": iso(current.when),
            "friendlyWhen": iso(current.when),
            "message": current.comment,
            "number": current.number,
            "minorEdit": current.minor_edit,
        },
        "container": brief_json(page, site),
        "_links": {
            "webui": f"{webui(page, site)}?preview=/{page.id}/{attachment.id}/"
            f"{quote(attachment.title)}",
            "download": download,
            "self": f"{site.base}/rest/api/content/{attachment.id}",
        },
        "_expandable": {"space": f"/rest/api/space/{page.space_key}", "history": ""},
    }


def list_attachments(request: Request, store: Store, match: re.Match[str]) -> Response:
    with store.locked():
        page = store.page(match["id"], statuses=("any",))
        found = store.attachments_of(page.id)
        filename = request.param("filename")
        media_type = request.param("mediaType")
        if filename is not None:
            found = [a for a in found if a.title == filename]
        if media_type is not None:
            found = [a for a in found if a.media_type == media_type]
        results = [attachment_json(a, page, store, request.site) for a in found]
    return Response(200, paginate(request, results, default_limit=50))


def _form(request: Request) -> list[FormField]:
    """The upload form, after Confluence's XSRF check (403 without the no-check token)."""
    token = next((v for k, v in request.headers.items() if k.lower() == "x-atlassian-token"), None)
    if token is None or token.strip().lower() not in XSRF_TOKENS:
        raise Forbidden("XSRF check failed")
    content_type = next((v for k, v in request.headers.items() if k.lower() == "content-type"), "")
    try:
        fields = parse_form(content_type, request.body)
    except MultipartError as exc:
        raise BadRequest(f"Could not read the attachment upload: {exc}") from None
    if field_named(fields, "file") is None:
        raise BadRequest("An attachment upload needs a multipart field named 'file'")
    if field_named(fields, "minorEdit") is None:
        raise BadRequest("minorEdit is required: send the multipart field 'minorEdit'")
    return fields


def _upload(
    request: Request,
    store: Store,
    page_id: str,
    *,
    create_only: bool,
    attachment_id: str | None = None,
) -> list[Attachment]:
    fields = _form(request)
    minor = (field_named(fields, "minorEdit") or FormField("minorEdit", b"false")).text
    comments = [f.text for f in fields if f.name == "comment"]
    files = [f for f in fields if f.name == "file"]
    if attachment_id is not None and len(files) != 1:
        raise BadRequest("Updating an attachment's data takes exactly one file")
    if len(comments) > 1 and len(comments) != len(files):
        raise BadRequest("Send one 'comment' for every 'file', in the same order, or just one")
    uploaded = []
    named: list[tuple[str, FormField]] = []
    with store.locked():
        for upload in files:
            if not upload.filename:
                raise BadRequest("The 'file' field needs a file name")
            limit = store.max_attachment_bytes
            if limit is not None and len(upload.data) > limit:
                raise TooLarge(
                    f"The file {upload.filename} is larger than the site's maximum attachment "
                    f"size ({limit} bytes); nothing of this request was attached"
                )
            named.append((upload.filename, upload))
        for index, (filename, upload) in enumerate(named):
            uploaded.append(
                store.attach(
                    page_id,
                    filename,
                    upload.data,
                    upload.content_type or "application/octet-stream",
                    author=request.user.account_id,
                    comment=comments[index] if len(comments) > 1 else "".join(comments),
                    minor_edit=minor.strip().lower() == "true",
                    attachment_id=attachment_id,
                    create_only=create_only,
                )
            )
    return uploaded


def _envelope(request: Request, store: Store, page_id: str, found: list[Attachment]) -> Response:
    with store.locked():
        page = store.page(page_id, statuses=("any",))
        results = [attachment_json(a, page, store, request.site) for a in found]
    return Response(200, paginate(request, results, default_limit=50))


def create_attachments(request: Request, store: Store, match: re.Match[str]) -> Response:
    uploaded = _upload(request, store, match["id"], create_only=True)
    return _envelope(request, store, match["id"], uploaded)


def create_or_update_attachments(request: Request, store: Store, match: re.Match[str]) -> Response:
    if request.site.deployment == "datacenter":
        raise MethodNotAllowed(
            "PUT on child/attachment is not supported by Confluence Data Center: "
            "POST to create, POST .../{attachmentId}/data to update"
        )
    uploaded = _upload(request, store, match["id"], create_only=False)
    return _envelope(request, store, match["id"], uploaded)


def update_attachment_data(request: Request, store: Store, match: re.Match[str]) -> Response:
    uploaded = _upload(request, store, match["id"], create_only=False, attachment_id=match["att"])
    with store.locked():
        page = store.page(match["id"], statuses=("any",))
        return Response(200, attachment_json(uploaded[0], page, store, request.site))


def put_attachment_content(request: Request, store: Store, match: re.Match[str]) -> Response:
    """`PUT content/{attId}` edits an attachment's properties as JSON; a file sent there (what
    atlassian-python-api 5.0.4+ does to update an attachment, its issues #1677/#1681) is
    refused with 415 as Confluence refuses it."""
    content_type = next((v for k, v in request.headers.items() if k.lower() == "content-type"), "")
    if not content_type.lower().startswith("application/json"):
        raise UnsupportedMediaType(
            f"Unsupported Media Type: {content_type or 'none'} (upload files to "
            "content/{pageId}/child/attachment/{attachmentId}/data)"
        )
    raise BadRequest("The sandbox does not edit attachment properties")


def delete_attachment_version(request: Request, store: Store, match: re.Match[str]) -> Response:
    store.delete_attachment_version(match["att"], int(match["n"]))
    return Response(204)


ROUTES: Final[list[Route]] = [
    (
        "DELETE",
        re.compile(r"content/(?P<att>att\d+)/version/(?P<n>\d+)"),
        delete_attachment_version,
    ),
    ("PUT", re.compile(r"content/(?P<att>att\d+)"), put_attachment_content),
    ("GET", re.compile(r"content/(?P<id>\d+)/child/attachment"), list_attachments),
    ("POST", re.compile(r"content/(?P<id>\d+)/child/attachment"), create_attachments),
    ("PUT", re.compile(r"content/(?P<id>\d+)/child/attachment"), create_or_update_attachments),
    (
        "POST",
        re.compile(r"content/(?P<id>\d+)/child/attachment/(?P<att>att\d+)/data"),
        update_attachment_data,
    ),
]

DOWNLOAD: Final = re.compile(r"(?P<id>\d+)/(?P<name>[^/]+)")


def download(request: Request, store: Store, route: str) -> Response:
    """The bytes of an attachment (`route` is the path below `download/attachments/`)."""
    match = DOWNLOAD.fullmatch(route)
    if match is None:
        raise NotFound(f"No attachment at {route}")
    with store.locked():
        attachment = store.attachment_named(match["id"], unquote(match["name"]))
        if attachment is None:
            raise NotFound(f"No attachment named {unquote(match['name'])} on {match['id']}")
        wanted = request.param("version")
        upload = attachment.current
        if wanted:
            numbers = {str(v.number): v for v in attachment.versions}
            if wanted not in numbers:
                raise NotFound(f"No version {wanted} of attachment {attachment.id}")
            upload = numbers[wanted]
        return Response(200, upload.content, content_type=attachment.media_type)
