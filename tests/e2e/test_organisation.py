"""One organisation across two tools, through the real SDKs against both sandboxes.

Product teams keep their objectives in a Notion database; the company objective lives in the
Confluence wiki, where the OKR Master reads the review. Each team objective is aligned to the
wiki page by its URL, kept in a Notion URL property. One config reads both sources and
publishes the organisation's review to Confluence through a review destination.

Also the collision cases: two writers of one page are refused at load, in `doctor` and before
anything is written; a page a person made with the review's title, or a page okrsync made for
another writer, is refused, never overwritten, and losing the state store changes none of it.
"""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import notion_client
import pytest
import tomli_w
import yaml
from atlassian import Confluence

from okrsync.config import load_config
from okrsync.errors import ConfigError, ExitCode
from okrsync.log import Redactor, make_logger
from okrsync.model import KeyResult, Objective, Person, Workspace
from okrsync.sandbox import Sandbox, SeedResult, load_sandbox
from okrsync.sync import SyncSummary, run_lint, run_sync
from tests.cli.conftest import ROOT, cli_env, okrsync_argv
from tests.reliability.conftest import quarter

TODAY = date.today()


CYCLE = quarter(TODAY)
PEOPLE = (Person(id="u-ana", name="Ana Ruiz"), Person(id="u-bo", name="Bo Chen"))
STAMP = datetime.combine(TODAY - timedelta(days=1), datetime.min.time(), tzinfo=UTC)


def kr(kr_id: str, objective: str, title: str, current: float) -> KeyResult:
    return KeyResult(
        id=kr_id,
        objective=objective,
        title=title,
        start=0,
        target=100,
        current=current,
        owners=("u-ana",),
        updated_at=STAMP,
    )


WIKI = Workspace(
    cycles=(CYCLE,),
    people=PEOPLE,
    objectives=(
        Objective(
            id="o-co",
            title="Win the market",
            level="company",
            cycle=CYCLE.id,
            kind="committed",
            owners=("u-ana",),
        ),
    ),
    key_results=(kr("kr-rev", "o-co", "Grow revenue", 40),),
)
PRODUCT = Workspace(
    cycles=(CYCLE,),
    people=PEOPLE,
    objectives=(
        Objective(id="o-eng", title="Ship faster", team="Eng", cycle=CYCLE.id, owners=("u-bo",)),
        Objective(id="o-ops", title="Keep it up", team="Ops", cycle=CYCLE.id, owners=("u-bo",)),
    ),
    key_results=(
        kr("kr-lead", "o-eng", "Cut lead time", 50),
        kr("kr-up", "o-ops", "Raise uptime", 70),
    ),
)
PARENT_PROPERTY = "Company objective"


