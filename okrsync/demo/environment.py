"""The demo environment: both sandboxes on loopback, seeded with Northwind, and a config for them.

Northwind keeps its OKRs in two tools, as many companies do: most of the company in a Notion
database, and two departments (Customer Success, People & Operations, with their teams) in the
Confluence wiki. The config reads both as one organisation; the Notion source writes the
organisation's review into Notion, and a review destination publishes the same review to the
wiki's "OKR Reviews" page for the OKR Master.

Used by `okrsync demo` (which then syncs twice) and `okrsync sandbox serve` (which keeps the
sandboxes running so a person can point their own config at them). Sandboxes are found through
the `okrsync.sandboxes` entry points, so the core never imports a connector package.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import tomli_w

from okrsync.demo.company import demo_company
from okrsync.demo.notifications import DemoReceivers, start_receivers
from okrsync.i18n import SOURCE_LANGUAGE
from okrsync.model import Workspace
from okrsync.sandbox import Sandbox, SeedResult, load_sandbox

DEMO_SOURCES = ("notion", "confluence")
SANDBOX_REQUESTS_PER_SECOND = 200.0
WIKI_DEPARTMENTS = frozenset({"Customer Success", "People & Operations"})
DESTINATION = "okr-master"


@dataclass
class DemoEnvironment:
    """Running sandboxes, what seeding them produced, and the config that reads them."""

    workspace: Workspace
    sandboxes: dict[str, Sandbox]
    seeds: dict[str, SeedResult]
    config_path: Path
    env: dict[str, str] = field(default_factory=dict)
    receivers: DemoReceivers | None = None

    def replay(self, workspace: Workspace) -> None:
        """People at work: bring every sandbox to `workspace` (seeding again edits the pages
        whose values changed and adds the new check-ins, as their owners would)."""
        parts = split_by_tool(workspace) if set(self.sandboxes) == set(DEMO_SOURCES) else {}
        for name, sandbox in self.sandboxes.items():
            sandbox.seed(parts.get(name, workspace))

    def stop(self) -> None:
        for sandbox in self.sandboxes.values():
            sandbox.stop()
        if self.receivers is not None:
            self.receivers.stop()

    def save_state(self, out: Path) -> list[Path]:
        """Write each sandbox's whole state as JSON, and Confluence pages as plain HTML views."""
        written = []
        for name, sandbox in self.sandboxes.items():
            path = out / f"{name}-sandbox.json"
            sandbox.save(path)
            written.append(path)
            views = sandbox.render_html()
            if views:
                folder = out / f"{name}-pages"
                folder.mkdir(exist_ok=True)
                for title, body in sorted(views.items()):
                    page = folder / f"{_file_name(title)}.html"
                    page.write_text(body, encoding="utf-8")
                    written.append(page)
        return written


def _file_name(title: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "-_ " else "-" for ch in title).strip()
    return cleaned.replace(" ", "-")[:80] or "page"


def split_by_tool(workspace: Workspace) -> dict[str, Workspace]:
    """Northwind as it is kept: the wiki departments' objectives (and their teams') in
    Confluence, everything else in Notion. A tool's seed can only link pages it holds, so
    alignment to an objective kept in the other tool is left out of the seed."""
    by_id = workspace.objective_by_id()

    def in_wiki(objective_id: str, seen: frozenset[str] = frozenset()) -> bool:
        objective = by_id.get(objective_id)
        if objective is None or objective_id in seen:
            return False
        if objective.level == "department" and objective.team in WIKI_DEPARTMENTS:
            return True
        return any(in_wiki(p, seen | {objective_id}) for p in objective.parents)

    wiki = {o.id for o in workspace.objectives if in_wiki(o.id)}
    parts: dict[str, Workspace] = {}
    for tool, keep in (("confluence", True), ("notion", False)):
        objectives = [o for o in workspace.objectives if (o.id in wiki) == keep]
        ids = {o.id for o in objectives}
        key_results = [k for k in workspace.key_results if k.objective in ids]
        kr_ids = {k.id for k in key_results}
        parts[tool] = workspace.model_copy(
            update={
                "objectives": tuple(
                    o.model_copy(update={"parents": tuple(p for p in o.parents if p in ids)})
                    for o in objectives
                ),
                "key_results": tuple(key_results),
                "check_ins": tuple(c for c in workspace.check_ins if c.key_result in kr_ids),
            }
        )
    return parts


