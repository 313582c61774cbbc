"""A mixed wiki (issue 11): ONE source with ONE mapping reads every variant and scores it right.

Thirteen objective pages (the team template in four markups, keys with a trailing colon or a
no-break space, one German page with "71,5 %" and "1.234,5 €", one objective with child-page
key results) and a meeting-notes page carrying the same `okr` label, in the Confluence
sandbox over real HTTP.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import tomli_w
from okrsync_confluence.connector import ConfluenceConnector

from okrsync.connector import ConnectorContext, Problem, SourceRecord
from okrsync.mapping.apply import apply_mapping
from okrsync.mapping.loader import load_mapping, parse_mapping
from okrsync.sandbox import SeedResult
from okrsync.scoring import evaluate
from okrsync_sandbox.confluence import ConfluenceSandbox
from okrsync_sandbox.confluence.mixed_wiki import (
    CHILD_PAGE_OBJECTIVE,
    GERMAN_OBJECTIVE,
    mixed_wiki_workspace,
    seed_mixed_wiki,
)
from tests.cli.conftest import ROOT, cli_env, okrsync_argv

AT = date(2026, 11, 25)


@pytest.fixture(scope="module")
def wiki() -> Iterator[tuple[ConfluenceSandbox, SeedResult]]:
    sandbox = ConfluenceSandbox()
    sandbox.start()
    try:
        yield sandbox, seed_mixed_wiki(sandbox)
    finally:
        sandbox.stop()


def okrsync(seed: SeedResult, *args: str) -> subprocess.CompletedProcess[str]:
    """The okrsync command line as a subprocess, with the sandbox's credentials."""
    return subprocess.run(
        okrsync_argv(*args),
        capture_output=True,
        text=True,
        env=cli_env(seed.env),
        cwd=ROOT,
        timeout=180,
    )


def pull(seed: SeedResult) -> list[SourceRecord]:
    connector = ConfluenceConnector(
        ConnectorContext(
            source="wiki",
            options=seed.options,
            mapping=load_mapping(seed.mapping),
            env=dict(seed.env),
            sleep=lambda _s: None,
        )
    )
    try:
        return list(connector.pull(None))
    finally:
        connector.close()


def test_one_mapping_reads_every_variant_and_every_score_is_right(
    wiki: tuple[ConfluenceSandbox, SeedResult],
) -> None:
    _sandbox, seed = wiki
    truth = mixed_wiki_workspace()
    result = apply_mapping(load_mapping(seed.mapping), pull(seed), connector="confluence")
    read = result.workspace

    assert [(f.code, f.subject) for f in result.findings] == [
        ("DATA009", seed.ids["meeting-notes"])
    ], [f.message for f in result.findings]
    assert len(read.objectives) == 13 == len(truth.objectives)
    assert len(read.key_results) == len(truth.key_results)

    expected = evaluate(truth, AT)
    got = evaluate(read, AT)
    by_title = {o.title: o.id for o in read.objectives}
    for objective in truth.objectives:
        mine = got.objectives[by_title[objective.title]]
        theirs = expected.objectives[objective.id]
        assert (mine.score, mine.health) == (theirs.score, theirs.health), objective.title
        assert mine.counted_key_results == theirs.counted_key_results, objective.title
    kr_by_title = {k.title: k for k in read.key_results}
    for kr in truth.key_results:
        mine_kr = kr_by_title[kr.title]
        assert (mine_kr.start, mine_kr.current, mine_kr.target) == (kr.start, kr.current, kr.target)
        assert got.key_results[mine_kr.id].score == expected.key_results[kr.id].score, kr.title

    german = next(o for o in read.objectives if o.id == seed.ids[GERMAN_OBJECTIVE])
    assert (german.level, german.kind, german.team) == ("department", "committed", "Logistik")
    assert german.owners and german.parents == (seed.ids["o-company"],)
    children = [k for k in read.key_results if k.objective == seed.ids[CHILD_PAGE_OBJECTIVE]]
    assert {k.id for k in children} == {
        seed.ids[f"{CHILD_PAGE_OBJECTIVE}-kr1"],
        seed.ids[f"{CHILD_PAGE_OBJECTIVE}-kr2"],
    }, "child-page key results keep their own page ids"

    # The check-ins people wrote on the pages: the German table in its own words and number
    # format, the child-page objective's rows naming their key results by links.
    titles = {k.id: k.title for k in read.key_results}
    truth_titles = {k.id: k.title for k in truth.key_results}
    assert sorted(
        (titles[c.key_result], c.at, c.value, c.confidence, c.note, c.who) for c in read.check_ins
    ) == sorted(
        (truth_titles[c.key_result], c.at, c.value, c.confidence, c.note, c.who)
        for c in truth.check_ins
    )


