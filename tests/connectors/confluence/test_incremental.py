"""What an incremental Confluence pull costs, through the real atlassian-python-api.

The cursor is the server's time when a pull began (its `Date` header), so a sync with nothing
changed costs the CQL listing and nothing per page: no bodies, no user lookups, no title
searches, and okrsync's own writes (review pages, managed outputs) are not read back. Every test
runs on Cloud (v2 bodies) and Data Center (v1 only).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import tomli_w
from okrsync_confluence.reader import INCREMENTAL_OVERLAP

from benchmarks.synthetic import synthetic_workspace
from okrsync.config import load_config
from okrsync.connector import Writeback
from okrsync.demo.environment import config_document
from okrsync.sync import SyncSummary, run_sync
from okrsync_sandbox.confluence import ConfluenceSandbox

from .site import Site
from .test_connector_sandbox import q3, review_of

# Steps between pulls that leave the previous pull's overlap behind them.
PAST_OVERLAP = INCREMENTAL_OVERLAP.total_seconds() + 60


# The site's default page_size of 2 exercises pagination elsewhere; here one listing request.
def requests_after(site: Site, mark: int) -> Counter[str]:
    """Requests the sandbox logged after `mark`, by method and path shape."""
    shapes: Counter[str] = Counter()
    for entry in site.sandbox.request_log()[mark:]:
        path = "/".join("{id}" if part.isdigit() else part for part in entry.path.split("/"))
        shapes[f"{entry.method} {path}"] += 1
    return shapes


def objective_ids(records: list[Any]) -> list[str]:
    return sorted(r.external_id for r in records if r.collection == "objectives")


# --------------------------------------------------------------------------- the cursor


def test_no_change_pull_is_the_listing_alone(site: Site) -> None:
    site.clock.now += PAST_OVERLAP  # the space was laid out well before the first pull
    first = site.connector(page_size=250)
    list(first.pull(None))
    site.clock.now += PAST_OVERLAP
    mark = len(site.sandbox.request_log())
    again = site.connector(page_size=250)
    assert list(again.pull(first.cursor())) == []
    base = urlparse(site.sandbox.url).path
    assert requests_after(site, mark) == Counter({f"GET {base}/rest/api/content/search": 1})
    assert again.cursor() is not None and again.cursor() > first.cursor()  # type: ignore[operator]


def test_a_changed_page_costs_its_body_its_people_and_no_title_search(site: Site) -> None:
    site.clock.now += PAST_OVERLAP  # the space was laid out well before the first pull
    first = site.connector(page_size=250)
    list(first.pull(None))
    site.clock.now += PAST_OVERLAP
    site.sandbox.human_edit(site.ids["team"])
    again = site.connector(page_size=250)
    records = list(again.pull(first.cursor()))
    assert objective_ids(records) == [site.ids["team"]]
    team = next(r for r in records if r.external_id == site.ids["team"])
    assert team.fields["Aligned to"] == [site.ids["company"]], "resolved from the listing"
    by_endpoint = again.stats().by_endpoint
    assert by_endpoint.get("GET v1 user") == 1, "Grace, mentioned twice, looked up once"
    assert by_endpoint["GET v1 content/search"] == (1 if site.deployment == "cloud" else 2)
    assert by_endpoint.get("GET v2 pages", 0) == (1 if site.deployment == "cloud" else 0)


def test_people_named_once_are_kept_for_the_next_run_until_a_full_pull(site: Site) -> None:
    """The user lookup is cached per run and, through the state store (RemembersLookups),
    across runs: an incremental pull names known people without asking again."""
    site.clock.now += PAST_OVERLAP
    first = site.connector(page_size=250)
    records = list(first.pull(None))
    assert first.stats().by_endpoint.get("GET v1 user") == 1
    kept = first.lookups()
    assert [p["name"] for p in kept["people"].values()] == ["Grace Hopper"]
    site.clock.now += PAST_OVERLAP
    site.sandbox.human_edit(site.ids["team"])
    again = site.connector(page_size=250)
    again.restore_lookups(kept)  # as the engine hands them over from the state store
    changed = list(again.pull(first.cursor()))
    team = next(r for r in changed if r.external_id == site.ids["team"])
    owner = next(r for r in records if r.external_id == site.ids["team"]).fields["Owner"]
    assert team.fields["Owner"] == owner and owner[0]["name"] == "Grace Hopper"
    assert again.stats().by_endpoint.get("GET v1 user", 0) == 0, "named from the kept lookup"
    assert again.lookups() == kept
    full = site.connector(page_size=250)
    full.restore_lookups(kept)
    list(full.pull(None))
    assert full.stats().by_endpoint.get("GET v1 user") == 1, "a full pull asks again"


def test_links_outside_the_listing_are_searched_in_one_batch(site: Site) -> None:
    site.clock.now += PAST_OVERLAP
    first = site.connector(page_size=250)
    list(first.pull(None))
    site.clock.now += 3 * 86400
    quiet = site.connector(page_size=250)
    assert list(quiet.pull(first.cursor())) == []  # from now on the window starts days later
    site.clock.now += PAST_OVERLAP
    site.sandbox.human_edit(site.ids["team"])
    again = site.connector(page_size=250)
    records = list(again.pull(quiet.cursor()))
    team = next(r for r in records if r.external_id == site.ids["team"])
    assert team.fields["Aligned to"] == [site.ids["company"]]
    # The listing, the bodies (Data Center: a CQL search by id) and one title search.
    listing_and_bodies = 1 if site.deployment == "cloud" else 2
    assert again.stats().by_endpoint["GET v1 content/search"] == listing_and_bodies + 1


# --------------------------------------------------------------------------- own writes


def test_own_output_writes_are_not_read_back(site: Site) -> None:
    site.clock.now += PAST_OVERLAP
    connector = site.connector(
        writeback=Writeback(reviews=False), managed_properties=True, page_size=250
    )
    records = list(connector.pull(None))
    writes = connector.plan(review_of(records))
    assert writes, "outputs to write on the objective pages"
    assert all(connector.apply(w).status == "applied" for w in writes)
    site.clock.now += PAST_OVERLAP
    again = site.connector(managed_properties=True, page_size=250)
    assert list(again.pull(connector.cursor())) == [], "only okrsync's macro changed"
    # A person edits a page okrsync wrote: it is read again.
    site.clock.now += PAST_OVERLAP
    site.sandbox.human_edit(site.ids["team"])
    third = site.connector(managed_properties=True, page_size=250)
    assert objective_ids(list(third.pull(again.cursor()))) == [site.ids["team"]]


def test_a_person_editing_before_okrsyncs_output_write_is_read(site: Site) -> None:
    site.clock.now += PAST_OVERLAP
    options: dict[str, Any] = {"managed_properties": True, "page_size": 250}
    connector = site.connector(writeback=Writeback(reviews=False), **options)
    writes = connector.plan(review_of(list(connector.pull(None))))
    site.clock.now += 10
    site.sandbox.human_edit(site.ids["team"])  # after the pull, before okrsync's write
    site.clock.now += 10
    assert all(connector.apply(w).status == "applied" for w in writes)
    site.clock.now += PAST_OVERLAP
    again = site.connector(**options)
    assert objective_ids(list(again.pull(connector.cursor()))) == [site.ids["team"]]


def test_parent_locator_lists_by_cql_and_reads_nothing_unchanged(site: Site) -> None:
    parent = next(p for p in site.sandbox.store.all_pages() if p.title == "Objectives")
    options: dict[str, Any] = {"objectives": {"parent": parent.id}, "page_size": 250}
    site.clock.now += PAST_OVERLAP
    first = site.connector(**options)
    assert len(objective_ids(list(first.pull(None)))) == 6
    site.clock.now += PAST_OVERLAP
    mark = len(site.sandbox.request_log())
    again = site.connector(**options)
    assert list(again.pull(first.cursor())) == []
    assert sum(requests_after(site, mark).values()) == 1


def test_review_pages_are_outside_the_objectives_listing(site: Site) -> None:
    connector = site.connector(page_size=250)
    connector.apply(q3(connector.plan(review_of(list(connector.pull(None))))))
    review_id = next(
        p.id for p in site.sandbox.store.all_pages() if p.title == "OKR Review Q3 2025"
    )
    cql = connector.reader.base_cql()
    listed = {p.id for p in connector.client.search(cql, with_body=False)}
    assert review_id not in listed and site.ids["team"] in listed
    # A broad locator lists the review page, but drops it by its label before reading bodies.
    broad = site.connector(objectives={"cql": 'type = page and space = "OKR"'})
    assert review_id not in {p.id for p in broad.reader.list_pages(None)}


# --------------------------------------------------------------------------- the engine


@dataclass
class Shifted:
    """Wall time plus an offset, shared by the sandbox's version times and the engine."""

    offset: float = 0.0

    def epoch(self) -> float:
        return datetime.now(UTC).timestamp() + self.offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.epoch(), UTC)


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_no_change_sync_after_a_writing_and_a_settling_sync(
    deployment: str, tmp_path: Path
) -> None:
    clock = Shifted()
    sandbox = ConfluenceSandbox(0, deployment=deployment, clock=clock.epoch)  # type: ignore[arg-type]
    sandbox.start()
    try:
        seed = sandbox.seed(synthetic_workspace(40))
        seed = seed.model_copy(update={"options": {**seed.options, "managed_properties": True}})
        document = config_document({"wiki": seed}, tmp_path)
        document["logging"] = {"level": "error", "format": "json"}
        path = tmp_path / "okrsync.toml"
        path.write_text(tomli_w.dumps(document), encoding="utf-8")
        config = load_config(path)
        env = dict(seed.env)

        def sync() -> tuple[SyncSummary, list[str]]:
            mark = len(sandbox.request_log())
            summary = run_sync(config, env=env, clock=clock.now)
            assert summary.exit_code == 0, summary.errors
            return summary, [e.path for e in sandbox.request_log()[mark:]]

        writing, _ = sync()
        assert writing.writes > 1, "outputs on the objective pages and the review page"
        # Even the sync right after the writing one reads nothing back: okrsync's own output
        # writes are recognised from their version message, the review page by its label.
        for _ in range(3):
            clock.offset += 30
            summary, paths = sync()
            assert summary.writes == 0 and summary.reads == 0
            assert len(paths) == 1 and paths[0].endswith("/rest/api/content/search")
    finally:
        sandbox.stop()
