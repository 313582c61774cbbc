"""The command line end to end: a Notion sandbox as the source, the receivers as the channels."""

from __future__ import annotations

import email
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.policy import default as default_policy
from pathlib import Path

import pytest
import tomli_w

from okrsync.errors import ExitCode
from okrsync.model import CheckIn, Cycle
from okrsync.notify.events import week_start
from okrsync.notify.settings import WEEKDAYS
from okrsync.sandbox import FaultPlan, load_sandbox
from okrsync_sandbox.channels.slack import SlackReceiver
from okrsync_sandbox.channels.smtp import SmtpReceiver
from okrsync_sandbox.channels.teams import TeamsReceiver

from .world import make_world, workspace

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Site:
    config: Path
    env: dict[str, str]
    teams: TeamsReceiver
    slack: SlackReceiver
    smtp: SmtpReceiver

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "okrsync.cli.main", *args, "--config", str(self.config)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=ROOT,
            env=self.env,
        )

    def secrets(self) -> list[str]:
        return [v for k, v in self.env.items() if k.startswith("OKRSYNC_SANDBOX_")]


History = Callable[[datetime], tuple[CheckIn, ...]]


@pytest.fixture
def history() -> History | None:
    """The check-ins the Notion sandbox's check-ins database starts with (None: the world's)."""
    return None


