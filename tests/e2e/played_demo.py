"""One English demo, played once per test session and read by every e2e file that only reads it.

Playing the demo (the weekly syncs, today's sync and its repeat) is the most expensive thing the
suite does, and several files only read what it leaves behind. The `played_demo` fixture
(conftest.py) runs `okrsync demo` once, as a person would (a subprocess of the command
line), into a folder all pytest-xdist workers share: the first worker to ask plays it under a
file lock, the others wait for it and read the same folder (pytest-xdist's documented recipe
for session data). A test that changes the demo's environment must copy the folder first,
never write into it.

`relinted_review` gives the files that look at okrsync's own objects (the review, the summaries)
the same `DemoResult` the demo built: its summaries come from the demo's summary.json, and the
review is linted again from the demo's final state (both sandboxes restarted from their saved
JSON, the demo's state store), which is what the demo itself lints after its repeat sync.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

from filelock import FileLock

from okrsync.config import load_config
from okrsync.demo.run import REVIEW_SOURCE, DemoResult
from okrsync.log import Redactor, make_logger
from okrsync.sandbox import Sandbox, load_sandbox
from okrsync.sync import SyncSummary, run_lint

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 21)
WEEKS = 3
LINTED_AT = datetime(2026, 11, 21, 9, 10, tzinfo=UTC)
"""After the demo's repeat sync (09:00 today, then five minutes later), when it lints."""


@dataclass(frozen=True)
class PlayedDemo:
    """What `okrsync demo --today 2026-11-21 --weeks 3` printed and left in `out`."""

    out: Path
    returncode: int
    stdout: str
    stderr: str


def _play(out: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "okrsync.cli.main",
            "demo",
            "--out",
            str(out),
            "--today",
            TODAY.isoformat(),
            "--weeks",
            str(WEEKS),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    record = {"returncode": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}
    (out.parent / f"{out.name}.json").write_text(json.dumps(record), encoding="utf-8")


def shared_played_demo(shared: Path) -> PlayedDemo:
    """The English demo in `shared`: played by the first caller under a file lock, read by the
    others (pytest-xdist workers of one session share `shared`)."""
    out = shared / "played-demo"
    record = shared / "played-demo.json"
    with FileLock(str(shared / "played-demo.lock")):
        if not record.is_file():
            shutil.rmtree(out, ignore_errors=True)
            _play(out)
    played = json.loads(record.read_text(encoding="utf-8"))
    return PlayedDemo(out, played["returncode"], played["stdout"], played["stderr"])


def relinted_review(played: PlayedDemo, work: Path) -> DemoResult:
    """`played` as the `DemoResult` the demo returned: its summaries from summary.json, and its
    review linted from the saved final state (both sandboxes restarted from their JSON on new
    ports, a copy of the state store), as the demo lints after its repeat sync."""
    assert played.returncode == 0, played.stderr[-3000:]
    saved = load_config(played.out / "okrsync.toml")
    text = (played.out / "okrsync.toml").read_text(encoding="utf-8")
    shutil.copy(played.out / "state.db", work / "state.db")
    text = text.replace(str(saved.state_path), str(work / "state.db"))
    env: dict[str, str] = {}
    sandboxes: list[Sandbox] = []
    try:
        for name in ("notion", "confluence"):
            sandbox = load_sandbox(name)(port=0)
            sandbox.start()
            sandboxes.append(sandbox)
            sandbox.load(played.out / f"{name}-sandbox.json")
            options = saved.source(name).options
            old, new = (
                (options["base_url"], sandbox.base_url)
                if name == "notion"
                else (options["url"], cast(Any, sandbox).url)
            )
            text = text.replace(f'"{old}"', f'"{new}"')
            env[options["token_env"]] = cast(Any, sandbox).token
            if "username_env" in options:
                env[options["username_env"]] = cast(Any, sandbox).username
        (work / "okrsync.toml").write_text(text, encoding="utf-8")
        config = load_config(work / "okrsync.toml")
        quiet = make_logger(
            config.logging.model_copy(update={"level": "warning"}),
            redactor=Redactor.from_env(config.secret_env_names(), env),
        )
        lint = run_lint(config, source=REVIEW_SOURCE, log=quiet, env=env, clock=lambda: LINTED_AT)
    finally:
        for sandbox in sandboxes:
            sandbox.stop()
    summary = json.loads((played.out / "summary.json").read_text(encoding="utf-8"))
    weeks = tuple(SyncSummary.model_validate(w) for w in summary["weeks"])
    final = SyncSummary.model_validate(summary["final_run"])
    second = SyncSummary.model_validate(summary["second_run"])
    return DemoResult(played.out, (final, second), lint.reviews[REVIEW_SOURCE], (), weeks)
