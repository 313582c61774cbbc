"""Hostile file inputs (issue 9, "Hostile inputs"): each defect found, as the command line meets
it. Every one must end in a clean exit (2, naming the file and the field, or 0 when the input is
odd but valid), never a traceback, a hang or a memory blow-up."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from okrsync.errors import ExitCode
from tests.cli.conftest import ROOT, Run
from tests.cli.test_sync_cli import TOKEN, make_config

SALES = ROOT / "examples" / "sales-example.json"
MAPPING = ROOT / "mappings" / "notion-okr-template.yaml"


def workspace(change: Callable[[dict[str, Any]], None]) -> str:
    data = json.loads(SALES.read_text())
    change(data)
    return json.dumps(data)


def set_kr(field: str, raw: str) -> str:
    """The sales example with the first key result's `field` set to the raw JSON `raw`."""
    text = workspace(lambda d: d["key_results"][0].update({field: "@@"}))
    return text.replace('"@@"', raw, 1)


def clean(result: Any) -> str:
    output: str = result.stdout + result.stderr
    assert "Traceback" not in output, output[-3000:]
    assert "internal error" not in output, output[-3000:]
    return output


# ------------------------------------------------------------------ workspace JSON


WORKSPACES: dict[str, tuple[str | bytes, int, str]] = {
    "json 100 000 deep": ("[" * 100_000 + "]" * 100_000, 2, "nested"),
    "object 5 000 deep": ('{"a":' * 5_000 + "1" + "}" * 5_000, 2, "nested"),
    "weight Infinity": (set_kr("weight", "Infinity"), 2, "key_results[0].weight"),
    "weight 1e308": (set_kr("weight", "1e308"), 2, "key_results[0].weight"),
    "target 1e400": (set_kr("target", "1e400"), 2, "key_results[0].target"),
    "current NaN": (set_kr("current", "NaN"), 2, "key_results[0].current"),
    "not UTF-8": (SALES.read_bytes().replace(b"Increase", b"Incr\xe9ase"), 2, "UTF-8"),
    "lone surrogate in a title": (set_kr("title", '"broken \\ud800 title"'), 0, ""),
    "mixed naive and aware times": (
        workspace(
            lambda d: d["check_ins"].extend(
                [
                    {"key_result": "kr-pipeline", "at": "2025-07-21T09:00:00", "value": 1.0},
                    {"key_result": "kr-pipeline", "at": "2025-07-28T09:00:00+02:00", "value": 2},
                ]
            )
        ),
        0,
        "",
    ),
    "a 200 000-character title": (set_kr("title", json.dumps("x" * 200_000)), 2, "title"),
}


@pytest.mark.parametrize(
    ("name", "fmt"),
    [(name, "markdown") for name in WORKSPACES] + [("lone surrogate in a title", "html")],
)
def test_hostile_workspace_files(tmp_path: Path, okrsync: Run, name: str, fmt: str) -> None:
    content, code, needle = WORKSPACES[name]
    path = tmp_path / "ws.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    result = okrsync("report", "--input", str(path), "--format", fmt, timeout=60)
    output = clean(result)
    assert result.returncode == code, output[-2000:]
    if code:
        assert str(path) in output and needle in output, output[-2000:]


def test_input_limits_are_configurable(tmp_path: Path, okrsync: Run) -> None:
    path = tmp_path / "ws.json"
    path.write_text(SALES.read_text())
    result = okrsync("report", "--input", str(path), env={"OKRSYNC_MAX_INPUT_BYTES": "1000"})
    assert result.returncode == ExitCode.CONFIG
    assert "OKRSYNC_MAX_INPUT_BYTES" in clean(result)
    short = okrsync("report", "--input", str(path), env={"OKRSYNC_MAX_TEXT_CHARS": "20"})
    assert short.returncode == ExitCode.CONFIG and "OKRSYNC_MAX_TEXT_CHARS" in clean(short)


def test_a_fifo_as_input_is_refused_without_blocking(tmp_path: Path, okrsync: Run) -> None:
    import os

    fifo = tmp_path / "ws.json"
    os.mkfifo(fifo)
    result = okrsync("report", "--input", str(fifo), timeout=30)
    assert result.returncode == ExitCode.CONFIG and "not a regular file" in clean(result)


# ------------------------------------------------------------------ mapping YAML

LAUGHS = "\n".join(
    ["version: 1", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(8)]
)

MERGE = MAPPING.read_text().replace(
    "collections:\n  objectives:\n",
    "base: &base\n  source: Objectives\n\ncollections:\n  objectives:\n    <<: *base\n",
)