def test_a_sync_writes_one_review_page_per_cycle_and_never_the_meeting_notes(
    wiki: tuple[ConfluenceSandbox, SeedResult], tmp_path: Path
) -> None:
    sandbox, seed = wiki
    notes_version = sandbox.page(seed.ids["meeting-notes"]).version
    document = {
        "state_path": str(tmp_path / "state.db"),
        "sources": {
            "wiki": {
                "connector": "confluence",
                "mapping": str(seed.mapping),
                "options": {**seed.options, "managed_properties": True},
            }
        },
        "logging": {"format": "json"},
    }
    config = tmp_path / "okrsync.toml"
    config.write_text(tomli_w.dumps(document))
    run = okrsync(seed, "sync", "--config", str(config), "--json")
    summary = json.loads(run.stdout)
    assert run.returncode == 0, summary["errors"]
    reviews = [p for p in sandbox.store.all_pages() if "okr-review" in p.labels]
    assert [p.title for p in reviews] == ["OKR Review Q4 2026"]
    assert sandbox.page(seed.ids["meeting-notes"]).version == notes_version
    german = sandbox.page(seed.ids[GERMAN_OBJECTIVE])
    assert german.version > 1, "objective pages get their outputs"


def test_check_reports_coverage_per_mapped_key(wiki: tuple[ConfluenceSandbox, SeedResult]) -> None:
    _sandbox, seed = wiki
    shipped = seed.mapping.read_text(encoding="utf-8")

    def check(text: str) -> dict[str, Problem]:
        connector = ConfluenceConnector(
            ConnectorContext(
                source="wiki",
                options=seed.options,
                mapping=parse_mapping(text),
                env=dict(seed.env),
                sleep=lambda _s: None,
            )
        )
        try:
            return {p.subject: p for p in connector.check()}
        finally:
            connector.close()

    english_only = check(shipped.replace("owners: [Owner, Verantwortlich]", "owners: Owner", 1))
    owners = english_only["objectives.owners"]
    assert owners.severity == "warning"
    assert owners.message == "Owner: 12 of 13 pages; 1 page uses 'Verantwortlich'"
    assert owners.hint.startswith("add 'Verantwortlich' as an alias")

    german_first = check(
        shipped.replace("owners: [Owner, Verantwortlich]", "owners: Verantwortlich", 1)
    )
    owners = german_first["objectives.owners"]
    assert owners.severity == "error", "a mapping following the one German page fails doctor"
    assert owners.message == "Verantwortlich: 1 of 13 pages; 12 pages use 'Owner'"

    assert "objectives.owners" not in check(shipped), "the shipped aliases cover every page"


