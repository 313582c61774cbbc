"""The recorded third-party data under tests/fixtures/recorded/ and our own storage samples.

Everything a test reads lives inside the repository (see tests/fixtures/recorded/README.md for
where each file comes from and its licence); `tests/test_self_contained.py` keeps it that way.
The Notion recordings are request/response bodies extracted from other projects' vcrpy
cassettes, one JSON file per cassette: `{"interactions": [{"request": {method, uri, body},
"response": {status, body}}]}`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
RECORDED = FIXTURES / "recorded"
NOTION_RECORDED = RECORDED / "notion"
NOTION_SDK_PY = NOTION_RECORDED / "notion-sdk-py"
ULTIMATE_NOTION = NOTION_RECORDED / "ultimate-notion"
CONFLUENCE_V2_MOCKS = RECORDED / "confluence" / "atlassian-python-api-mocks"
STORAGE_SAMPLES = FIXTURES / "storage"

FIXTURE_DIRS = (RECORDED, NOTION_SDK_PY, ULTIMATE_NOTION, CONFLUENCE_V2_MOCKS, STORAGE_SAMPLES)


@dataclass(frozen=True)
class Recorded:
    """One recorded request and its response body (parsed JSON, text, or None when empty)."""

    cassette: str
    method: str
    uri: str
    status: int
    body: Any


@cache
def load_cassette(path: Path) -> tuple[Recorded, ...]:
    """The interactions of one recorded cassette, in recording order (parsed once a session)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Recorded(
            cassette=path.name,
            method=item["request"]["method"],
            uri=item["request"]["uri"],
            status=item["response"]["status"],
            body=item["response"]["body"],
        )
        for item in document["interactions"]
    )


def recorded(path: Path, method: str, uri_fragment: str, *, status: int = 200) -> dict[str, Any]:
    """The first recorded JSON object body matching method, a URI fragment and status."""
    for item in load_cassette(path):
        if (
            item.method == method
            and uri_fragment in item.uri
            and item.status == status
            and isinstance(item.body, dict)
        ):
            return item.body
    raise LookupError(f"no {method} {uri_fragment} ({status}) in {path.name}")


def recorded_responses(folder: Path) -> Iterator[Recorded]:
    """Every JSON object response of every cassette under `folder`, in file and recording order."""
    for path in sorted(folder.rglob("*.json")):
        yield from (item for item in load_cassette(path) if isinstance(item.body, dict))


def recorded_pages(folder: Path) -> Iterator[tuple[Recorded, dict[str, Any]]]:
    """Every page object in the recorded responses (single pages and query results)."""
    for rec in recorded_responses(folder):
        if rec.body.get("object") == "page":
            yield rec, rec.body
        elif rec.body.get("object") == "list":
            for item in rec.body.get("results", []):
                if isinstance(item, dict) and item.get("object") == "page":
                    yield rec, item


def confluence_v2_mock(name: str) -> Any:
    """One atlassian-python-api v2 mock response body by its constant's name."""
    return json.loads((CONFLUENCE_V2_MOCKS / f"{name}.json").read_text(encoding="utf-8"))


def storage_sample(name: str) -> str:
    """One of our own storage-format samples (tests/fixtures/storage/NAME.html)."""
    return (STORAGE_SAMPLES / f"{name}.html").read_text(encoding="utf-8")
