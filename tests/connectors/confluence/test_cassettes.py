"""Replaying recorded Confluence traffic (vcrpy), and proving no credential was recorded.

The cassettes in cassettes/confluence/ were recorded against the sandbox emulator through the
real atlassian-python-api; they replay by default, so these tests need no server at all.
Re-record with `OKRSYNC_RECORD_CASSETTES=1 .venv/bin/pytest tests/connectors/confluence/
test_cassettes.py` (see docs/confluence.md). Requests match on method, path and query, so the
emulator's random port does not matter.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import vcr
from okrsync_confluence.connector import ConfluenceConnector
from okrsync_confluence.writer import plan_review_writes

from okrsync.connector import ConnectorContext, Writeback
from okrsync.mapping.loader import load_mapping
from okrsync_sandbox.confluence import ConfluenceSandbox

from .factories import cycle_review
from .site import MAPPING, FakeClock, build_site

ROOT = Path(__file__).resolve().parents[3]
CASSETTES = ROOT / "cassettes" / "confluence"
RECORD = os.environ.get("OKRSYNC_RECORD_CASSETTES") == "1"
# Recorded on a fixed port so that page URLs (rendered into the review page, hence its hash)
# are the same when replayed; nothing listens there during replay.
PORT = 58231
REPLAY_URL = {"cloud": f"http://127.0.0.1:{PORT}/wiki", "datacenter": f"http://127.0.0.1:{PORT}"}
REVIEWS_PARENT = "65540"  # the emulator numbers pages in order; build_site makes this one 5th


def _recorder() -> vcr.VCR:
    return vcr.VCR(
        record_mode="all" if RECORD else "none",
        match_on=("method", "path", "query"),
        filter_headers=("authorization", "cookie", "set-cookie"),
        decode_compressed_response=True,
    )


@contextmanager
def _site(deployment: str) -> Iterator[tuple[str, dict[str, str], str]]:
    """(url, env, review parent id): a live sandbox when recording, nothing when replaying."""
    if not RECORD:
        yield (
            REPLAY_URL[deployment],
            {"U": "someone@example.com", "T": "not-a-token"},
            REVIEWS_PARENT,
        )
        return
    clock = FakeClock()
    sandbox = ConfluenceSandbox(PORT, deployment=deployment, clock=clock)  # type: ignore[arg-type]
    sandbox.start()
    try:
        site = build_site(sandbox, deployment, clock)
        assert site.ids["reviews"] == REVIEWS_PARENT, "update REVIEWS_PARENT for the new layout"
        assert sandbox.url == REPLAY_URL[deployment]
        yield sandbox.url, {"U": sandbox.username, "T": sandbox.token}, site.ids["reviews"]
    finally:
        sandbox.stop()


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_pull_and_review_write_replay(deployment: str) -> None:
    cassette = CASSETTES / f"pull_and_review_{deployment}.yaml"
    if RECORD:
        cassette.unlink(missing_ok=True)  # record from scratch: no stale interactions
    with _site(deployment) as (url, env, reviews), _recorder().use_cassette(str(cassette)):
        options = {
            "url": url,
            "deployment": deployment,
            "token_env": "T",
            "space": "OKR",
            "review_parent": reviews,
            "page_size": 2,
        }
        if deployment == "cloud":
            options["username_env"] = "U"
        context = ConnectorContext(
            source="wiki",
            options=options,
            mapping=load_mapping(MAPPING),
            writeback=Writeback(),
            env=env,
            sleep=lambda _: None,
        )
        connector = ConfluenceConnector(context)
        records = list(connector.pull(None))
        titles = {r.fields["@title"] for r in records if r.collection == "objectives"}
        assert {"Win the market", "Grow revenue", "Broken objective"} <= titles
        team = next(r for r in records if r.fields.get("@title") == "Grow revenue")
        company = next(r for r in records if r.fields.get("@title") == "Win the market")
        assert team.fields["Aligned to"] == [company.external_id]
        assert team.fields["Owner"][0]["name"] == "Grace Hopper"
        # A hand-built review, so that the recorded hash does not move with the wording of
        # rules or the scoring of other modules (those have their own tests).
        write = plan_review_writes(
            [cycle_review()], connector.options, Writeback(), context.source
        )[0]
        assert connector.apply(write).status == "applied"
        assert ConfluenceConnector(context).apply(write).status == "unchanged"
