"""`okrsync init`, `okrsync doctor` and `okrsync daemon` as subprocesses."""

from __future__ import annotations

import json
import signal
import socket
import time
import tomllib
import urllib.request
from pathlib import Path

from okrsync.config import load_config
from okrsync.errors import ExitCode
from tests.cli.conftest import Run, cli_env, log_until, start_okrsync
from tests.cli.fake_connector import load_vendor, save_vendor
from tests.cli.test_sync_cli import TOKEN, make_config


def test_init_writes_a_valid_config_and_mapping(tmp_path: Path, okrsync: Run) -> None:
    for connector, mapping in (
        ("notion", "notion-okr-template.yaml"),
        ("confluence", "confluence-okr-pages.yaml"),
    ):
        target = tmp_path / connector
        result = okrsync("init", "--dir", str(target), "--connector", connector)
        assert result.returncode == 0, result.stderr
        assert (target / mapping).is_file()
        text = (target / "okrsync.toml").read_text()
        assert "token_env" in text and "# " in text
        config = load_config(target / "okrsync.toml")  # validates, options model included
        # The source is named as the README names it: `--source notion`, `[sources.notion]`.
        assert config.source(connector).mapping == target / mapping
        assert tomllib.loads(text)["sources"][connector]["connector"] == connector
        assert f"okrsync mapping infer --config {target / 'okrsync.toml'} --source {connector}" in (
            result.stdout
        )


def test_init_out_names_the_config_file(tmp_path: Path, okrsync: Run) -> None:
    out = tmp_path / "conf" / "okr-sync.toml"
    result = okrsync("init", "--out", str(out), "--connector", "confluence")
    assert result.returncode == 0, result.stderr
    config = load_config(out)
    assert config.source("confluence").mapping == tmp_path / "conf" / "confluence-okr-pages.yaml"
    assert f"okrsync doctor --config {out}" in result.stdout


def test_init_refuses_to_overwrite(tmp_path: Path, okrsync: Run) -> None:
    assert okrsync("init", "--dir", str(tmp_path)).returncode == 0
    again = okrsync("init", "--dir", str(tmp_path))
    assert again.returncode == ExitCode.CONFIG
    assert "--force" in again.stderr


def test_doctor_reports_missing_credentials_with_the_fix(tmp_path: Path, okrsync: Run) -> None:
    config = make_config(tmp_path)
    result = okrsync("doctor", "--config", str(config))
    assert result.returncode == ExitCode.CONFIG
    assert "FAKE_TOKEN is not set" in result.stdout
    assert "export FAKE_TOKEN" in result.stdout


def test_doctor_passes_on_a_good_setup(tmp_path: Path, okrsync: Run) -> None:
    config = make_config(tmp_path)
    result = okrsync("doctor", "--config", str(config), env={"FAKE_TOKEN": TOKEN})
    assert result.returncode == 0, result.stdout
    assert "doctor: all checks passed" in result.stdout
    assert TOKEN not in result.stdout


def test_doctor_prints_connector_problems(tmp_path: Path, okrsync: Run) -> None:
    config = make_config(tmp_path)
    vendor = tmp_path / "vendor.json"
    data = load_vendor(vendor)
    data["pull_error"] = "auth"
    save_vendor(vendor, data)
    result = okrsync("doctor", "--config", str(config), env={"FAKE_TOKEN": TOKEN})
    assert result.returncode != 0
    assert "not shared with the integration" in result.stdout
    assert "fix: share the database" in result.stdout


def test_doctor_on_broken_config_exit_2(tmp_path: Path, okrsync: Run) -> None:
    config = tmp_path / "okrsync.toml"
    config.write_text("[sources.x]\nconnector = 'notion'\n")
    result = okrsync("doctor", "--config", str(config))
    assert result.returncode == ExitCode.CONFIG
    assert "sources.x.mapping" in result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_daemon_serves_metrics_and_stops_on_sigterm_within_seconds(tmp_path: Path) -> None:
    port = free_port()
    config = make_config(
        tmp_path, rules=f"\n[schedule]\ninterval = 3600\n\n[metrics]\nport = {port}\n"
    )
    proc = start_okrsync("daemon", "--config", str(config), env=cli_env({"FAKE_TOKEN": TOKEN}))
    lines = log_until(proc, "next run")  # the first run finished and the daemon is waiting
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
            metrics = resp.read().decode()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
            health = json.loads(resp.read())
    finally:
        proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    code = proc.wait(timeout=20)
    assert code == ExitCode.INTERRUPTED, "".join(lines)
    assert time.monotonic() - started < 5
    assert 'okrsync_runs_total{outcome="ok",source="team"} 1.0' in metrics
    assert 'okrsync_writes_total{source="team"} 6.0' in metrics
    assert health["status"] == "ok" and health["last_run"]["exit_code"] == 0
    assert len(load_vendor(tmp_path / "vendor.json")["applied"]) == 6
