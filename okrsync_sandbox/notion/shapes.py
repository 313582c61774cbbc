"""The small JSON shapes every Notion object shares: errors, timestamps, rich text, users, ids.

Kept apart from the store so the store, the property codec and the block codec all build the
same shapes the real API returns (checked against the recorded responses in the contract tests).
"""

from __future__ import annotations

import random
import re
import uuid
from datetime import UTC, date, datetime
from typing import Any, Final

JSON = dict[str, Any]

MAX_TEXT_CONTENT: Final = 2000
MAX_RICH_TEXT_ITEMS: Final = 100
MAX_PAGE_SIZE: Final = 100
REFERENCE_LIMIT: Final = 25

_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
_DEFAULT_ANNOTATIONS: Final[JSON] = {
    "bold": False,
    "italic": False,
    "strikethrough": False,
    "underline": False,
    "code": False,
    "color": "default",
}


class ApiError(Exception):
    """A Notion error response: raised anywhere in the emulator, turned into the error body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self, request_id: str) -> JSON:
        """The JSON body Notion sends with this error."""
        return {
            "object": "error",
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "request_id": request_id,
        }


def validation_error(message: str) -> ApiError:
    """A 400 validation_error, the answer to every request that breaks a documented limit."""
    return ApiError(400, "validation_error", message)


def not_found(kind: str, object_id: str) -> ApiError:
    """A 404 object_not_found worded like Notion's (it also means "not shared")."""
    return ApiError(
        404,
        "object_not_found",
        f"Could not find {kind} with ID: {object_id}. Make sure the relevant pages and "
        'databases are shared with your integration "okrsync sandbox".',
    )


def too_long(path: str, limit: int, actual: int) -> ApiError:
    """The validation_error Notion gives when an array or a string is over its limit."""
    return validation_error(
        f"body failed validation: {path}.length should be ≤ `{limit}`, instead was `{actual}`."
    )


class IdFactory:
    """Makes Notion-style ids (UUID4 with dashes) from its own seeded generator."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def state(self) -> list[Any]:
        """The generator's state as JSON, so a loaded workspace goes on with fresh ids."""
        version, internal, gauss = self._random.getstate()
        return [version, list(internal), gauss]

    def restore(self, state: list[Any]) -> None:
        version, internal, gauss = state
        self._random.setstate((version, tuple(internal), gauss))

    def property_id(self) -> str:
        """A short property id like Notion's ("SlqB"); only URL-safe letters here."""
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        return "".join(self._random.choice(letters) for _ in range(4))


def normalize_id(raw: str) -> str:
    """Accept ids with or without dashes, as Notion does, and return the dashed lowercase form."""
    compact = raw.replace("-", "")
    if _HEX32.match(compact):
        return str(uuid.UUID(compact))
    return raw


def to_utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def floor_minute(moment: datetime) -> datetime:
    """Notion's page and block timestamps are rounded down to the minute."""
    return to_utc(moment).replace(second=0, microsecond=0)


def minute_time(moment: datetime) -> str:
    """The served form of a page/block/data source timestamp: `2026-07-04T09:08:00.000Z`."""
    return floor_minute(moment).strftime("%Y-%m-%dT%H:%M:00.000Z")


def milli_time(moment: datetime) -> str:
    """The served form of a database timestamp, which Notion does not round."""
    utc = to_utc(moment)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+00:00"


def parse_time(text: str) -> datetime:
    """Parse an ISO date or datetime from a request or a saved state (date-only -> midnight UTC)."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        return to_utc(datetime.fromisoformat(value))
    except ValueError as exc:
        raise validation_error(f"{text!r} is not a valid ISO 8601 date or date-time.") from exc


def rich_text_item(content: str, link: str | None = None) -> JSON:
    """One full text item as Notion returns it."""
    return {
        "type": "text",
        "text": {"content": content, "link": {"url": link} if link else None},
        "annotations": dict(_DEFAULT_ANNOTATIONS),
        "plain_text": content,
        "href": link,
    }


def normalize_rich_text(value: Any, path: str) -> list[JSON]:
    """Validate a rich-text array from a request and return the full stored form.

    Enforces Notion's limits: at most 100 items and 2000 characters of content per item.
    """
    if not isinstance(value, list):
        raise validation_error(f"body failed validation: {path} should be an array.")
    if len(value) > MAX_RICH_TEXT_ITEMS:
        raise too_long(path, MAX_RICH_TEXT_ITEMS, len(value))
    items: list[JSON] = []
    for index, raw in enumerate(value):
        where = f"{path}[{index}]"
        if not isinstance(raw, dict):
            raise validation_error(f"body failed validation: {where} should be an object.")
        kind = raw.get("type") or next(
            (k for k in ("text", "mention", "equation") if k in raw), "text"
        )
        annotations = {**_DEFAULT_ANNOTATIONS, **(raw.get("annotations") or {})}
        if kind == "text":
            text = raw.get("text")
            if not isinstance(text, dict) or not isinstance(text.get("content"), str):
                raise validation_error(
                    f"body failed validation: {where}.text.content should be a string."
                )
            content = text["content"]
            if len(content) > MAX_TEXT_CONTENT:
                raise too_long(f"{where}.text.content", MAX_TEXT_CONTENT, len(content))
            link = text.get("link")
            url = link.get("url") if isinstance(link, dict) else None
            item = rich_text_item(content, url)
            item["annotations"] = annotations
            items.append(item)
        elif kind == "equation":
            expression = str((raw.get("equation") or {}).get("expression", ""))
            items.append(
                {
                    "type": "equation",
                    "equation": {"expression": expression},
                    "annotations": annotations,
                    "plain_text": expression,
                    "href": None,
                }
            )
        elif kind == "mention":
            mention = raw.get("mention") or {}
            plain = str(raw.get("plain_text", "@mention"))
            items.append(
                {
                    "type": "mention",
                    "mention": mention,
                    "annotations": annotations,
                    "plain_text": plain,
                    "href": None,
                }
            )
        else:
            raise validation_error(f"body failed validation: {where}.type {kind!r} is unknown.")
    return items


def plain_text(items: list[JSON]) -> str:
    """The concatenated plain text of a stored rich-text array."""
    return "".join(str(item.get("plain_text", "")) for item in items)


def user_ref(user_id: str) -> JSON:
    """The partial user object used in created_by / last_edited_by."""
    return {"object": "user", "id": user_id}
