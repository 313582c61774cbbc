"""Fixtures for the Notion emulator tests: a started sandbox with injected clocks and a real
notion-client pointed at it, plus the shape comparison with the recorded real responses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from notion_client import Client

from okrsync_sandbox.kit.clock import ManualClock
from okrsync_sandbox.notion import NotionSandbox


@pytest.fixture
def clock() -> ManualClock:
    """The emulator's one clock: page timestamps, the rate limiter and the Retry-After watch."""
    return ManualClock(datetime(2026, 3, 2, 10, 15, 42, 123456, tzinfo=UTC))


@pytest.fixture
def sandbox(clock: ManualClock) -> Iterator[NotionSandbox]:
    box = NotionSandbox(clock=clock, seed=11)
    box.start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """One httpx client for the session: building one costs ~0.2 s (its TLS context)."""
    with httpx.Client() as shared:
        yield shared


@pytest.fixture
def client(sandbox: NotionSandbox, http: httpx.Client) -> Client:
    """The real SDK, with its own retries off so every answer is seen as sent.

    notion-client points the shared httpx client at this test's sandbox (base_url, headers).
    """
    return Client(
        client=http, auth=sandbox.token, base_url=sandbox.base_url, retry=False, timeout_ms=5000
    )


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shape_differences(
    ours: Any, theirs: Any, path: str = "$", *, extra_ok: frozenset[str] = frozenset()
) -> list[str]:
    """Where two JSON values differ in keys or value types (values and ids are ignored).

    null is compatible with any type (nullable fields hold null in one recording and a value in
    another); arrays compare their first elements when both have some. `extra_ok` names keys
    our newer or older API version may carry that the recording lacks.
    """
    problems: list[str] = []
    if ours is None or theirs is None:
        return problems
    if _kind(ours) != _kind(theirs):
        return [f"{path}: ours is {_kind(ours)}, recorded is {_kind(theirs)}"]
    if isinstance(theirs, dict):
        missing = sorted(set(theirs) - set(ours))
        extra = sorted(set(ours) - set(theirs) - extra_ok)
        if missing:
            problems.append(f"{path}: missing keys {missing}")
        if extra:
            problems.append(f"{path}: extra keys {extra}")
        for key in sorted(set(ours) & set(theirs)):
            problems += shape_differences(
                ours[key], theirs[key], f"{path}.{key}", extra_ok=extra_ok
            )
    elif isinstance(theirs, list) and ours and theirs:
        problems += shape_differences(ours[0], theirs[0], f"{path}[0]", extra_ok=extra_ok)
    return problems
