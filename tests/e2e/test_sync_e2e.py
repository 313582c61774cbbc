"""`okrsync sync` as a subprocess against the seeded Notion sandbox (real HTTP on loopback).

Covers the operator's promises end to end: a full sync writes every output, a second run writes
nothing, a page edited between runs changes exactly its own outputs, and a run stopped by
SIGTERM mid-way resumes to the same final state as an uninterrupted run, without duplicates.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import tomli_w

from okrsync.errors import ExitCode
from okrsync.model import Cycle, KeyResult, Objective, Person, Workspace
from okrsync.sandbox import FaultPlan, Sandbox, SeedResult, load_sandbox
from tests.cli.conftest import ROOT, cli_env, log_until, okrsync_argv, start_okrsync

NOTION_VERSION = "2025-09-03"
OUTPUTS = ("Score", "Health", "Warnings")


def small_company(today: date) -> Workspace:
    """Two teams, one running cycle, a handful of OKRs of every kind (fast to sync)."""
    cycle = Cycle(
        id="q-now", name="Q now", start=today - timedelta(days=30), end=today + timedelta(days=60)
    )
    people = (Person(id="u-ana", name="Ana Ruiz"), Person(id="u-bo", name="Bo Chen"))
    objectives = (
        Objective(
            id="o-co",
            title="Win the market",
            level="company",
            cycle="q-now",
            kind="committed",
            owners=("u-ana",),
        ),
        Objective(
            id="o-eng",
            title="Ship faster",
            level="team",
            team="Eng",
            cycle="q-now",
            parents=("o-co",),
            owners=("u-bo",),
        ),
        Objective(
            id="o-ops",
            title="Keep it up",
            level="team",
            team="Ops",
            cycle="q-now",
            parents=("o-co",),
            owners=("u-ana",),
        ),
    )
    stamp = datetime.combine(today - timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    key_results = (
        KeyResult(
            id="kr-rev",
            objective="o-co",
            title="Grow revenue from 10 to 20",
            start=10,
            target=20,
            current=14,
            unit="M",
            owners=("u-ana",),
            updated_at=stamp,
        ),
        KeyResult(
            id="kr-lead",
            objective="o-eng",
            title="Cut lead time from 10 to 4 days",
            start=10,
            target=4,
            current=8,
            owners=("u-bo",),
            updated_at=stamp,
        ),
        KeyResult(
            id="kr-deploy",
            objective="o-eng",
            title="Deploys per week from 2 to 10",
            start=2,
            target=10,
            current=6,
            owners=("u-bo",),
            updated_at=stamp,
        ),
        KeyResult(
            id="kr-up",
            objective="o-ops",
            title="Keep uptime at least 99.9",
            kind="at_least",
            start=99.9,
            target=99.9,
            current=99.95,
            unit="%",
            updated_at=stamp,
        ),
        KeyResult(
            id="kr-pager",
            objective="o-ops",
            title="Launch the new pager",
            kind="milestone",
            target=1,
            current=0,
            updated_at=stamp,
        ),
    )
    return Workspace(cycles=(cycle,), objectives=objectives, key_results=key_results, people=people)


@dataclass
class Seeded:
    sandbox: Sandbox
    seed: SeedResult
    config: Path
    workspace: Workspace

    def env(self) -> dict[str, str]:
        return cli_env(self.seed.env)

    def client(self) -> httpx.Client:
        token = next(iter(self.seed.env.values()))
        return httpx.Client(
            base_url=self.sandbox.base_url,
            headers={"Authorization": f"Bearer {token}", "Notion-Version": NOTION_VERSION},
            timeout=10,
        )

    def sync(self, *extra: str) -> tuple[int, dict[str, Any]]:
        result = subprocess.run(
            okrsync_argv("sync", "--config", str(self.config), "--json", *extra),
            capture_output=True,
            text=True,
            env=self.env(),
            cwd=ROOT,
            timeout=120,
        )
        assert result.stdout, result.stderr[-3000:]
        return result.returncode, json.loads(result.stdout)

    def outputs(self) -> dict[str, dict[str, Any]]:
        """Score/Health/Warnings of every objective and key result, by canonical id."""
        found: dict[str, dict[str, Any]] = {}
        with self.client() as http:
            ids = [o.id for o in self.workspace.objectives]
            ids += [kr.id for kr in self.workspace.key_results]
            for canonical in ids:
                page = http.get(f"/v1/pages/{self.seed.ids[canonical]}").json()
                props = page["properties"]
                found[canonical] = {name: _plain(props.get(name)) for name in OUTPUTS}
        return found

    def review_titles(self) -> list[str]:
        """Titles of the child pages under the review parent (duplicates would show twice)."""
        parent = self.seed.options["review_parent"]
        with self.client() as http:
            blocks = http.get(f"/v1/blocks/{parent}/children", params={"page_size": 100}).json()
        return sorted(
            b["child_page"]["title"] for b in blocks["results"] if b["type"] == "child_page"
        )

    def set_number(self, canonical_id: str, prop: str, value: float) -> None:
        with self.client() as http:
            answer = http.patch(
                f"/v1/pages/{self.seed.ids[canonical_id]}",
                json={"properties": {prop: {"number": value}}},
            )
            assert answer.status_code == 200, answer.text


def tomli_w_load(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text())


def _plain(prop: dict[str, Any] | None) -> Any:
    if prop is None:
        return None
    kind = prop["type"]
    value = prop[kind]
    if kind == "select":
        return value["name"] if value else None
    if kind == "rich_text":
        return "".join(part["plain_text"] for part in value)
    return value


def seeded(tmp_path: Path, name: str) -> Seeded:
    sandbox = load_sandbox("notion")()
    sandbox.start()
    workspace = small_company(date.today())
    seed = sandbox.seed(workspace)
    options = {**seed.options, "requests_per_second": 500}
    document = {
        "state_path": str(tmp_path / f"{name}-state.db"),
        "sources": {
            "notion": {"connector": "notion", "mapping": str(seed.mapping), "options": options}
        },
        "logging": {"format": "json"},
    }
    config = tmp_path / f"{name}.toml"
    config.write_text(tomli_w.dumps(document))
    return Seeded(sandbox, seed, config, workspace)


@pytest.fixture
def notion(tmp_path: Path) -> Iterator[Seeded]:
    env = seeded(tmp_path, "a")
    yield env
    env.sandbox.stop()


def applied(summary: dict[str, Any]) -> set[str]:
    return {
        o["target"]
        for o in summary["sources"]["notion"]["write_outcomes"]
        if o["status"] == "applied"
    }


def test_full_sync_then_nothing_to_write(notion: Seeded) -> None:
    dry_code, dry = notion.sync("--dry-run")
    assert dry_code == 0 and dry["writes"] == 0 and dry["planned_writes"] > 0
    assert all(v["Score"] is None for v in notion.outputs().values())  # dry run wrote nothing

    code, first = notion.sync()
    assert code == 0, first["errors"]
    assert first["writes"] >= len(notion.workspace.objectives) + len(notion.workspace.key_results)
    outputs = notion.outputs()
    assert outputs["kr-rev"]["Score"] == 0.4
    assert all(v["Health"] for v in outputs.values())
    assert notion.review_titles() == ["OKR Review Q now"]

    code, second = notion.sync()
    assert code == 0 and second["writes"] == 0, applied(second)
    assert notion.review_titles() == ["OKR Review Q now"]
    # The data sources resolved by the first sync are kept: no id or schema lookup again.
    endpoints = second["sources"]["notion"]["requests"]["by_endpoint"]
    assert endpoints.get("data_sources.query", 0) >= 1
    assert not {"databases.retrieve", "data_sources.retrieve"} & set(endpoints), endpoints

    # Losing the state store costs a full re-read, never a duplicate or a rewrite of an OKR
    # page. The value history went with it (this workspace keeps no check-ins database), so
    # the review page's charts are drawn again from the values the workspace still dates: the
    # review page is the one write, in place.
    state = Path(tomli_w_load(notion.config)["state_path"])
    for path in state.parent.glob(state.name + "*"):
        path.unlink()
    code, third = notion.sync()
    assert code == 0 and applied(third) <= {
        o["target"]
        for o in first["sources"]["notion"]["write_outcomes"]
        if o["target"].startswith("notion:review:")
    }, applied(third)
    assert notion.review_titles() == ["OKR Review Q now"]


def test_an_edited_page_changes_exactly_its_own_outputs(notion: Seeded) -> None:
    assert notion.sync()[0] == 0
    before = notion.outputs()
    notion.set_number("kr-deploy", "Current Value", 10)
    code, summary = notion.sync()
    assert code == 0, summary["errors"]
    kr_page = f"notion:page:{notion.seed.ids['kr-deploy']}"
    objective_page = f"notion:page:{notion.seed.ids['o-eng']}"
    written = applied(summary)
    assert kr_page in written
    names = {f"notion:page:{page}": canonical for canonical, page in notion.seed.ids.items()}
    check_in = f"notion:check-in:{notion.seed.ids['kr-deploy']}:"
    others = {names.get(t, t) for t in written - {kr_page, objective_page}}
    # besides the review pages, one new row in the check-ins database: the moved value
    assert sum(t.startswith(check_in) for t in others) == 1, others
    assert all(t.startswith(("notion:review:", check_in)) for t in others), (others, summary)
    after = notion.outputs()
    changed = {k for k in after if after[k] != before[k]}
    assert changed <= {"kr-deploy", "o-eng"} and "kr-deploy" in changed
    assert after["kr-deploy"]["Score"] == 1.0
    code, settled = notion.sync()
    assert code == 0 and settled["writes"] == 0, applied(settled)


def _sync_with_mapping(
    notion: Seeded, mapping_text: str, tmp: Path
) -> subprocess.CompletedProcess[str]:
    """`okrsync sync` with the config pointed at another mapping file."""
    mapping = tmp / "broken-mapping.yaml"
    mapping.write_text(mapping_text)
    document = tomli_w_load(notion.config)
    document["sources"]["notion"]["mapping"] = str(mapping)
    config = tmp / "broken.toml"
    config.write_text(tomli_w.dumps(document))
    return subprocess.run(
        okrsync_argv("sync", "--config", str(config)),
        capture_output=True,
        text=True,
        env=notion.env(),
        cwd=ROOT,
        timeout=120,
    )


def test_a_broken_mapping_stops_before_anything_is_written(notion: Seeded, tmp_path: Path) -> None:
    shipped = notion.seed.mapping.read_text()
    # Mistakes the file itself shows: every one named with file, line, key and a fix.
    typo = shipped.replace("      current: Current Value", "      currnet: Current Value")
    typo = typo.replace("Committed: committed", "Committed: comitted")
    result = _sync_with_mapping(notion, typo, tmp_path)
    assert result.returncode == ExitCode.CONFIG, result.stderr
    assert "broken-mapping.yaml:" in result.stderr
    assert 'currnet: not a canonical field — did you mean "current"' in result.stderr
    assert "'comitted'" in result.stderr
    # A property the live database does not have: refused before a row is read.
    wrong = shipped.replace("      title: Key Result ", "      title: Key Results ")
    assert wrong != shipped
    result = _sync_with_mapping(notion, wrong, tmp_path)
    assert result.returncode == ExitCode.CONFIG, result.stderr
    assert "reads property 'Key Results'" in result.stdout + result.stderr
    assert "okrsync doctor" in result.stdout + result.stderr
    assert all(v["Score"] is None for v in notion.outputs().values()), "nothing was written"
    # An output property the database lacks would fail every write: refused the same way.
    renamed = shipped.replace("    warnings: Warnings", "    warnings: Hinweise", 1)
    assert renamed != shipped
    result = _sync_with_mapping(notion, renamed, tmp_path)
    assert result.returncode == ExitCode.CONFIG, result.stderr
    assert "output property 'Hinweise' (rich_text) is missing" in result.stdout + result.stderr
    assert "--apply" in result.stdout + result.stderr
    assert all(v["Score"] is None for v in notion.outputs().values()), "nothing was written"


def test_a_bad_value_on_a_german_source_is_warned_in_german_on_its_page(notion: Seeded) -> None:
    document = tomli_w_load(notion.config)
    document["language"] = "de"
    notion.config.write_text(tomli_w.dumps(document))
    notion.set_number("kr-rev", "Confidence", 500)  # no confidence on any scale
    code, summary = notion.sync()
    assert code == 0, summary["errors"]
    warnings = notion.outputs()["kr-rev"]["Warnings"]
    assert warnings.startswith("⚠ DATA001 Schlüsselergebnis „"), warnings
    assert (
        "Quellfeld „Confidence“ (confidence): Der Wert 500 ist nicht lesbar; erwartet: "
        "eine Zuversicht (0–1, eine Einschätzung von 1 bis 10 oder ein Prozentwert wie 70 %)"
    ) in warnings
    assert "which is not" not in warnings and "key result" not in warnings
    assert notion.outputs()["kr-rev"]["Score"] == 0.4  # the rest of the page still scored


def test_an_output_edited_by_hand_is_restored_at_the_next_sync(notion: Seeded) -> None:
    assert notion.sync()[0] == 0
    before = notion.outputs()
    notion.set_number("kr-deploy", "Score", 0.9)  # someone types over okrsync's score
    assert notion.outputs()["kr-deploy"]["Score"] == 0.9
    code, summary = notion.sync()
    assert code == 0, summary["errors"]
    assert applied(summary) == {f"notion:page:{notion.seed.ids['kr-deploy']}"}
    assert notion.outputs() == before
    code, settled = notion.sync()
    assert code == 0 and settled["writes"] == 0, applied(settled)


def test_sigterm_mid_run_then_resume_matches_an_uninterrupted_run(
    notion: Seeded, tmp_path: Path
) -> None:
    oracle = seeded(tmp_path, "oracle")
    try:
        assert oracle.sync()[0] == 0
        expected = oracle.outputs()
        expected_reviews = oracle.review_titles()
    finally:
        oracle.sandbox.stop()

    notion.sandbox.set_faults(FaultPlan(rates={"slow": 1.0}, methods=("PATCH",), slow_seconds=0.3))
    proc = start_okrsync("sync", "--config", str(notion.config), env=notion.env())
    log_until(proc, "write")  # wait for the first confirmed write
    proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    assert proc.wait(timeout=30) == ExitCode.INTERRUPTED
    assert time.monotonic() - started < 10
    partial = notion.outputs()
    assert any(v["Score"] is None for v in partial.values())  # it really stopped early

    notion.sandbox.set_faults(None)
    code, resumed = notion.sync()
    assert code == 0, resumed["errors"]
    assert notion.outputs() == expected
    assert notion.review_titles() == expected_reviews
    assert notion.sync()[1]["writes"] == 0


def test_confluence_full_sync_then_nothing_to_write(tmp_path: Path) -> None:
    sandbox = load_sandbox("confluence")()
    sandbox.start()
    try:
        seed = sandbox.seed(small_company(date.today()))
        document = {
            "state_path": str(tmp_path / "state.db"),
            "sources": {
                "wiki": {
                    "connector": "confluence",
                    "mapping": str(seed.mapping),
                    "options": seed.options,
                }
            },
            "logging": {"format": "json"},
        }
        config = tmp_path / "okrsync.toml"
        config.write_text(tomli_w.dumps(document))
        argv = okrsync_argv("sync", "--config", str(config), "--json")
        runs = [
            subprocess.run(
                argv, capture_output=True, text=True, env=cli_env(seed.env), cwd=ROOT, timeout=120
            )
            for _ in range(2)
        ]
        first, second = (json.loads(r.stdout) for r in runs)
        assert runs[0].returncode == 0, first["errors"]
        assert first["reads"] > 0 and first["writes"] > 0
        assert runs[1].returncode == 0 and second["writes"] == 0
        assert second["skipped_writes"] + second["unchanged_writes"] >= 1
    finally:
        sandbox.stop()