def config_document(
    seeds: dict[str, SeedResult], out: Path, language: str = SOURCE_LANGUAGE
) -> dict[str, Any]:
    """The okrsync.toml content for the seeded sandboxes (every source writes back: its OKR
    pages' outputs and its reviews), its pages in `language`."""
    sources: dict[str, Any] = {}
    for name, seed in seeds.items():
        options = dict(seed.options)
        if seed.connector == "notion":
            # The sandbox does not rate-limit; real Notion needs the default of 3 per second.
            options.setdefault("requests_per_second", SANDBOX_REQUESTS_PER_SECOND)
        if seed.connector == "confluence":
            # Score, Health and Warnings on each objective page, as the Notion pages show them
            # (okrsync's own Page Properties box, right below the page's own).
            options.setdefault("managed_properties", True)
        sources[name] = {
            "connector": seed.connector,
            "mapping": str(seed.mapping.resolve()),
            "options": options,
            "writeback": {"pages": True, "reviews": True, "per_team": True},
        }
    destinations: dict[str, Any] = {}
    if "notion" in seeds and "confluence" in seeds:
        # One organisation: Notion keeps its review in Notion; the wiki's copy of the same review
        # is published by a destination, so the Confluence source writes no review of its own.
        sources["confluence"]["writeback"]["reviews"] = False
        wiki = seeds["confluence"].options
        destinations[DESTINATION] = {
            "connector": "confluence",
            "options": {
                key: wiki[key]
                for key in ("url", "deployment", "username_env", "token_env", "space")
                if key in wiki
            }
            | {"review_parent": wiki["review_parent"]},
        }
    return {
        **({"language": language} if language != SOURCE_LANGUAGE else {}),
        "state_path": str((out / "state.db").resolve()),
        "sources": sources,
        **({"destinations": destinations} if destinations else {}),
        "schedule": {"interval": 300, "jitter": 10},
        "logging": {"level": "info", "format": "auto"},
    }


def demo_clock(
    today: date, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> Callable[[], datetime]:
    """The real clock moved by whole days so that it reads `today`: the company is seeded as
    of `today`, and judging it (or timing its digests) on another day would be wrong."""
    shift = timedelta(days=(today - now().date()).days)
    return lambda: now() + shift


def start_demo_environment(
    out: Path,
    *,
    today: date,
    ports: dict[str, int] | None = None,
    sources: tuple[str, ...] = DEMO_SOURCES,
    workspace: Workspace | None = None,
    clock: Callable[[], float] | None = None,
    language: str = SOURCE_LANGUAGE,
) -> DemoEnvironment:
    """Start and seed the sandboxes and write `out/okrsync.toml`.

    `workspace` is what to seed (default: Northwind as of `today`); `clock` (epoch seconds) is
    the sandboxes' clock (default: the real one), which the demo moves week by week.
    The sandbox credentials come back in `DemoEnvironment.env`; callers pass them to the sync as
    its environment (okrsync reads every secret from environment variables, as in production).
    """
    out.mkdir(parents=True, exist_ok=True)
    workspace = workspace or demo_company(today)
    parts = split_by_tool(workspace) if set(sources) == set(DEMO_SOURCES) else {}
    sandboxes: dict[str, Sandbox] = {}
    seeds: dict[str, SeedResult] = {}
    env: dict[str, str] = {}
    try:
        for name in sources:
            factory = load_sandbox(name)
            port = (ports or {}).get(name, 0)
            sandbox = factory(port=port, clock=clock) if clock else factory(port=port)
            sandbox.language = language
            sandbox.start()
            sandboxes[name] = sandbox
            seeds[name] = sandbox.seed(parts.get(name, workspace))
            env.update(seeds[name].env)
        receivers = start_receivers(workspace, now=demo_clock(today)())
    except BaseException:
        for sandbox in sandboxes.values():
            sandbox.stop()
        raise
    env.update(receivers.env)
    config_path = out / "okrsync.toml"
    document = {**config_document(seeds, out, language), "notify": receivers.settings}
    header = (
        "# okrsync config for the demo sandboxes, written by `okrsync demo`.\n"
        "# Credentials are read from the environment variables named by the *_env options.\n"
    )
    config_path.write_text(header + tomli_w.dumps(document), encoding="utf-8")
    return DemoEnvironment(workspace, sandboxes, seeds, config_path, env, receivers)
