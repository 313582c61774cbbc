"""Read the real recorded Notion responses under ../shared/fixtures/notion/ (vcrpy cassettes).

Both cassette dialects occur there: httpx-style `response.content` and requests-style
`response.body.string`. Only JSON bodies are returned.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Recorded:
    """One recorded request and its JSON response body."""

    cassette: str
    method: str
    uri: str
    status: int
    body: dict[str, Any]


def recorded_responses(folder: Path) -> Iterator[Recorded]:
    """Every JSON response in every cassette under `folder`, in file and recording order."""
    return iter(_load(folder))


@lru_cache(maxsize=4)
def _load(folder: Path) -> tuple[Recorded, ...]:
    """Parse the cassettes once per test session (vcrpy's PyYAML, C loader when built)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    found: list[Recorded] = []
    for path in sorted(folder.rglob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
        for interaction in data.get("interactions", []):
            response = interaction["response"]
            text = response.get("content")
            if text is None:
                text = (response.get("body") or {}).get("string")
            if not text:
                continue
            try:
                body = json.loads(text)
            except ValueError:
                continue
            status = response.get("status_code") or (response.get("status") or {}).get("code")
            if isinstance(body, dict):
                found.append(
                    Recorded(
                        cassette=path.name,
                        method=interaction["request"]["method"],
                        uri=interaction["request"]["uri"],
                        status=int(status or 0),
                        body=body,
                    )
                )
    return tuple(found)


def recorded_pages(folder: Path) -> Iterator[tuple[Recorded, dict[str, Any]]]:
    """Every page object in the recorded responses (single pages and query results)."""
    for rec in recorded_responses(folder):
        if rec.body.get("object") == "page":
            yield rec, rec.body
        elif rec.body.get("object") == "list":
            for item in rec.body.get("results", []):
                if isinstance(item, dict) and item.get("object") == "page":
                    yield rec, item
