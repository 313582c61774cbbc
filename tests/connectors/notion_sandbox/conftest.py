"""Fixtures for the Notion emulator tests: a started sandbox with injected clocks and a real
notion-client pointed at it, plus readers for the recorded real Notion responses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from notion_client import Client

from okrsync_sandbox.notion import NotionSandbox


class FakeClock:
    """A settable wall clock for page timestamps."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class FakeMonotonic:
    """A settable monotonic clock for the rate limiter and the Retry-After watch."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 10, 15, 42, 123456, tzinfo=UTC))


@pytest.fixture
def monotonic() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def sandbox(clock: FakeClock, monotonic: FakeMonotonic) -> Iterator[NotionSandbox]:
    box = NotionSandbox(clock=clock, monotonic=monotonic, seed=11)
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


def load_cassette(path: Path) -> list[dict[str, Any]]:
    """Interactions of a vcrpy cassette as (method, uri, status, body JSON or None)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (safe loader)
    out: list[dict[str, Any]] = []
    for interaction in data["interactions"]:
        request, response = interaction["request"], interaction["response"]
        if "body" in response:
            raw = response["body"]
            text = raw.get("string") if isinstance(raw, dict) else raw
        else:
            text = response.get("content")
        status = response.get("status")
        code = status["code"] if isinstance(status, dict) else response.get("status_code")
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = None
        out.append(
            {"method": request["method"], "uri": request["uri"], "status": code, "body": body}
        )
    return out


def recorded(path: Path, method: str, uri_fragment: str, *, status: int = 200) -> dict[str, Any]:
    """The first recorded response body matching method, a URI fragment and status."""
    for item in load_cassette(path):
        if (
            item["method"] == method
            and uri_fragment in item["uri"]
            and item["status"] == status
            and isinstance(item["body"], dict)
        ):
            body: dict[str, Any] = item["body"]
            return body
    raise LookupError(f"no {method} {uri_fragment} ({status}) in {path.name}")


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