@dataclass
class Org:
    root: Path
    notion: Sandbox
    confluence: Sandbox
    seeds: dict[str, SeedResult]
    wiki_url: str

    @property
    def env(self) -> dict[str, str]:
        return {**self.seeds["notion"].env, **self.seeds["confluence"].env}

    @property
    def state(self) -> Path:
        return self.root / "state.db"

    def wiki_options(self, **extra: Any) -> dict[str, Any]:
        options = dict(self.seeds["confluence"].options)
        options.update(extra)
        return options

    def destination(self, **extra: Any) -> dict[str, Any]:
        wiki = self.seeds["confluence"].options
        options = {k: wiki[k] for k in ("url", "deployment", "username_env", "token_env")}
        options.update(space=wiki["space"], review_parent=wiki["review_parent"], **extra)
        return {"connector": "confluence", "options": options}

    def config(
        self,
        *,
        wiki_reviews: bool = False,
        product_reviews: bool = True,
        destinations: dict[str, Any] | None = None,
        name: str = "okrsync.toml",
        **top: Any,
    ) -> Path:
        mapping = self.root / "notion-mapping.yaml"
        data = yaml.safe_load(self.seeds["notion"].mapping.read_text(encoding="utf-8"))
        data["collections"]["objectives"]["fields"]["parents"] = PARENT_PROPERTY
        mapping.write_text(yaml.safe_dump(data), encoding="utf-8")
        notion_options = dict(self.seeds["notion"].options, requests_per_second=1000)
        document: dict[str, Any] = {
            "state_path": str(self.state),
            "sources": {
                "product": {
                    "connector": "notion",
                    "mapping": str(mapping),
                    "options": notion_options,
                    "writeback": {"reviews": product_reviews},
                },
                "wiki": {
                    "connector": "confluence",
                    "mapping": str(self.seeds["confluence"].mapping),
                    "options": self.wiki_options(),
                    "writeback": {"reviews": wiki_reviews},
                },
            },
            "logging": {"format": "json", "level": "warning"},
            **top,
        }
        if destinations is None:
            destinations = {"okr-master": self.destination()}
        if destinations:
            document["destinations"] = destinations
        path = self.root / name
        path.write_text(tomli_w.dumps(document), encoding="utf-8")
        return path

    def logger(self, path: Path) -> Any:
        config = load_config(path)
        redactor = Redactor.from_env(config.secret_env_names(), self.env)
        return make_logger(config.logging, redactor=redactor, stream=io.StringIO())

    def sync(self, path: Path, **kwargs: Any) -> SyncSummary:
        return run_sync(load_config(path), env=self.env, log=self.logger(path), **kwargs)

    def cli(self, *argv: str) -> subprocess.CompletedProcess[str]:
        """`okrsync <argv>` as a subprocess, with the sandboxes' credentials."""
        return subprocess.run(
            okrsync_argv(*argv),
            capture_output=True,
            text=True,
            env=cli_env(self.env),
            cwd=ROOT,
            timeout=120,
        )

    def wiki(self) -> Confluence:
        options = self.seeds["confluence"].options
        return Confluence(
            url=options["url"],
            username=self.env[options["username_env"]],
            password=self.env[options["token_env"]],
            cloud=False,  # the v1 REST API, which the Cloud sandbox serves as Cloud does
        )

    def reviews(self) -> dict[str, str]:
        """Title -> storage body of every page under the wiki's "OKR Reviews" page."""
        wiki = self.wiki()
        parent = self.seeds["confluence"].options["review_parent"]
        found: dict[str, str] = {}
        for child in wiki.get_page_child_by_type(parent, type="page"):
            page = wiki.get_page_by_id(child["id"], expand="body.storage")
            found[page["title"]] = page["body"]["storage"]["value"]
        return found


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    notion = load_sandbox("notion")(port=0)
    confluence = load_sandbox("confluence")(port=0)
    notion.start()
    confluence.start()
    try:
        seeds = {"notion": notion.seed(PRODUCT), "confluence": confluence.seed(WIKI)}
        page_id = seeds["confluence"].ids["o-co"]
        wiki_url = f"{seeds['confluence'].options['url']}/spaces/OKR/pages/{page_id}/Win+the+market"
        align_in_notion(seeds["notion"], wiki_url)
        yield Org(tmp_path, notion, confluence, seeds, wiki_url)
    finally:
        notion.stop()
        confluence.stop()


def align_in_notion(seed: SeedResult, wiki_url: str) -> None:
    """Add a URL property to the Objectives database and point both team objectives at the
    wiki page, as a team would, through the Notion SDK."""
    client = notion_client.Client(
        auth=next(iter(seed.env.values())),
        base_url=seed.options["base_url"],
        notion_version="2025-09-03",
    )
    database = client.databases.retrieve(seed.options["databases"]["objectives"])
    data_source = database["data_sources"][0]["id"]
    client.data_sources.update(data_source, properties={PARENT_PROPERTY: {"url": {}}})
    for objective in ("o-eng", "o-ops"):
        client.pages.update(seed.ids[objective], properties={PARENT_PROPERTY: {"url": wiki_url}})


# --------------------------------------------------------------------------- the organisation


def test_two_tools_one_organisation_one_review_in_the_wiki(org: Org) -> None:
    path = org.config()
    first = org.sync(path)
    assert first.exit_code == 0, first.errors
    assert set(first.sources) == {"product", "wiki", "okr-master"}
    assert first.sources["okr-master"].writes == 1

    lint = run_lint(load_config(path), env=org.env, log=org.logger(path))
    codes = {f.code for found in lint.findings.values() for f in found}
    assert "ALN005" not in codes
    review = lint.reviews["product"]
    by_title = {o.title: o for o in review.workspace.objectives}
    wiki_page = org.seeds["confluence"].ids["o-co"]
    assert by_title["Ship faster"].parents == (wiki_page,)
    assert by_title["Keep it up"].parents == (wiki_page,)
    assert [c.id for c in review.workspace.cycles] == [CYCLE.id]  # one quarter, two tools

    reviews = org.reviews()
    assert list(reviews) == [f"OKR Review {CYCLE.name}"]
    body = reviews[f"OKR Review {CYCLE.name}"]
    for title in ("Win the market", "Ship faster", "Keep it up"):
        assert title in body

    again = org.sync(path)
    assert again.exit_code == 0 and again.writes == 0


def test_a_source_that_fails_alone_keeps_its_objectives_in_the_review(org: Org) -> None:
    path = org.config()
    assert org.sync(path).exit_code == 0
    before = org.reviews()
    org.confluence.set_faults(None)
    broken = dict(org.env)
    broken[org.seeds["notion"].options["token_env"]] = "secret_wrong"
    summary = run_sync(load_config(path), env=broken, log=org.logger(path))
    assert summary.sources["product"].exit_code == int(ExitCode.AUTH)
    assert summary.sources["wiki"].exit_code == 0
    assert summary.sources["okr-master"].exit_code == 0
    assert org.reviews() == before  # the product teams' objectives came from the cache


