"""Notion's File Upload API in the emulator: create, send, status, expiry, files on read.

A single-part upload is created `pending` (with `upload_url` = its `/send` endpoint and
`expiry_time` = created + 1 hour on the emulator's clock), becomes `uploaded` when a multipart
`file` field is sent to it, and `expired` once the hour runs out before a block uses it
(`expiry_time` then reads null, as recorded). Attaching it to an image block (on append or on
block update, `{"type": "file_upload", "file_upload": {"id": ...}}`) keeps it for good and
clears its expiry; an id may be attached many times. Blocks that hold an upload read back as
`{"type": "file", "file": {"url": ..., "expiry_time": ...}}`, the URL serving the bytes for an
hour (`/files/...` on the emulator, no auth, like a pre-signed S3 URL). Only `single_part`
mode is emulated; `multi_part` and `external_url` are refused with a validation error.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import quote

from ..kit.multipart import MultipartError, field_named, parse_form
from .shapes import (
    JSON,
    ApiError,
    minute_time,
    normalize_id,
    not_found,
    parse_time,
    to_utc,
    validation_error,
)

UPLOAD_LIFETIME: Final = timedelta(hours=1)
FILE_URL_LIFETIME: Final = timedelta(hours=1)
MAX_SINGLE_PART_BYTES: Final = 20 * 1024 * 1024
WORKSPACE_FILE_LIMIT: Final = 5 * 1024 * 1024
"""The free plan's per-file limit (the SDK's test workspace reports 5242880)."""


def _millis_z(moment: datetime) -> str:
    """A file URL's expiry as Notion sends it: `2026-07-04T10:11:42.123Z`."""
    utc = to_utc(moment)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