MAPPINGS: dict[str, tuple[str, int, str]] = {
    "billion laughs": (LAUGHS, 2, "alias"),
    "merge keys": (MERGE, 2, "base"),
    "5 000 deep": ("version: 1\nx: " + "[" * 5_000 + "]" * 5_000, 2, "nested"),
    "5 000 open braces": ("version: 1\nx: " + "{" * 5_000, 2, "nested"),
    "5 000 deep blocks": (
        "version: 1\n" + "".join(f"{' ' * i}k{i}:\n" for i in range(0, 5_000)) + "",
        2,
        "nested",
    ),
    "lone surrogate in a key": (
        MAPPING.read_text().replace("title: Objective", '"ti\\ud800tle": Objective'),
        2,
        "not a canonical field",
    ),
}


@pytest.mark.parametrize("name", list(MAPPINGS))
def test_hostile_mapping_files(tmp_path: Path, okrsync: Run, name: str) -> None:
    text, code, needle = MAPPINGS[name]
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    result = okrsync("mapping", "validate", str(path), timeout=60)
    output = clean(result)
    assert result.returncode == code, output[-2000:]
    assert str(path) in output and needle in output, output[-2000:]


def test_a_problem_in_a_merged_key_names_its_line(tmp_path: Path, okrsync: Run) -> None:
    text = MAPPING.read_text().replace(
        "collections:\n  objectives:\n",
        "extra: &extra\n  targt: Goal\n\ncollections:\n  objectives:\n",
    )
    text = text.replace("      title: Objective", "      <<: *extra\n      title: Objective", 1)
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    result = okrsync("mapping", "validate", str(path))
    output = clean(result)
    assert result.returncode == ExitCode.CONFIG, output
    assert "fields.targt" in output and str(path) in output, output


def test_merge_keys_resolve_like_written_keys(tmp_path: Path, okrsync: Run) -> None:
    text = MAPPING.read_text().replace(
        "collections:\n  objectives:\n    # The database (title or id) holding one page per "
        "objective; okrsync.toml may override it.\n    source: Objectives\n",
        "collections:\n  objectives:\n    <<: {source: Objectives}\n",
    )
    assert "<<:" in text
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    result = okrsync("mapping", "validate", str(path))
    assert result.returncode == 0, clean(result)


# ------------------------------------------------------------------ okrsync.toml


def edited(config: Path, old: str, new: str) -> None:
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new, 1))


CONFIGS: dict[str, tuple[Callable[[Path], None], str]] = {
    "5 000 deep": (
        lambda c: c.write_text(c.read_text() + "\n[rules]\nx = " + "[" * 5_000 + "]" * 5_000),
        "nested",
    ),
    "timeout_s = inf": (
        lambda c: edited(
            c, 'token_env = "FAKE_TOKEN"', 'token_env = "FAKE_TOKEN", timeout_s = inf'
        ),
        "timeout_s",
    ),
    "grade_step = 5e-324": (
        lambda c: c.write_text(c.read_text() + "\n[scoring]\ngrade_step = 5e-324\n"),
        "scoring.grade_step",
    ),
    "connector os:getcwd": (
        lambda c: edited(c, '"tests.cli.fake_connector:create"', '"os:getcwd"'),
        "sources.team.connector",
    ),
    "connector ':'": (
        lambda c: edited(c, '"tests.cli.fake_connector:create"', '":"'),
        "sources.team.connector",
    ),
    "a 5 000-character mapping path": (
        lambda c: edited(c, 'mapping = "mapping.yaml"', f'mapping = "{"m" * 5_000}.yaml"'),
        "sources.team.mapping",
    ),
    "cron on 31 February": (
        lambda c: c.write_text(c.read_text() + '\n[schedule]\ncron = "0 0 31 2 *"\n'),
        "schedule",
    ),
    "interval of 317 years": (
        lambda c: c.write_text(c.read_text() + "\n[schedule]\ninterval = 10000000000\n"),
        "schedule.interval",
    ),
    "jitter = inf": (
        lambda c: c.write_text(c.read_text() + "\n[schedule]\njitter = inf\n"),
        "schedule.jitter",
    ),
    "not UTF-8": (lambda c: c.write_bytes(c.read_bytes() + b"\n# caf\xe9\n"), "UTF-8"),
    "a NUL in state_path": (
        lambda c: edited(c, 'state_path = "state.db"', 'state_path = "st\\u0000ate.db"'),
        "state_path",
    ),
}


@pytest.mark.parametrize(
    ("name", "command"),
    [(name, "lint") for name in CONFIGS] + [("5 000 deep", "doctor"), ("jitter = inf", "doctor")],
)
def test_hostile_config_files(tmp_path: Path, okrsync: Run, name: str, command: str) -> None:
    config = make_config(tmp_path)
    change, needle = CONFIGS[name]
    change(config)
    result = okrsync(command, "--config", str(config), env={"FAKE_TOKEN": TOKEN}, timeout=60)
    output = clean(result)
    assert result.returncode == ExitCode.CONFIG, output[-2000:]
    assert str(config) in output and re.search(re.escape(needle), output), output[-2000:]
