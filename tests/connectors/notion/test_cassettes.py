"""vcrpy cassettes of the connector's traffic, recorded against the sandbox, replayed by default.

`cassettes/notion/<name>.yaml` holds the HTTP interactions, `<name>.json` what the recording
run configured and saw. When the cassette exists the test replays it with record_mode "none"
(no server is contacted: the connector points at a closed port); when it is missing, the test
records it against the sandbox. The Authorization header is filtered out before anything is
written; a test below proves no token reached any cassette. docs/notion.md says how to
re-record against a real workspace.
"""

from __future__ import annotations

import json
import re
from typing import Any

import vcr

from okrsync.connector import Write, Writeback
from okrsync.mapping.schema import Mapping
from okrsync_sandbox.notion import NotionSandbox

from .conftest import ROOT, TOKEN, ConnectorFactory
from .pipeline import small_workspace

CASSETTES = ROOT / "cassettes" / "notion"
CLOSED_PORT_URL = "http://127.0.0.1:9"  # discard port: nothing answers, replay must not need it
TOKEN_PATTERN = re.compile(r"(secret_[A-Za-z0-9_]{6,}|ntn_[A-Za-z0-9]{6,}|Bearer\s+\S+)")


def _recorder(record_mode: str) -> vcr.VCR:
    return vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode=record_mode,
        filter_headers=["authorization", "cookie", "user-agent"],
        match_on=["method", "path", "query", "body"],
        decode_compressed_response=True,
    )


def _fixed_write(page_id: str) -> Write:
    """A property write that depends on nothing but the page id (stable across recordings)."""
    return Write(
        target=f"notion:page:{page_id}",
        kind="properties",
        description="cassette write",
        payload={
            "page_id": page_id,
            "collection": "key_results",
            "properties": {
                "Score": {"number": 0.5},
                "Health": {"select": {"name": "On track"}},
                "Warnings": {"rich_text": [{"type": "text", "text": {"content": "⚠ KR002 x"}}]},
            },
            "expected": {"Score": 0.5, "Health": "On track", "Warnings": "⚠ KR002 x"},
            "kinds": {"Score": "score", "Health": "health", "Warnings": "warnings"},
            "always": {"Last synced": {"date": {"start": "2025-08-01T10:30:00+00:00"}}},
        },
    )


def _scenario(connector_options: dict[str, Any], make: ConnectorFactory, mapping: Mapping,
              kr_page: str) -> dict[str, Any]:  # fmt: skip
    connector = make(mapping, writeback=Writeback(reviews=False), **connector_options)
    records = list(connector.pull(None))
    result = connector.apply(_fixed_write(kr_page))
    return {
        "records": sorted(f"{r.collection}:{r.fields['@title']}" for r in records),
        "write": result.status,
        "requests": connector.stats().by_endpoint,
    }


def test_pull_and_write_replay_from_the_cassette(
    sandbox: NotionSandbox, make_connector: ConnectorFactory, template_mapping: Mapping
) -> None:
    name = "pull_and_write"
    cassette = CASSETTES / f"{name}.yaml"
    sidecar = CASSETTES / f"{name}.json"
    if not cassette.exists():
        CASSETTES.mkdir(parents=True, exist_ok=True)
        seeded = sandbox.seed(small_workspace())
        options = {
            "databases": seeded.options["databases"],
            "token_env": "NOTION_TEST_TOKEN",
        }
        with _recorder("once").use_cassette(cassette.name):
            seen = _scenario(options, make_connector, template_mapping, seeded.ids["k1"])
        sidecar.write_text(
            json.dumps({"options": options, "kr_page": seeded.ids["k1"], "seen": seen},
                       indent=1, sort_keys=True, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )  # fmt: skip
    recorded = json.loads(sidecar.read_text(encoding="utf-8"))
    options = {**recorded["options"], "base_url": CLOSED_PORT_URL}
    served = sandbox.stats()["requests"]
    with _recorder("none").use_cassette(cassette.name) as tape:
        replayed = _scenario(options, make_connector, template_mapping, recorded["kr_page"])
        assert tape.all_played
    assert replayed == recorded["seen"]
    assert replayed["write"] == "applied"
    assert "key_results:ARR to 10M" in replayed["records"]
    assert sandbox.stats()["requests"] == served  # the replay never reached a server


def test_no_notion_token_shape_in_any_cassette() -> None:
    """The contract suite checks the sandbox's token; this catches any Notion-shaped one."""
    files = sorted(CASSETTES.glob("*"))
    assert files, "the recorded cassettes are committed"
    for path in files:
        assert not TOKEN_PATTERN.search(path.read_text(encoding="utf-8")), path


def test_the_token_pattern_would_catch_a_leak() -> None:
    assert TOKEN_PATTERN.search(f"authorization: Bearer {TOKEN}")
    assert TOKEN_PATTERN.search("ntn_abcdefghijk12345")
    assert not TOKEN_PATTERN.search("okrsync:review:okrs:q3 hash=abc")