def test_doctor_checks_the_sources_and_the_destination(org: Org) -> None:
    done = org.cli("doctor", "--config", str(org.config()))
    assert done.returncode == 0, done.stdout + done.stderr
    for line in ("source product: ok", "source wiki: ok", "destination okr-master: ok"):
        assert line in done.stdout


# --------------------------------------------------------------------------- never overwrite


def test_two_writers_of_one_page_are_refused_at_load_and_in_doctor(org: Org) -> None:
    path = org.config(wiki_reviews=True)  # the wiki source and the destination: one space
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert any("sources.wiki and destinations.okr-master" in p for p in caught.value.problems)
    for argv in (["doctor"], ["sync", "--dry-run"]):
        done = org.cli(*argv, "--config", str(path))
        assert done.returncode == int(ExitCode.CONFIG), done.stderr
        assert "sources.wiki and destinations.okr-master" in done.stderr + done.stdout
    assert org.reviews() == {}
    assert not org.state.exists()


def test_titles_that_meet_only_when_rendered_are_refused_before_any_write(org: Org) -> None:
    """Different templates, same page: "{cycle}" and "{cycle}{team}" for the organisation's
    review (no team). The load check cannot see it; the plan check can."""
    path = org.config(
        wiki_reviews=True,
        destinations={
            "okr-master": org.destination() | {"review_title": "OKR Review {cycle}{team}"}
        },
    )
    for dry_run in (True, False):
        summary = org.sync(path, dry_run=dry_run)
        assert summary.exit_code == int(ExitCode.CONFIG)
        assert summary.writes == 0
        assert any("would both write" in e for e in summary.errors)
    assert org.reviews() == {}


def test_a_persons_page_with_the_title_is_refused_even_after_state_loss(org: Org) -> None:
    wiki = org.wiki()
    parent = org.seeds["confluence"].options["review_parent"]
    title = f"OKR Review {CYCLE.name}"
    mine = wiki.create_page("OKR", title, "<p>My own notes for the board</p>", parent_id=parent)
    path = org.config()
    for _ in range(2):
        summary = org.sync(path)
        master = summary.sources["okr-master"]
        assert master.failed_writes == 1 and summary.exit_code == int(ExitCode.PARTIAL)
        assert any("does not overwrite" in e and "review_title" in e for e in master.errors)
        assert org.reviews()[title] == "<p>My own notes for the board</p>"
        assert summary.sources["product"].exit_code == 0  # the refusal costs no other writer
        org.state.unlink()  # losing the state store changes nothing
    assert wiki.get_page_by_id(mine["id"])["version"]["number"] == 1


def test_a_page_okrsync_wrote_for_another_writer_is_refused(org: Org) -> None:
    path = org.config()
    assert org.sync(path).exit_code == 0
    title = f"OKR Review {CYCLE.name}"
    written = org.reviews()[title]
    # The operator renames the destination: the page's marker still names "okr-master".
    renamed = org.config(destinations={"board": org.destination()}, name="renamed.toml")
    for _ in range(2):
        summary = org.sync(renamed)
        board = summary.sources["board"]
        assert board.failed_writes == 1
        assert any("'okr-master', not for 'board'" in e for e in board.errors)
        assert org.reviews() == {title: written}
        org.state.unlink()


def test_a_notion_page_receives_the_review_when_notion_is_only_a_destination(org: Org) -> None:
    notion = org.seeds["notion"].options
    destination = {
        "connector": "notion",
        "options": {
            "base_url": notion["base_url"],
            "token_env": notion["token_env"],
            "review_parent": notion["review_parent"],
        },
    }
    # The product source writing its own review under the same parent would be a collision.
    with pytest.raises(ConfigError) as caught:
        load_config(org.config(destinations={"notion-copy": destination}))
    assert any("sources.product and destinations.notion-copy" in p for p in caught.value.problems)
    path = org.config(destinations={"notion-copy": destination}, product_reviews=False)
    summary = org.sync(path)
    assert summary.exit_code == 0, summary.errors
    assert summary.sources["notion-copy"].writes == 1
    client = notion_client.Client(
        auth=org.env[notion["token_env"]], base_url=notion["base_url"], notion_version="2025-09-03"
    )
    pages = [
        b
        for b in client.blocks.children.list(notion["review_parent"])["results"]
        if b["type"] == "child_page"
    ]
    assert [p["child_page"]["title"] for p in pages] == [f"OKR Review {CYCLE.name}"]
    first = client.blocks.children.list(pages[0]["id"])["results"][0]
    marker = "".join(t["plain_text"] for t in first["paragraph"]["rich_text"])
    assert marker.startswith(f"okrsync:review:notion-copy:{CYCLE.id} hash=")
