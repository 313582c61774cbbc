"""kill -9 between a channel's acceptance and the ledger's record resends at most that message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from okrsync_sandbox.channels.slack import SlackReceiver
from okrsync_sandbox.channels.smtp import SmtpReceiver
from okrsync_sandbox.channels.teams import TeamsReceiver

from .world import MONDAY, make_world, workspace

ROOT = Path(__file__).resolve().parents[2]


def test_kill_9_after_acceptance_resends_at_most_that_one_message(
    tmp_path: Path, teams: TeamsReceiver, slack: SlackReceiver, smtp: SmtpReceiver
) -> None:
    world = make_world(tmp_path, teams, slack, smtp)
    settings = world.settings(events={"health_changed": False, "win": False})
    (tmp_path / "settings.json").write_text(settings.model_dump_json())
    (tmp_path / "env.json").write_text(json.dumps(world.env))
    now = MONDAY + timedelta(days=1)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.notify.die_after_send",
            str(tmp_path / "settings.json"),
            str(tmp_path / "env.json"),
            str(world.state),
            now.isoformat(),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    accepted = len(smtp.received()) + len(slack.received())
    assert accepted == 1  # killed right after the first acceptance
    # The next run (a restart) sends what is still open: the killed message again, and the rest.
    after = world.run(workspace(), now + timedelta(minutes=5), settings=settings)
    assert sum(c.sent for c in after.channels.values()) == 2
    assert len(smtp.received()) + len(slack.received()) == 3  # one message twice, at most
    subjects = [str(m.payload).split("\n", 1)[0] for m in smtp.received()]
    assert len(subjects) in (1, 2) and len(set(subjects)) == 1
    # And from then on, nothing more.
    world.run(workspace(), now + timedelta(minutes=10), settings=settings)
    assert len(smtp.received()) + len(slack.received()) == 3