@pytest.fixture
def site(
    tmp_path: Path,
    teams: TeamsReceiver,
    slack: SlackReceiver,
    smtp: SmtpReceiver,
    history: History | None,
) -> Iterator[Site]:
    sandbox = load_sandbox("notion")()
    sandbox.start()
    try:
        today = datetime.now(UTC).date()
        current = Cycle(
            id="now",
            name="This quarter",
            start=today - timedelta(days=30),
            end=today + timedelta(days=60),
        )
        seeded = workspace(cycle=current)
        if history is not None:
            check_ins = history(datetime.now(UTC))
            latest = {c.key_result: c.value for c in sorted(check_ins, key=lambda c: c.at)}
            seeded = seeded.model_copy(
                update={
                    "check_ins": check_ins,
                    "key_results": tuple(
                        kr.model_copy(update={"current": latest.get(kr.id, kr.current)})
                        for kr in seeded.key_results
                    ),
                }
            )
        seed = sandbox.seed(seeded)
        world = make_world(tmp_path, teams, slack, smtp)
        notify = {
            **world.notify,
            "defaults": {
                "digest_day": WEEKDAYS[today.weekday()],
                "digest_hour": 0,
                "quiet_hours": "",
            },
        }
        document = {
            "state_path": str(tmp_path / "state.db"),
            "sources": {
                "notion": {
                    "connector": "notion",
                    "mapping": str(seed.mapping),
                    "options": {**seed.options, "requests_per_second": 50},
                }
            },
            "notify": notify,
        }
        config = tmp_path / "okrsync.toml"
        config.write_text(tomli_w.dumps(document), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OKRSYNC_", "SLACK"))}
        env.update({**seed.env, **world.env, "PYTHONPATH": str(ROOT)})
        yield Site(config, env, teams, slack, smtp)
    finally:
        sandbox.stop()


def _no_secrets(site: Site, *results: subprocess.CompletedProcess[str]) -> None:
    for result in results:
        for secret in site.secrets():
            assert secret not in result.stdout and secret not in result.stderr


def test_dry_run_shows_who_gets_what_and_sends_nothing(site: Site) -> None:
    result = site.run("notify", "--dry-run")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "-> teams to Sales (team digest)" in result.stdout
    assert "Weekly OKR digest: Sales" in result.stdout
    assert "-> email to ceo@northwind.example (leadership digest)" in result.stdout
    assert "u-ana" not in result.stdout  # no raw ids
    as_json = site.run("notify", "--dry-run", "--json")
    planned = json.loads(as_json.stdout)["planned"]
    assert {(p["channel"], p["to"], p["kind"]) for p in planned} >= {
        ("teams", "Sales", "team_digest"),
        ("slack", "Sales", "team_digest"),
        ("email", "ana@northwind.example", "owner_digest"),
    }
    assert site.teams.received() == [] and site.smtp.received() == []
    _no_secrets(site, result, as_json)


def test_sync_sends_once_and_the_repeat_sync_sends_nothing(site: Site) -> None:
    first = site.run("sync", "--json")
    assert first.returncode == 0, first.stderr[-2000:]
    counts = json.loads(first.stdout)["notifications"]
    assert counts["teams"]["sent"] == 2 and counts["email"]["sent"] >= 3
    assert counts["slack"]["sent"] >= 2
    got = (len(site.teams.received()), len(site.slack.received()), len(site.smtp.received()))
    second = site.run("sync", "--json")
    assert second.returncode == 0
    again = json.loads(second.stdout)["notifications"]
    assert all(c["sent"] == 0 for c in again.values())
    assert again["teams"]["already_sent"] == 2
    assert (
        len(site.teams.received()),
        len(site.slack.received()),
        len(site.smtp.received()),
    ) == got
    # And `okrsync notify` agrees there is nothing left.
    third = site.run("notify")
    assert third.returncode == 0 and "sent" not in third.stdout.replace("already sent", "")
    _no_secrets(site, first, second, third)


def test_no_notify_sends_nothing(site: Site) -> None:
    result = site.run("sync", "--no-notify", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["notifications"] == {}
    assert site.teams.received() == [] and site.smtp.received() == []


def test_a_failing_channel_makes_the_run_partial_but_never_blocks_pages(site: Site) -> None:
    site.teams.set_faults(FaultPlan(rates={"503": 1.0}))
    first = site.run("sync", "--json")
    summary = json.loads(first.stdout)
    assert first.returncode == 1 and summary["writes"] > 0
    assert summary["notifications"]["teams"]["failed"] == 2
    assert summary["notifications"]["email"]["sent"] >= 3
    site.teams.set_faults(None)
    second = site.run("sync", "--json")
    assert second.returncode == 0
    assert json.loads(second.stdout)["notifications"]["teams"]["sent"] == 2
    assert [m.error for m in site.teams.received()] == ["", ""]
    _no_secrets(site, first, second)


def test_notify_test_reaches_every_team_channel_and_an_address(site: Site) -> None:
    teams = site.run("notify", "test", "--channel", "teams")
    assert teams.returncode == 0, teams.stderr
    assert sorted(m.to for m in site.teams.received()) == ["Ops", "Sales"]
    assert "okrsync test message" in json.dumps(site.teams.received()[0].payload)
    mail = site.run("notify", "test", "--channel", "email", "--to", "ops@northwind.example")
    assert mail.returncode == 0 and "email -> ops@northwind.example: sent" in mail.stdout
    assert [m.to for m in site.smtp.received()] == ["ops@northwind.example"]
    unknown = site.run("notify", "test", "--channel", "pager")
    assert unknown.returncode == 2 and "configured: email, slack, teams" in unknown.stderr
    _no_secrets(site, teams, mail, unknown)


def test_sigterm_during_a_post_ends_the_sync_and_the_next_run_sends_that_message(
    site: Site,
) -> None:
    # A 60 s deadline: only the signal can end the held post this soon.
    document = tomllib.loads(site.config.read_text(encoding="utf-8"))
    document["notify"]["channels"]["teams"]["timeout_s"] = 60
    site.config.write_text(tomli_w.dumps(document), encoding="utf-8")
    held = site.teams.hold()
    proc = subprocess.Popen(
        [sys.executable, "-m", "okrsync.cli.main", "sync", "--json", "--config", str(site.config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=site.env,
    )
    try:
        assert held.arrived.wait(60), "no Teams post came"
        proc.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        out, err = proc.communicate(timeout=30)
        seconds = time.monotonic() - signalled
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        held.release()
    assert proc.returncode == ExitCode.INTERRUPTED, err[-2000:]
    assert seconds < 10  # the signal ended the post, not its 60 s deadline
    summary = json.loads(out)
    assert summary["outcome"] == "interrupted" and summary["writes"] > 0
    assert any("stopped by a signal while sending" in e for e in summary["errors"])
    assert summary["notifications"].get("teams", {}).get("sent", 0) == 0
    # The interrupted post was not recorded as sent: the next run sends it, and the other one.
    second = site.run("sync", "--json")
    assert second.returncode == 0, second.stderr[-2000:]
    assert json.loads(second.stdout)["notifications"]["teams"]["sent"] == 2
    third = site.run("sync", "--json")
    assert json.loads(third.stdout)["notifications"]["teams"]["sent"] == 0
    _no_secrets(site, second, third)


def test_the_configs_language_is_what_people_read_unless_they_say_otherwise(site: Site) -> None:
    document = tomllib.loads(site.config.read_text(encoding="utf-8"))
    document["language"] = "de"
    document["notify"]["people"] = {"Cem Aydin": {"language": "en"}}
    site.config.write_text(tomli_w.dumps(document), encoding="utf-8")
    planned = site.run("notify", "--dry-run")
    assert planned.returncode == 0, planned.stderr[-2000:]
    assert "Wöchentlicher OKR-Überblick: Sales" in planned.stdout
    assert "Your weekly OKR digest, Cem Aydin" in planned.stdout
    synced = site.run("sync", "--json")
    assert synced.returncode == 0, synced.stderr[-2000:]
    cards = [json.dumps(m.payload, ensure_ascii=False) for m in site.teams.received()]
    assert len(cards) == 2 and all("Wöchentlicher OKR-Überblick" in c for c in cards)
    subjects = sorted(
        (m.to, str(email.message_from_string(str(m.payload), policy=default_policy)["Subject"]))
        for m in site.smtp.received()
    )
    assert ("cem@northwind.example", "Your weekly OKR digest, Cem Aydin") in subjects
    assert ("ana@northwind.example", "Dein wöchentlicher OKR-Überblick, Ana Silva") in subjects
    assert ("ceo@northwind.example", "OKR-Überblick für die Führung") in subjects


def _last_week_and_this(now: datetime) -> tuple[CheckIn, ...]:
    """Logos reached its target nine days ago (always an earlier week); the support desk
    slipped at the start of this one."""
    month_ago = now - timedelta(days=20)
    return (
        CheckIn(key_result="kr-logos", at=month_ago, value=13),
        CheckIn(key_result="kr-logos", at=now - timedelta(days=9), value=100),
        CheckIn(key_result="kr-tickets", at=month_ago, value=55),
        CheckIn(key_result="kr-tickets", at=week_start(now), value=5),
    )


def _alerts(site: Site) -> list[tuple[str, str]]:
    """(to, subject) of the health and win e-mails, in order."""
    found = []
    for m in site.smtp.received():
        subject = str(email.message_from_string(str(m.payload), policy=default_policy)["Subject"])
        if subject.startswith(("Back on track", "Target reached", "At risk", "Off track")):
            found.append((m.to, subject))
    return found


@pytest.mark.parametrize("history", [_last_week_and_this])
def test_a_lost_state_store_resends_nothing_the_workspace_history_proves_earlier(
    site: Site,
) -> None:
    # A state store that never saw last week (a lost one): the Notion check-ins database
    # shows the target reached last week, so neither the recovery nor the win is news; the
    # slip this week is.
    first = site.run("sync", "--json")
    assert first.returncode == 0, first.stderr[-2000:]
    [(to, subject)] = _alerts(site)
    assert to == "cem@northwind.example"
    assert subject in (
        "At risk: Answer tickets within a day",
        "Off track: Answer tickets within a day",
    )
    # Lost again, run again within the week: still nothing from last week. This week's alert
    # is sent once more: nothing in the workspace says it went out (docs/notifications.md).
    (site.config.parent / "state.db").unlink()
    second = site.run("sync", "--json")
    assert second.returncode == 0, second.stderr[-2000:]
    assert _alerts(site) == [(to, subject), (to, subject)]
    _no_secrets(site, first, second)
