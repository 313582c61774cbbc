"""The demo's notification side: the three receivers, their [notify] config, and what they got.

`okrsync demo` starts a Teams Workflows receiver, a Slack webhook receiver and an SMTP server
on loopback (found through the `okrsync.receivers` entry points), points [notify] at them and,
after each sync, appends every accepted message to DIR/notifications.jsonl (run, channel, to,
kind, payload) and writes each e-mail's HTML part to DIR/emails/ and each receiver's view of
what it got to DIR/notifications/.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from okrsync.model import Workspace
from okrsync.notify.settings import WEEKDAYS
from okrsync.sandbox import Receiver, load_receiver
from okrsync.sync import SyncSummary

RECEIVERS = ("teams", "slack", "email")
NOTIFYING_SOURCE = "notion"  # both demo sources hold the same company: notify once


@dataclass
class DemoReceivers:
    receivers: dict[str, Receiver]
    settings: dict[str, Any]
    env: dict[str, str]

    def stop(self) -> None:
        for receiver in self.receivers.values():
            receiver.stop()

    def save_views(self, out: Path) -> list[Path]:
        folder = out / "notifications"
        folder.mkdir(exist_ok=True)
        written = []
        for name, receiver in self.receivers.items():
            path = folder / f"{name}.html"
            path.write_text(receiver.render_html(), encoding="utf-8")
            written.append(path)
        return written


RECEIVER_REQUESTS_PER_SECOND = 100.0


def start_receivers(workspace: Workspace, now: datetime | None = None) -> DemoReceivers:
    """Start the receivers and the [notify] settings that reach them (digests due today)."""
    now = now or datetime.now(UTC)
    teams = sorted({o.team for o in workspace.objectives if o.team})
    people = tuple(sorted(p.email for p in workspace.people if p.email))
    receivers: dict[str, Receiver] = {}
    channels: dict[str, Any] = {}
    env: dict[str, str] = {}
    try:
        for name in RECEIVERS:
            receiver = load_receiver(name)()
            receiver.start()
            receivers[name] = receiver
            setup = receiver.setup(teams, people)
            env.update(setup.env)
            channels[name] = {
                **setup.options,
                **({"webhooks": setup.targets} if setup.targets else {}),
                # The receivers do not rate-limit; Slack's and Teams' defaults pace one
                # message a second, which would make the played weeks crawl.
                **(
                    {"requests_per_second": RECEIVER_REQUESTS_PER_SECOND} if name != "email" else {}
                ),
            }
    except BaseException:
        for receiver in receivers.values():
            receiver.stop()
        raise
    company = [o for o in workspace.objectives if o.level == "company"]
    leaders = sorted(
        {p.email for p in workspace.people if p.email and any(p.id in o.owners for o in company)}
    )
    settings = {
        "sources": [NOTIFYING_SOURCE],
        # Demo digests go out now, whatever the weekday; real ones default to Monday 09:00.
        "defaults": {"digest_day": WEEKDAYS[now.weekday()], "digest_hour": 0, "quiet_hours": ""},
        "channels": channels,
        "leadership": leaders[:2],
    }
    return DemoReceivers(receivers, settings, env)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "message"


def record_deliveries(summary: SyncSummary, out: Path) -> list[Path]:
    """Append the run's accepted messages to notifications.jsonl; e-mail previews to emails/."""
    log = out / "notifications.jsonl"
    emails = out / "emails"
    written: list[Path] = []
    with log.open("a", encoding="utf-8") as stream:
        for source in summary.sources.values():
            for rendered in source.delivered:
                record = {
                    "run": summary.run_id,
                    "channel": rendered.channel,
                    "to": rendered.to,
                    "kind": rendered.kind,
                    "payload": rendered.payload,
                }
                stream.write(json.dumps(record, ensure_ascii=False) + "\n")
                if rendered.html:
                    emails.mkdir(exist_ok=True)
                    count = len(list(emails.glob("*.html"))) + 1
                    path = emails / f"{count:03d}-{rendered.kind}-{_slug(rendered.to)}.html"
                    path.write_text(rendered.html, encoding="utf-8")
                    written.append(path)
    return [log, *written]