class FileUploads:
    """The uploads of one workspace; `now` is the emulator's clock, `new_id` its id source."""

    def __init__(self, now: Callable[[], datetime], new_id: Callable[[], str]) -> None:
        self._now = now
        self._new_id = new_id
        self.records: dict[str, JSON] = {}
        self.origin = ""
        """Where `/files/...` URLs point (the emulator's base URL)."""

    # ----------------------------------------------------------------- lifecycle

    def create(self, body: JSON, bot_id: str) -> JSON:
        mode = body.get("mode", "single_part")
        if mode != "single_part":
            raise validation_error(
                f"body failed validation: body.mode `{mode}` is not supported by the sandbox "
                "(it emulates single_part uploads only)."
            )
        filename = body.get("filename")
        content_type = body.get("content_type")
        for key, value in (("filename", filename), ("content_type", content_type)):
            if value is not None and not isinstance(value, str):
                raise validation_error(f"body failed validation: body.{key} should be a string.")
        now = self._now()
        upload_id = self._new_id()
        self.records[upload_id] = {
            "id": upload_id,
            "created": now.isoformat(),
            "created_by": bot_id,
            "edited": now.isoformat(),
            "expires": (now + UPLOAD_LIFETIME).isoformat(),
            "status": "pending",
            "filename": filename,
            "content_type": content_type,
            "content_length": None,
            "data": None,
            "attached": False,
        }
        return self.object(upload_id)

    def get(self, upload_id: str) -> JSON:
        record = self.records.get(normalize_id(upload_id))
        if record is None:
            raise not_found("file upload", upload_id)
        self._expire(record)
        return record

    def _expire(self, record: JSON) -> None:
        if (
            record["status"] in ("pending", "uploaded")
            and not record["attached"]
            and self._now() >= parse_time(record["expires"])
        ):
            record["status"] = "expired"

    def send(self, upload_id: str, content_type: str, raw: bytes) -> JSON:
        record = self.get(upload_id)
        if record["status"] == "expired":
            raise validation_error(f"File upload {record['id']} has expired; create a new one.")
        if record["status"] != "pending":
            raise validation_error(
                f"File upload {record['id']} is already {record['status']}; "
                "create a new upload to send another file."
            )
        if not content_type.lower().startswith("multipart/form-data"):
            raise validation_error(
                "body failed validation: body.file should be defined (send the file as "
                "multipart/form-data)."
            )
        try:
            fields = parse_form(content_type, raw)
        except MultipartError as exc:
            raise ApiError(
                400, "invalid_request", f"Could not read the multipart body: {exc}."
            ) from exc
        file = field_named(fields, "file")
        if file is None:
            raise validation_error("body failed validation: body.file should be defined.")
        if len(file.data) > min(MAX_SINGLE_PART_BYTES, WORKSPACE_FILE_LIMIT):
            raise validation_error(
                f"The file is {len(file.data)} bytes; this workspace accepts at most "
                f"{WORKSPACE_FILE_LIMIT} bytes per file."
            )
        sent_type = file.content_type or "application/octet-stream"
        if record["content_type"] is not None and sent_type != record["content_type"]:
            raise validation_error(
                f"The file's content type {sent_type} does not match the upload's "
                f"content_type {record['content_type']}."
            )
        record["filename"] = record["filename"] or file.filename or "file"
        record["content_type"] = sent_type
        record["content_length"] = len(file.data)
        record["data"] = base64.b64encode(file.data).decode("ascii")
        record["status"] = "uploaded"
        record["edited"] = self._now().isoformat()
        return self.object(record["id"])

    def attachable(self, upload_id: str) -> JSON:
        """The upload, if a block may use it (only an uploaded file can be attached)."""
        record = self.get(upload_id)
        if record["status"] != "uploaded":
            raise validation_error(
                f"File upload {record['id']} is {record['status']}, not uploaded: it cannot "
                "be attached to a block."
            )
        return record

    def mark_attached(self, contents: list[JSON]) -> None:
        """Keep the uploads these stored image contents use for good (no expiry), once the
        write that uses them has been applied."""
        for content in contents:
            if content.get("type") == "file_upload":
                self.records[content["file_upload"]["id"]]["attached"] = True

    # ----------------------------------------------------------------- reading

    def object(self, upload_id: str) -> JSON:
        record = self.get(upload_id)
        status = record["status"]
        data: JSON = {
            "object": "file_upload",
            "id": record["id"],
            "created_time": minute_time(parse_time(record["created"])),
            "created_by": {"id": record["created_by"], "type": "bot"},
            "last_edited_time": minute_time(parse_time(record["edited"])),
            "expiry_time": None
            if status == "expired" or record["attached"]
            else minute_time(parse_time(record["expires"])),
        }
        if status == "pending":
            data["upload_url"] = f"https://api.notion.com/v1/file_uploads/{record['id']}/send"
        data.update(
            {
                "in_trash": False,
                "status": status,
                "filename": record["filename"],
                "content_type": record["content_type"],
                "content_length": record["content_length"],
                "archived": False,
            }
        )
        return data

    def listing(self, status: str | None) -> list[str]:
        """Ids newest first (as Notion lists them), optionally of one status."""
        if status is not None and status not in ("pending", "uploaded", "expired", "failed"):
            raise validation_error(
                "query failed validation: status should be one of pending, uploaded, "
                f"expired, failed, instead was `{status}`."
            )
        ids = list(reversed(self.records))
        for upload_id in ids:
            self._expire(self.records[upload_id])
        return [i for i in ids if status is None or self.records[i]["status"] == status]

    def file_content(self, upload_id: str) -> tuple[bytes, str]:
        record = self.get(upload_id)
        if record["data"] is None:
            raise not_found("file upload", upload_id)
        return base64.b64decode(record["data"]), str(record["content_type"])

    def image_content(self, given: JSON, where: str) -> JSON:
        """The stored content of an image block from a request: a `file_upload` reference is
        checked and kept by id (`mark_attached` once the write is applied); other sources are
        stored as sent."""
        if given.get("type") != "file_upload" and "file_upload" not in given:
            return {k: v for k, v in given.items() if k != "children"}
        reference = given.get("file_upload")
        if not isinstance(reference, dict) or not isinstance(reference.get("id"), str):
            raise validation_error(
                f"body failed validation: {where}.file_upload.id should be a string."
            )
        record = self.attachable(reference["id"])
        caption = given.get("caption", [])
        return {"caption": caption, "type": "file_upload", "file_upload": {"id": record["id"]}}

    def image_view(self, content: JSON) -> JSON:
        """How a stored image reads: an upload becomes a `file` with a URL valid for an hour."""
        if content.get("type") != "file_upload":
            return content
        record = self.records[content["file_upload"]["id"]]
        expires = self._now() + FILE_URL_LIFETIME
        name = quote(str(record["filename"] or "file"))
        url = f"{self.origin}/files/{record['id']}/{name}?expires={int(expires.timestamp())}"
        return {
            "caption": content.get("caption", []),
            "type": "file",
            "file": {"url": url, "expiry_time": _millis_z(expires)},
        }

    # ----------------------------------------------------------------- persistence

    def to_json(self) -> dict[str, Any]:
        return dict(self.records)

    def load_json(self, records: dict[str, Any]) -> None:
        self.records = dict(records)
