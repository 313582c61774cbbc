"""The deploy/ files say what docs/operations.md promises (parsed, not eyeballed)."""

from __future__ import annotations

import configparser
from pathlib import Path

from croniter import croniter
from ruamel.yaml import YAML

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_kubernetes_cronjob_forbids_overlap_and_reads_secrets_from_a_secret() -> None:
    docs = list(YAML(typ="safe").load_all((DEPLOY / "kubernetes" / "cronjob.yaml").read_text()))
    job = next(d for d in docs if d["kind"] == "CronJob")
    assert job["spec"]["concurrencyPolicy"] == "Forbid"
    assert croniter.is_valid(job["spec"]["schedule"])
    container = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert container["args"][0] == "sync"
    assert {"secretRef": {"name": "okrsync-credentials"}} in container["envFrom"]
    assert "env" not in container  # no literal values next to the secret


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def test_systemd_units() -> None:
    oneshot = unit("okrsync.service")
    assert oneshot["Service"]["Type"] == "oneshot"
    assert "okrsync sync --config" in oneshot["Service"]["ExecStart"]
    assert oneshot["Service"]["EnvironmentFile"].startswith("/etc/okrsync")
    timer = unit("okrsync.timer")
    assert "OnUnitInactiveSec" in timer["Timer"]
    daemon = unit("okrsync-daemon.service")
    assert "okrsync daemon --config" in daemon["Service"]["ExecStart"]
    assert daemon["Service"]["KillSignal"] == "SIGTERM"
    assert "5" in daemon["Service"]["SuccessExitStatus"].split()


def test_crontab_line_is_a_valid_schedule() -> None:
    lines = [
        line
        for line in (DEPLOY / "crontab").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(lines) == 1
    fields = lines[0].split()
    assert croniter.is_valid(" ".join(fields[:5]))
    assert "okrsync sync --config" in lines[0]