def test_an_output_named_like_a_key_the_pages_have_is_refused_by_doctor_and_sync(
    wiki: tuple[ConfluenceSandbox, SeedResult], tmp_path: Path
) -> None:
    sandbox, seed = wiki
    text = seed.mapping.read_text(encoding="utf-8")
    text = text.replace("      status: Status", "      # status: Status", 1)
    text = text.replace("    health: Health", "    health: Status", 1)
    mapping = tmp_path / "status-as-output.yaml"
    mapping.write_text(text, encoding="utf-8")
    options = {**seed.options, "managed_properties": True}
    connector = ConfluenceConnector(
        ConnectorContext(
            source="wiki",
            options=options,
            mapping=load_mapping(mapping),
            env=dict(seed.env),
            sleep=lambda _s: None,
        )
    )
    try:
        problems = {p.subject: p for p in connector.check()}
    finally:
        connector.close()
    clash = problems["outputs.objectives.health"]
    assert clash.severity == "error"
    assert "13 pages have their own 'Status'" in clash.message
    assert '`health: "Status (okrsync)"` under outputs.objectives' in clash.hint

    versions = {p.id: p.version for p in sandbox.store.all_pages()}
    document = {
        "state_path": str(tmp_path / "state.db"),
        "sources": {
            "wiki": {"connector": "confluence", "mapping": str(mapping), "options": options}
        },
    }
    config = tmp_path / "okrsync.toml"
    config.write_text(tomli_w.dumps(document))
    run = okrsync(seed, "sync", "--config", str(config))
    assert run.returncode == 2, run.stdout + run.stderr
    assert "second 'Status' row" in run.stdout + run.stderr
    assert {p.id: p.version for p in sandbox.store.all_pages()} == versions, "nothing written"


def test_infer_from_the_command_line_drafts_aliases_and_apply_adds_nothing(
    wiki: tuple[ConfluenceSandbox, SeedResult], tmp_path: Path
) -> None:
    sandbox, seed = wiki
    document = {
        "state_path": str(tmp_path / "state.db"),
        "sources": {
            "confluence": {
                "connector": "confluence",
                "mapping": "my-mapping.yaml",  # not written yet: infer drafts it
                "options": seed.options,
            }
        },
    }
    config = tmp_path / "okrsync.toml"
    config.write_text(tomli_w.dumps(document))
    versions = {p.id: p.version for p in sandbox.store.all_pages()}
    argv = ["mapping", "infer", "--config", str(config), "--source", "confluence"]
    run = okrsync(seed, *argv, "--out", str(tmp_path / "my-mapping.yaml"), "--apply", "--yes")
    assert run.returncode == 0, run.stderr
    assert "nothing to add" in run.stdout, "Confluence outputs live in okrsync's own macro"
    draft = (tmp_path / "my-mapping.yaml").read_text(encoding="utf-8")
    assert 'owners: ["Owner", "Verantwortlich"]' in draft
    assert "1 page: no keys; no key results" in draft
    assert {p.id: p.version for p in sandbox.store.all_pages()} == versions


def test_doctor_prints_coverage_and_fails_a_mapping_that_follows_the_one_german_page(
    wiki: tuple[ConfluenceSandbox, SeedResult], tmp_path: Path
) -> None:
    _sandbox, seed = wiki
    text = seed.mapping.read_text(encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    config = tmp_path / "okrsync.toml"
    document = {
        "state_path": str(tmp_path / "state.db"),
        "sources": {
            "confluence": {"connector": "confluence", "mapping": "m.yaml", "options": seed.options}
        },
    }
    config.write_text(tomli_w.dumps(document))

    def doctor(mapping_text: str) -> subprocess.CompletedProcess[str]:
        mapping.write_text(mapping_text, encoding="utf-8")
        return okrsync(seed, "doctor", "--config", str(config))

    english = doctor(text.replace("owners: [Owner, Verantwortlich]", "owners: Owner", 1))
    assert english.returncode == 0, english.stdout
    assert "objectives.owners: Owner: 12 of 13 pages; 1 page uses 'Verantwortlich'" in (
        english.stdout
    )
    assert "doctor: no errors; the warnings above are worth a look" in english.stdout
    german = doctor(text.replace("owners: [Owner, Verantwortlich]", "owners: Verantwortlich", 1))
    assert german.returncode == 2, german.stdout
    assert "[error] confluence: objectives.owners: Verantwortlich: 1 of 13 pages" in german.stdout
