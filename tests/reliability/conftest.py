"""Fixtures of the reliability suite: seeded sandboxes, a config writer, the oracle, counters.

A `Rig` is one test's world: the Notion and Confluence emulators (real HTTP on loopback),
seeded with the same small workspace, an okrsync.toml that reads and writes back both, and
the state store path. `Rig.snapshot()` is the sandboxes' final state normalised so that two
runs that did the same work compare equal (ids, versions and timestamps that legitimately
differ between emulators are left out); the `oracle` fixture is that snapshot after a
fault-free run, computed once per session. `Rig.duplicates()` counts generated pages that
exist more than once. Figures (faults injected, requests made, outcome) of every test are
collected by the `figures` fixture into test-artifacts/reliability/figures-<variant>.json,
the file RELIABILITY.md is written from.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from okrsync.config import load_config
from okrsync.log import Redactor, make_logger
from okrsync.model import Cycle, KeyResult, Objective, Person, Workspace
from okrsync.sandbox import FaultPlan, Sandbox, SeedResult, load_sandbox
from okrsync.sync import SyncSummary, run_sync
from tests.cli.conftest import ROOT, cli_env, okrsync_argv

ARTIFACTS = ROOT / "test-artifacts" / "reliability"
OUTPUTS = ("Score", "Health", "Warnings")
FAST_RETRY_AFTER = 0.05
SOURCES = ("notion", "confluence")


# --------------------------------------------------------------------------- the workspace


def quarter(day: date) -> Cycle:
    """The calendar quarter holding `day`, named as both layouts read it ("Q3 2025")."""
    number = (day.month - 1) // 3 + 1
    start = date(day.year, 3 * number - 2, 1)
    after = date(day.year + 1, 1, 1) if number == 4 else date(day.year, 3 * number + 1, 1)
    return Cycle(
        id=f"{day.year}-Q{number}",
        name=f"Q{number} {day.year}",
        start=start,
        end=after - timedelta(days=1),
    )


def reliability_workspace(today: date, key_results: int = 24) -> Workspace:
    """A small company: a finished and a running quarter, about `key_results` KRs of every kind.

    Two cycles give two review pages per source (one per cycle), alignment runs three levels
    deep, and the values make every health band and a few rule findings appear, so every
    write type okrsync has (page outputs, review creation, review update) is exercised.
    """
    current = quarter(today)
    previous = quarter(current.start - timedelta(days=1))
    people = tuple(
        Person(id=f"u{i}", name=f"Person {i}", email=f"p{i}@example.com") for i in range(6)
    )
    kinds = (None, "decrease", "at_least", "milestone", None, "at_most")
    objectives: list[Objective] = []
    krs: list[KeyResult] = []
    n_obj = max(2, key_results // 4)
    stamp = datetime.combine(today - timedelta(days=3), datetime.min.time(), tzinfo=UTC)
    for i in range(n_obj):
        cycle = previous if i % 5 == 4 else current
        level = "company" if i == 0 else ("department" if i < 3 else "team")
        parents = () if i == 0 else (("o0",) if i < 3 else (f"o{1 + i % 2}",))
        if cycle is previous:
            parents = ()
        objectives.append(
            Objective(
                id=f"o{i}",
                title=f"Objective {i}: make customers succeed",
                level=level,
                team=f"Team {i % 3}",
                owners=(f"u{i % 6}",),
                cycle=cycle.id,
                parents=parents,
                kind="committed" if i % 2 else "aspirational",
            )
        )
        for j in range(4):
            n = i * 4 + j
            kind = kinds[n % len(kinds)]
            start, target = (100.0, 40.0) if kind == "decrease" else (10.0, 50.0)
            if kind in ("at_least", "at_most"):
                start, target = 95.0, 95.0
            if kind == "milestone":
                start, target = 0.0, 1.0
            current_value = start + (target - start) * ((n * 37) % 11) / 10
            krs.append(
                KeyResult(
                    id=f"kr{n}",
                    objective=f"o{i}",
                    title=f"Move metric {n} from {start:g} to {target:g}",
                    kind=kind,  # type: ignore[arg-type]
                    start=start,
                    target=target,
                    current=round(current_value, 1) if kind != "milestone" else float(n % 2),
                    unit="%" if n % 3 == 0 else None,
                    owners=(f"u{n % 6}",),
                    confidence=round(0.1 * (n % 10), 1) if n % 4 else None,
                    updated_at=stamp,
                )
            )
    return Workspace(
        cycles=(previous, current),
        objectives=tuple(objectives),
        key_results=tuple(krs),
        people=people,
    )


# --------------------------------------------------------------------------- the rig


def make_sandbox(name: str, token: str | None = None) -> Sandbox:
    """A started emulator; `token` replaces the sandbox credential (secret canaries)."""
    factory = load_sandbox(name)
    sandbox: Any = factory(port=0)
    if token is not None:
        if name == "notion":
            sandbox.token = token
        else:
            bot = next(u for u in sandbox.store.users.values() if u.api_token)
            bot.api_token = token
            bot.personal_access_token = token
    sandbox.start()
    return sandbox  # type: ignore[no-any-return]


@dataclass
class Rig:
    """One test's sandboxes, seeds, config and state store (see the module docstring)."""

    root: Path
    workspace: Workspace
    sandboxes: dict[str, Sandbox]
    seeds: dict[str, SeedResult]
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    name: str = "okrsync"
    settings: dict[str, Any] = field(default_factory=dict)  # top-level config overrides

    @property
    def config_path(self) -> Path:
        return self.root / f"{self.name}.toml"

    @property
    def state_path(self) -> Path:
        return self.root / "state" / f"{self.name}.db"

    @property
    def env(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for seed in self.seeds.values():
            merged.update(seed.env)
        return merged

    def write_config(self, **extra_options: dict[str, Any]) -> Path:
        """Write okrsync.toml for the seeded sandboxes; `extra_options[source]` overrides options.

        Notion's client-side rate is set high (the emulators are unlimited) and retry waits
        are capped short so that fault-heavy runs stay fast; the Confluence source keeps a
        managed Page Properties macro so it writes OKR pages as well as review pages.
        """
        for name, extra in extra_options.items():
            self.options[name] = {**self.options.get(name, {}), **extra}
        sources: dict[str, Any] = {}
        for name, seed in self.seeds.items():
            options = dict(seed.options)
            if name == "notion":
                options.update(requests_per_second=1000, max_retry_wait_s=0.2, timeout_s=10)
            else:
                options.update(managed_properties=True, timeout_s=10)
            options.update(self.options.get(name, {}))
            sources[name] = {
                "connector": seed.connector,
                "mapping": str(seed.mapping),
                "options": options,
                "writeback": {"pages": True, "reviews": True},
            }
        document = {
            "state_path": str(self.state_path),
            "sources": sources,
            "schedule": {"interval": 60, "jitter": 0},
            "logging": {"format": "json", "level": "info"},
            # The rig mirrors one company into both tools: two workspaces, not one organisation.
            "organisation": {"combine": False},
            **self.settings,
        }
        self.config_path.write_text(tomli_w.dumps(document), encoding="utf-8")
        return self.config_path

    # -- running okrsync

    def sync(self, *, full: bool = False, log: io.StringIO | None = None) -> SyncSummary:
        """One sync in this process (fast); its log lines go to `log` when given."""
        config = load_config(self.config_path)
        stream = log if log is not None else io.StringIO()
        logger = make_logger(
            config.logging,
            redactor=Redactor.from_env(config.secret_env_names(), self.env),
            stream=stream,
        )
        return run_sync(config, env=self.env, log=logger, full=full)

    def argv(self, *args: str) -> list[str]:
        return okrsync_argv(*args, "--config", str(self.config_path))

    def popen(self, *args: str) -> subprocess.Popen[str]:
        """`okrsync <args> --config <rig config>` as a subprocess (for signals and kill -9)."""
        return subprocess.Popen(
            self.argv(*args),
            env=cli_env(self.env),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def cli_sync(self, *extra: str, timeout: float = 120) -> tuple[int, dict[str, Any], str]:
        """`okrsync sync --json` as a subprocess: exit code, summary, stderr (the log)."""
        result = subprocess.run(
            self.argv("sync", "--json", *extra),
            capture_output=True,
            text=True,
            env=cli_env(self.env),
            cwd=ROOT,
            timeout=timeout,
        )
        summary = json.loads(result.stdout) if result.stdout.strip() else {}
        return result.returncode, summary, result.stderr

    # -- faults and observation

    def set_faults(self, plan: FaultPlan | None, *, only: str | None = None) -> None:
        for name, sandbox in self.sandboxes.items():
            if only is None or name == only:
                sandbox.set_faults(plan)

    def stats(self) -> dict[str, dict[str, Any]]:
        return {name: sb.stats() for name, sb in self.sandboxes.items()}  # type: ignore[attr-defined]

    def requests(self) -> dict[str, int]:
        return {name: len(sb.request_log()) for name, sb in self.sandboxes.items()}

    def faults(self) -> dict[str, int]:
        counted: Counter[str] = Counter()
        for sandbox in self.sandboxes.values():
            for entry in sandbox.request_log():
                if entry.fault:
                    counted[entry.fault] += 1
        return dict(counted)

    def early_retries(self) -> int:
        return sum(int(s.get("early_retries", 0)) for s in self.stats().values())

    def snapshot(self) -> dict[str, Any]:
        """The normalised final state of both sandboxes (what the oracle compares)."""
        shot: dict[str, Any] = {}
        if "notion" in self.sandboxes:
            shot["notion"] = notion_snapshot(self.sandboxes["notion"], self.seeds["notion"])
        if "confluence" in self.sandboxes:
            shot["confluence"] = confluence_snapshot(self.sandboxes["confluence"])
        return shot

    def duplicates(self) -> dict[str, int]:
        """Generated pages present more than once, per source (0 and 0 is the promise)."""
        found: dict[str, int] = {}
        if "notion" in self.sandboxes:
            titles = notion_review_titles(self.sandboxes["notion"], self.seeds["notion"])
            found["notion"] = sum(n - 1 for n in Counter(titles).values())
        if "confluence" in self.sandboxes:
            keys = confluence_review_keys(self.sandboxes["confluence"])
            found["confluence"] = sum(n - 1 for n in Counter(keys).values())
        return found

    def review_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        if "notion" in self.sandboxes:
            counts["notion"] = len(
                notion_review_titles(self.sandboxes["notion"], self.seeds["notion"])
            )
        if "confluence" in self.sandboxes:
            counts["confluence"] = len(confluence_review_keys(self.sandboxes["confluence"]))
        return counts

    def stop(self) -> None:
        for sandbox in self.sandboxes.values():
            sandbox.stop()


def build_rig(
    root: Path,
    *,
    sources: tuple[str, ...] = SOURCES,
    workspace: Workspace | None = None,
    tokens: dict[str, str] | None = None,
    name: str = "okrsync",
) -> Rig:
    """Start and seed the emulators for `sources` and write the config."""
    root.mkdir(parents=True, exist_ok=True)
    ws = workspace if workspace is not None else reliability_workspace(date.today())
    sandboxes: dict[str, Sandbox] = {}
    seeds: dict[str, SeedResult] = {}
    try:
        for source in sources:
            sandboxes[source] = make_sandbox(source, (tokens or {}).get(source))
            seeds[source] = sandboxes[source].seed(ws)
            if tokens and source in tokens:
                seeds[source] = _with_token(seeds[source], tokens[source])
    except BaseException:
        for sandbox in sandboxes.values():
            sandbox.stop()
        raise
    rig = Rig(root, ws, sandboxes, seeds, name=name)
    rig.write_config()
    for sandbox in sandboxes.values():
        sandbox.reset_log() if hasattr(sandbox, "reset_log") else None
    return rig


def _with_token(seed: SeedResult, token: str) -> SeedResult:
    env = {k: (token if k.endswith("TOKEN") else v) for k, v in seed.env.items()}
    return seed.model_copy(update={"env": env})


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    """Both sandboxes seeded with the standard workspace, and a config reading them."""
    built = build_rig(tmp_path / "rig")
    yield built
    built.stop()


@dataclass(frozen=True)
class Baseline:
    """A fault-free run of the standard workspace: the oracle and how many writes it took."""

    snapshot: dict[str, Any]
    write_requests: dict[str, int]
    requests: dict[str, int]


@pytest.fixture(scope="session")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    """One fault-free first run (then a rerun that must write nothing), computed once."""
    from tests.reliability.server_control import count_writes

    built = build_rig(tmp_path_factory.mktemp("oracle"))
    try:
        summary = built.sync()
        assert summary.exit_code == 0, summary.errors
        writes = {name: count_writes(sb, name) for name, sb in built.sandboxes.items()}
        requests = built.requests()
        assert built.sync().writes == 0
        return Baseline(built.snapshot(), writes, requests)
    finally:
        built.stop()


@pytest.fixture(scope="session")
def oracle(baseline: Baseline) -> dict[str, Any]:
    """The normalised final state after one fault-free run of the standard workspace."""
    return baseline.snapshot


# --------------------------------------------------------------------------- snapshots

_TIMES = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
_LONG_IDS = re.compile(r"\b[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\b")
_MACRO_IDS = re.compile(r'\s(ac:macro-id|ac:local-id|ri:content-id|data-[a-z-]+)="[^"]*"')
_NUMERIC_IDS = re.compile(r"\b\d{5,}\b")
_HASHES = re.compile(r"\b[0-9a-f]{64}\b")


def normalise_text(text: str) -> str:
    """Drop what legitimately differs between two emulators: ids and clock times."""
    text = _TIMES.sub("<time>", text)
    text = _HASHES.sub("<hash>", text)
    text = _LONG_IDS.sub("<id>", text)
    text = _MACRO_IDS.sub("", text)
    return _NUMERIC_IDS.sub("<n>", text)


def _plain(prop: dict[str, Any] | None) -> Any:
    if prop is None:
        return None
    kind = prop["type"]
    value = prop[kind]
    if kind in ("select", "status"):
        return value["name"] if value else None
    if kind in ("rich_text", "title"):
        return "".join(part["plain_text"] for part in value)
    return value


def _block_text(store: Any, block_id: str, depth: int = 0) -> list[str]:
    lines: list[str] = []
    for child_id in store.live_children(block_id):
        block = store.block_object(child_id)
        kind = block["type"]
        content = block.get(kind, {})
        text = "".join(p.get("plain_text", "") for p in content.get("rich_text", []))
        if kind == "child_page":
            text = content.get("title", "")
        if kind == "table_row":
            text = " | ".join("".join(p["plain_text"] for p in cell) for cell in content["cells"])
        lines.append(f"{'  ' * depth}{kind}: {normalise_text(text)}")
        if block.get("has_children") and kind != "child_page":
            lines.extend(_block_text(store, child_id, depth + 1))
    return lines


def notion_review_page_ids(sandbox: Any, seed: SeedResult) -> list[str]:
    """Live (not trashed) child pages of the review parent."""
    store = sandbox.store
    parent = seed.options["review_parent"]
    found = []
    for child_id in store.live_children(parent):
        block = store.block_object(child_id)
        if block["type"] == "child_page":
            found.append(child_id)
    return found


def notion_review_titles(sandbox: Any, seed: SeedResult) -> list[str]:
    store = sandbox.store
    return [store.title_of(store.pages[pid]) for pid in notion_review_page_ids(sandbox, seed)]


def notion_snapshot(sandbox: Any, seed: SeedResult) -> dict[str, Any]:
    """Outputs of every OKR page by canonical id, and each review page's text by title."""
    store = sandbox.store
    outputs: dict[str, Any] = {}
    for canonical, page_id in seed.ids.items():
        if page_id not in store.pages:
            continue
        page = store.page_object(page_id)
        props = page.get("properties", {})
        if not any(name in props for name in OUTPUTS):
            continue
        outputs[canonical] = {
            name: normalise_text(str(_plain(props.get(name)))) for name in OUTPUTS
        }
    reviews = {}
    for pid in notion_review_page_ids(sandbox, seed):
        # findings of equal rank come in page-id order, and ids differ between emulators
        reviews[store.title_of(store.pages[pid])] = sorted(_block_text(store, pid))
    return {"outputs": outputs, "reviews": reviews}


def confluence_review_keys(sandbox: Any) -> list[str]:
    """The review marker (content property) of every current review page."""
    keys = []
    for page in sandbox.store.all_pages():
        prop = page.properties.get("okrsync")
        if prop is not None and isinstance(prop.value, dict) and prop.value.get("kind") == "review":
            keys.append(f"{prop.value.get('source')}:{prop.value.get('title_key')}")
    return keys


def confluence_snapshot(sandbox: Any) -> dict[str, Any]:
    """Every current page: title -> normalised body, labels and okrsync property keys."""
    pages = {}
    for page in sandbox.store.all_pages():
        marker = page.properties.get("okrsync")
        pages[page.title] = {
            "body": normalise_text(page.body),
            "labels": sorted(page.labels),
            "marker": sorted(
                (k, v)
                for k, v in (marker.value.items() if marker else [])
                if k not in ("hash", "body", "charts")  # hashes of what the body shows
            ),
        }
    return pages


def diff_keys(actual: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """Where two snapshots differ, as readable paths (for assertion messages)."""
    found: list[str] = []

    def walk(a: Any, e: Any, path: str) -> None:
        if isinstance(a, dict) and isinstance(e, dict):
            for key in sorted(set(a) | set(e), key=str):
                walk(a.get(key), e.get(key), f"{path}/{key}")
        elif a != e:
            found.append(f"{path}: {str(a)[:120]!r} != {str(e)[:120]!r}")

    walk(actual, expected, "")
    return found[:20]


# --------------------------------------------------------------------------- processes


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.002) -> bool:
    """Poll `predicate` until true or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def kill9(proc: subprocess.Popen[str]) -> None:
    """SIGKILL one process we started, and reap it."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)


# --------------------------------------------------------------------------- figures


class Figures:
    """Collects one dict of figures per test; written as JSON at the end of the session."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    def record(self, test: str, **values: Any) -> None:
        self.rows.setdefault(test, {}).update(values)


_FIGURES = Figures()


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Callable[..., None]:
    """`figures(faults=..., requests=..., outcome=...)` records this test's figures."""

    def record(**values: Any) -> None:
        _FIGURES.record(request.node.nodeid.split("::", 1)[1], **values)

    return record


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Record each test's result and duration next to its figures."""
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _FIGURES.record(
            report.nodeid.split("::", 1)[1],
            result=report.outcome,
            seconds=round(report.duration, 1),
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _FIGURES.rows:
        return
    soak = "soak" in (session.config.getoption("markexpr") or "") and "not soak" not in (
        session.config.getoption("markexpr") or ""
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / f"figures-{'soak' if soak else 'fast'}.json"
    # merged with earlier sessions of the same variant, so a long soak can run on its own
    rows = json.loads(out.read_text(encoding="utf-8"))["tests"] if out.exists() else {}
    for test, values in _FIGURES.rows.items():
        rows[test] = {**values, "finished": datetime.now(UTC).isoformat(), "exit": exitstatus}
    out.write_text(
        json.dumps({"tests": rows}, indent=1, sort_keys=True, default=str), encoding="utf-8"
    )


# --------------------------------------------------------------------------- people's edits


def change_values(rig: Rig, key_results: dict[str, float]) -> None:
    """People check in new current values in both workspaces (Notion edit, Confluence edit)."""
    updated = tuple(
        kr.model_copy(update={"current": key_results[kr.id]}) if kr.id in key_results else kr
        for kr in rig.workspace.key_results
    )
    rig.workspace = rig.workspace.model_copy(update={"key_results": updated})
    if "notion" in rig.sandboxes:
        store: Any = rig.sandboxes["notion"].store  # type: ignore[attr-defined]
        for kr_id, value in key_results.items():
            store.update_page(rig.seeds["notion"].ids[kr_id], {"Current Value": {"number": value}})
    if "confluence" in rig.sandboxes:
        rig.sandboxes["confluence"].seed(rig.workspace)  # re-seeding edits pages in place
