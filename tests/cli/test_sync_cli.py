"""`okrsync sync` and `okrsync lint` as subprocesses, with their documented exit codes."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from okrsync.cli.sync_cmd import format_lint
from okrsync.errors import ExitCode
from okrsync.lock import run_lock
from okrsync.model import Finding
from okrsync.state import StateStore
from okrsync.sync import LintResult
from tests.cli.conftest import Run, cli_env, log_until, start_okrsync
from tests.cli.fake_connector import load_vendor, save_vendor
from tests.unit.test_sync import MAPPING, company

TOKEN = "canary-token-5be1c0ffee"


def make_config(tmp_path: Path, *, extra_options: str = "", rules: str = "") -> Path:
    vendor = tmp_path / "vendor.json"
    save_vendor(vendor, {"records": company()})
    (tmp_path / "mapping.yaml").write_text(MAPPING)
    config = tmp_path / "okrsync.toml"
    config.write_text(
        f"""
state_path = "state.db"

[sources.team]
connector = "tests.cli.fake_connector:create"
mapping = "mapping.yaml"
options = {{ vendor = "{vendor}", token_env = "FAKE_TOKEN" {extra_options} }}

[logging]
format = "json"
{rules}
"""
    )
    return config


def test_sync_json_then_second_run_has_no_writes(tmp_path: Path, okrsync: Run) -> None:
    config = make_config(tmp_path)
    first = okrsync("sync", "--config", str(config), "--json", env={"FAKE_TOKEN": TOKEN})
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert {"reads", "writes", "skipped_writes", "findings", "errors", "run_id"} <= set(summary)
    assert summary["writes"] == 6
    second = okrsync("sync", "--config", str(config), "--json", env={"FAKE_TOKEN": TOKEN})
    assert json.loads(second.stdout)["writes"] == 0
    assert json.loads(second.stdout)["skipped_writes"] == 6
    # every log line is JSON with the run id, and the token never appears
    for line in second.stderr.splitlines():
        assert json.loads(line)["run_id"] == json.loads(second.stdout)["run_id"]
    assert TOKEN not in first.stderr + second.stderr + first.stdout


def test_dry_run_prints_changes_and_writes_nothing(tmp_path: Path, okrsync: Run) -> None:
    config = make_config(tmp_path)
    result = okrsync("sync", "--config", str(config), "--dry-run", env={"FAKE_TOKEN": TOKEN})
    assert result.returncode == 0, result.stderr
    assert "fake:page:k1" in result.stdout
    assert "Score: ? -> 0.4" in result.stdout
    assert "6 planned" in result.stdout
    assert load_vendor(tmp_path / "vendor.json")["applied"] == []
    assert not (tmp_path / "state.db").exists()


def test_config_error_exit_2_names_file_and_key(tmp_path: Path, okrsync: Run) -> None:
    config = make_config(tmp_path, extra_options=', base_url = "http://example.com"')
    result = okrsync("sync", "--config", str(config))
    assert result.returncode == ExitCode.CONFIG
    assert str(config) in result.stderr
    assert "sources.team.options.base_url" in result.stderr


def test_missing_credential_exit_2(tmp_path: Path, okrsync: Run) -> None:
    result = okrsync("sync", "--config", str(make_config(tmp_path)))
    assert result.returncode == ExitCode.CONFIG
    assert "FAKE_TOKEN" in result.stderr


def test_overlapping_run_exits_4(tmp_path: Path, okrsync: Run) -> None:
    config = make_config(tmp_path)
    with run_lock(tmp_path / "state.db"):
        result = okrsync("sync", "--config", str(config), env={"FAKE_TOKEN": TOKEN})
    assert result.returncode == ExitCode.LOCKED
    assert "state.db.lock" in result.stderr
    assert load_vendor(tmp_path / "vendor.json")["applied"] == []


def test_failed_write_exit_1(tmp_path: Path, okrsync: Run) -> None:
    config = make_config(tmp_path)
    data = load_vendor(tmp_path / "vendor.json")
    data["fail_targets"] = ["fake:page:o1"]
    save_vendor(tmp_path / "vendor.json", data)
    result = okrsync("sync", "--config", str(config), env={"FAKE_TOKEN": TOKEN})
    assert result.returncode == ExitCode.PARTIAL
    assert "fake:page:o1" in result.stdout
    assert len(load_vendor(tmp_path / "vendor.json")["applied"]) == 5


def test_auth_failure_exit_3(tmp_path: Path, okrsync: Run) -> None:
    config = make_config(tmp_path)
    data = load_vendor(tmp_path / "vendor.json")
    data["pull_error"] = "auth"
    save_vendor(tmp_path / "vendor.json", data)
    result = okrsync("sync", "--config", str(config), env={"FAKE_TOKEN": TOKEN})
    assert result.returncode == ExitCode.AUTH
    assert "refused" in result.stdout


def test_sigterm_mid_run_exits_5_then_resume_finishes(tmp_path: Path, okrsync: Run) -> None:
    config = make_config(tmp_path)
    vendor = tmp_path / "vendor.json"
    data = load_vendor(vendor)
    data["write_delay"] = 0.3
    save_vendor(vendor, data)
    proc = start_okrsync("sync", "--config", str(config), env=cli_env({"FAKE_TOKEN": TOKEN}))
    log_until(proc, "write")  # wait for the first confirmed write
    proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    code = proc.wait(timeout=20)
    assert code == ExitCode.INTERRUPTED
    assert time.monotonic() - started < 10
    done = load_vendor(vendor)["applied"]
    assert 1 <= len(done) < 6
    data = load_vendor(vendor)
    data["write_delay"] = 0
    save_vendor(vendor, data)
    resumed = okrsync("sync", "--config", str(config), "--json", env={"FAKE_TOKEN": TOKEN})
    assert resumed.returncode == 0, resumed.stderr
    final = load_vendor(vendor)["applied"]
    assert sorted(final) == sorted(set(final))  # nothing written twice
    assert len(final) == 6


def test_lint_fail_on_and_formats(tmp_path: Path, okrsync: Run) -> None:
    config = make_config(tmp_path)
    env = {"FAKE_TOKEN": TOKEN}
    as_json = okrsync(
        "lint", "--config", str(config), "--format", "json", "--fail-on", "info", env=env
    )
    found = json.loads(as_json.stdout)["findings"]["team"]
    assert found, "the fake company has findings (e.g. KRs without owners)"
    assert as_json.returncode == ExitCode.FINDINGS
    text = okrsync("lint", "--config", str(config), "--fail-on", "never", env=env)
    assert text.returncode == 0, text.stderr
    assert f"team: {len(found)} finding(s)" in text.stdout
    assert found[0]["code"] in text.stdout
    assert load_vendor(tmp_path / "vendor.json")["applied"] == []
    assert not (tmp_path / "state.db").exists()


def test_lint_markdown_escapes_table_cells() -> None:
    finding = Finding(code="KR001", severity="warning", subject="k|1", message="a | b\nc")
    text = format_lint(LintResult(findings={"team": [finding]}), "markdown")
    assert text.startswith("## team: 1 finding(s)")
    assert "| warning | KR001 | k\\|1 | a \\| b c |  |" in text


def test_unknown_source_exit_2(tmp_path: Path, okrsync: Run) -> None:
    config = make_config(tmp_path)
    result = okrsync("sync", "--config", str(config), "--source", "nope", env={"FAKE_TOKEN": TOKEN})
    assert result.returncode == ExitCode.CONFIG
    assert "team" in result.stderr


def test_kill_9_mid_run_then_resume_writes_nothing_twice(tmp_path: Path, okrsync: Run) -> None:
    config = make_config(tmp_path)
    vendor = tmp_path / "vendor.json"
    data = load_vendor(vendor)
    data["write_delay"] = 0.3
    save_vendor(vendor, data)
    proc = start_okrsync("sync", "--config", str(config), env=cli_env({"FAKE_TOKEN": TOKEN}))
    log_until(proc, "write")  # wait for the first confirmed write
    proc.kill()
    proc.wait(timeout=10)
    data = load_vendor(vendor)
    data["write_delay"] = 0
    save_vendor(vendor, data)
    resumed = okrsync("sync", "--config", str(config), "--json", env={"FAKE_TOKEN": TOKEN})
    assert resumed.returncode == 0, resumed.stderr  # the lock died with its holder
    final = load_vendor(vendor)["applied"]
    assert len(final) == len(set(final)) == 6
    with StateStore(tmp_path / "state.db") as store:
        assert store.integrity_ok()
        assert len(store.ledger("team")) == 6


def test_a_token_in_an_error_never_reaches_output_logs_or_state(
    tmp_path: Path, okrsync: Run
) -> None:
    config = make_config(tmp_path)
    vendor = tmp_path / "vendor.json"
    data = load_vendor(vendor)
    data["pull_error"] = "leak"
    save_vendor(vendor, data)
    result = okrsync("sync", "--config", str(config), "--json", env={"FAKE_TOKEN": TOKEN})
    assert result.returncode == ExitCode.PARTIAL
    assert "vendor echoed the header" in result.stdout + result.stderr
    assert TOKEN not in result.stdout + result.stderr
    state = b"".join(p.read_bytes() for p in tmp_path.glob("state.db*"))
    assert TOKEN.encode() not in state


def test_report_renders_the_current_review_of_a_configured_source(
    tmp_path: Path, okrsync: Run
) -> None:
    config = make_config(tmp_path)
    proc = okrsync("report", "--config", str(config), "--format", "json", env={"FAKE_TOKEN": TOKEN})
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["source"] == "team"
    assert report["objectives"] and all("health" in o for o in report["objectives"])
    assert (
        not (tmp_path / "state.db").exists()
        or StateStore(tmp_path / "state.db").ledger("team") == {}
    )  # reading a review writes nothing anywhere
    both = okrsync("report", "--config", str(config), "--input", "x.json")
    assert both.returncode == 2 and "either --input" in both.stderr
