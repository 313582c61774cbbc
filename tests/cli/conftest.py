"""Run the okrsync command line as a subprocess, the way cron and operators do."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

Run = Callable[..., subprocess.CompletedProcess[str]]


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a subprocess: the repo importable (for the test vendor), no tokens."""
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_TOKEN", "_EMAIL"))}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra or {})
    return env


def okrsync_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "okrsync.cli.main", *args]


def start_okrsync(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """Start the command line in the background, its output piped, for a test that signals
    or kills it mid-run; `env` is the whole environment (see `cli_env`)."""
    return subprocess.Popen(
        okrsync_argv(*args),
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def log_until(proc: subprocess.Popen[str], event: str) -> list[str]:
    """The JSON log lines `proc` writes up to the first one of `event` ("write", "next run")."""
    assert proc.stderr is not None
    lines: list[str] = []
    for line in proc.stderr:
        lines.append(line)
        if f'"event": "{event}"' in line:
            break
    return lines


@pytest.fixture
def okrsync() -> Run:
    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Any:
        return subprocess.run(
            okrsync_argv(*args),
            capture_output=True,
            text=True,
            env=cli_env(env),
            timeout=timeout,
            cwd=ROOT,
        )

    return run
