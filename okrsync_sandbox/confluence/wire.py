"""What the route handlers see and return: a parsed request, a response, the site's links.

Kept apart from the HTTP server so v1.py and v2.py are plain functions over plain data, and
so both API versions build links and error bodies in one way.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal

from .store import BadRequest, User

Deployment = Literal["cloud", "datacenter"]


@dataclass(frozen=True)
class Site:
    """Where the emulator answers: the origin, the context path, and the deployment kind."""

    origin: str  # http://127.0.0.1:PORT
    deployment: Deployment

    @property
    def context(self) -> str:
        """Cloud serves Confluence under /wiki; Data Center at the root (no context path)."""
        return "/wiki" if self.deployment == "cloud" else ""

    @property
    def base(self) -> str:
        """What Confluence puts in `_links.base`; relative links hang below it."""
        return self.origin + self.context


@dataclass
class Request:
    method: str
    path: str  # the whole path, e.g. /wiki/rest/api/content/123
    route: str  # below the API root, e.g. content/123
    query: dict[str, list[str]]
    body: bytes
    user: User
    site: Site
    headers: dict[str, str] = field(default_factory=dict)

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def int_param(self, name: str, default: int) -> int:
        raw = self.param(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise BadRequest(f"Invalid value for parameter '{name}': {raw!r}") from None

    def json(self) -> Any:
        """The body as JSON; an unreadable body is a 400, as in Confluence."""
        try:
            return json.loads(self.body.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequest(f"Could not read the request body as JSON: {exc}") from None

    def json_object(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise BadRequest("The request body must be a JSON object")
        return data


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def encoded(self) -> bytes:
        if self.status == 204 or self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body).encode("utf-8")


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def v1_error(status: int, message: str) -> Response:
    """A REST v1 error body: {statusCode, data: {...}, message, reason}."""
    return Response(
        status,
        {
            "statusCode": status,
            "data": {
                "authorized": status not in (401, 403),
                "valid": status != 400,
                "allowedInReadOnlyMode": True,
                "errors": [],
                "successful": False,
            },
            "message": message,
            "reason": reason(status),
        },
    )


_V2_CODES = {
    400: "INVALID_REQUEST_PARAMETER",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "CONFLICT",
    413: "REQUEST_ENTITY_TOO_LARGE",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}


def v2_error(status: int, message: str, detail: str | None = None) -> Response:
    """A REST v2 error body, the real shape: {"errors": [{status, code, title, detail}]}."""
    return Response(
        status,
        {
            "errors": [
                {
                    "status": status,
                    "code": _V2_CODES.get(status, reason(status).upper().replace(" ", "_")),
                    "title": message,
                    "detail": detail,
                }
            ]
        },
    )


def encode_cursor(offset: int) -> str:
    """An opaque cursor, as Confluence's are; it only carries the next offset."""
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, number = text.partition(":")
        if kind != "offset":
            raise ValueError(text)
        return max(0, int(number))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadRequest(
            "Provided value for 'cursor' is not the correct type. Expected type is Cursor."
        ) from None


def member(data: dict[str, Any], key: str) -> dict[str, Any]:
    """The object under `key` ({} when absent); anything but an object there is a 400."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest(f"{key} must be an object")
    return value
