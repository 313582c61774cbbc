"""multipart/form-data request bodies, as both vendors' upload endpoints take them.

Notion's `file_uploads/{id}/send` and Confluence's attachment endpoints read a form whose
`file` field carries the bytes (with a file name and a content type) and whose other fields
are plain text (`part_number`, `minorEdit`, `comment`). One parser for both: it splits on the
boundary byte for byte (binary files stay intact) and a malformed body is one clear error.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message


class MultipartError(ValueError):
    """The body is not a readable multipart/form-data form."""


@dataclass(frozen=True)
class FormField:
    """One field of a form: `filename` and `content_type` are set for file fields."""

    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


def _boundary(content_type: str) -> bytes:
    if not content_type.lower().startswith("multipart/form-data"):
        raise MultipartError(f"expected multipart/form-data, got {content_type or 'nothing'!r}")
    message = Message()
    message["Content-Type"] = content_type
    boundary = message.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise MultipartError("the multipart Content-Type has no boundary")
    return boundary.encode("latin-1")


def _part(raw: bytes) -> FormField:
    head, separator, data = raw.partition(b"\r\n\r\n")
    if not separator:
        raise MultipartError("a form part has no blank line after its headers")
    headers = Message()
    for line in head.decode("utf-8", errors="replace").split("\r\n"):
        header, colon, value = line.partition(":")
        if not colon:
            raise MultipartError(f"a form part has a malformed header line {line!r}")
        headers[header.strip()] = value.strip()
    name = headers.get_param("name", header="content-disposition")
    if not isinstance(name, str):
        raise MultipartError("a form part has no name in its Content-Disposition")
    filename = headers.get_param("filename", header="content-disposition")
    content_type = headers.get_content_type() if headers.get("Content-Type") else None
    return FormField(name, data, filename if isinstance(filename, str) else None, content_type)


def parse_form(content_type: str, body: bytes) -> list[FormField]:
    """The fields of a multipart/form-data body, in order, byte for byte; `content_type` is
    the request's Content-Type header (it carries the boundary)."""
    delimiter = b"--" + _boundary(content_type)
    chunks = body.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise MultipartError("the multipart body does not end with its closing boundary")
    fields: list[FormField] = []
    for chunk in chunks[1:-1]:
        if not chunk.startswith(b"\r\n") or not chunk.endswith(b"\r\n"):
            raise MultipartError("a form part is not framed by CRLF")
        fields.append(_part(chunk[2:-2]))
    return fields


def field_named(fields: list[FormField], name: str) -> FormField | None:
    """The first field called `name`, or None."""
    return next((f for f in fields if f.name == name), None)
