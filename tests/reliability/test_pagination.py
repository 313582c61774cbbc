"""Item 11: broken pagination ends with a clear error, never an endless loop.

A rewriting proxy between okrsync and the emulators serves the answers a broken or
misbehaving API gives: a body cut in the middle, `has_more` without a `next_cursor`, a cursor
that leads back to itself (Notion), a `next` link that points at itself (Confluence). okrsync
runs as a subprocess with a deadline, so a loop would fail the test instead of hanging it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from okrsync.errors import ExitCode
from tests.reliability.conftest import Rig
from tests.reliability.server_control import RewritingProxy

DEADLINE = 60


def notion_query(method: str, path: str) -> bool:
    return method == "POST" and path.split("?")[0].endswith("/query")


def truncate(method: str, path: str, status: int, body: bytes) -> bytes:
    return body[: len(body) // 2] if notion_query(method, path) else body


def more_without_cursor(method: str, path: str, status: int, body: bytes) -> bytes:
    if not notion_query(method, path) or status != 200:
        return body
    data = json.loads(body)
    data.update(has_more=True, next_cursor=None)
    return json.dumps(data).encode()


def looping_cursor(method: str, path: str, status: int, body: bytes) -> bytes:
    if not notion_query(method, path) or status != 200:
        return body
    data = json.loads(body)
    if data["results"]:
        data.update(has_more=True, next_cursor=data["results"][0]["id"])
    return json.dumps(data).encode()


PROXY: dict[str, str] = {}


def confluence_self_link(method: str, path: str, status: int, body: bytes) -> bytes:
    """Every CQL search answer links `next` back to itself (through the proxy)."""
    if method != "GET" or status != 200 or "search" not in path:
        return body
    data = json.loads(body)
    if data.get("results"):
        data.setdefault("_links", {})["next"] = PROXY["url"] + path
    return json.dumps(data).encode()


CASES: list[tuple[str, str, Callable[..., bytes]]] = [
    ("notion", "truncated-body", truncate),
    ("notion", "has_more-without-cursor", more_without_cursor),
    ("notion", "looping-cursor", looping_cursor),
    ("confluence", "looping-next-link", confluence_self_link),
]


@pytest.mark.parametrize(("source", "label", "rewrite"), CASES, ids=[c[1] for c in CASES])
def test_broken_pagination_ends_with_a_clear_error(
    rig: Rig, figures: Any, source: str, label: str, rewrite: Callable[..., bytes]
) -> None:
    sandbox = rig.sandboxes[source]
    proxy = RewritingProxy(sandbox.base_url, rewrite)
    PROXY["url"] = proxy.url
    try:
        url = proxy.url + ("/wiki" if source == "confluence" else "")
        key = "url" if source == "confluence" else "base_url"
        rig.write_config(**{source: {key: url, "max_retries": 2}})
        code, summary, _log = rig.cli_sync(timeout=DEADLINE)
    finally:
        proxy.stop()
    part = summary["sources"][source]
    assert code in (ExitCode.TRANSIENT, ExitCode.PARTIAL), (code, part["errors"])
    assert part["outcome"] == "failed" and part["errors"], part
    message = " ".join(part["errors"]).lower()
    assert "traceback" not in message and "internal error" not in message, message
    assert part["writes"] == 0  # nothing was written from a partial read
    figures(
        faults={label: 1},
        requests={"through the proxy": proxy.requests},
        outcome=f"exit {code}: {part['errors'][0][:160]}",
    )
