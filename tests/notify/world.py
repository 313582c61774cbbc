"""A small workspace, its receivers and settings for the notifier tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from okrsync.evaluation import Evaluation, ScoringSettings
from okrsync.model import CheckIn, Cycle, KeyResult, Objective, Person, SourceRef, Workspace
from okrsync.notify.notifier import ChannelSet, NotifySummary, notify_source
from okrsync.notify.settings import NotifySettings
from okrsync.scoring import evaluate
from okrsync.state import StateStore
from okrsync_sandbox.channels.slack import SlackReceiver
from okrsync_sandbox.channels.smtp import SmtpReceiver
from okrsync_sandbox.channels.teams import TeamsReceiver

MONDAY = datetime(2026, 2, 16, 10, 0, tzinfo=UTC)  # a Monday, mid-cycle
CYCLE = Cycle(id="q1", name="Q1 2026", start=date(2026, 1, 1), end=date(2026, 3, 31))


def _ref(page: str) -> SourceRef:
    return SourceRef(connector="notion", external_id=page, url=f"https://notion.example/{page}")


def workspace(
    *,
    current: float = 40.0,
    title: str = "Win 12 new logos",
    checked: datetime | None = None,
    cycle: Cycle = CYCLE,
) -> Workspace:
    """Sales (Ana owns a KR that is behind, Ben has no e-mail) and Ops (Cem, on track)."""
    checked = checked or datetime(2026, 1, 20, tzinfo=UTC)
    return Workspace(
        cycles=(cycle,),
        people=(
            Person(id="u-ana", name="Ana Silva", email="ana@northwind.example"),
            Person(id="u-ben", name="Ben Okafor"),
            Person(id="u-cem", name="Cem Aydin", email="cem@northwind.example"),
        ),
        objectives=(
            Objective(
                id="o-sales",
                title="Grow the mid-market",
                team="Sales",
                owners=("u-ana",),
                cycle=cycle.id,
                source=_ref("o-sales"),
            ),
            Objective(
                id="o-ops",
                title="Run a calmer support desk",
                team="Ops",
                owners=("u-cem",),
                cycle=cycle.id,
                source=_ref("o-ops"),
            ),
        ),
        key_results=(
            KeyResult(
                id="kr-logos",
                objective="o-sales",
                title=title,
                start=0,
                target=100,
                current=current,
                owners=("u-ana", "u-ben"),
                source=_ref("kr-logos"),
            ),
            KeyResult(
                id="kr-tickets",
                objective="o-ops",
                title="Answer tickets within a day",
                start=0,
                target=100,
                current=55,
                owners=("u-cem",),
                source=_ref("kr-tickets"),
            ),
        ),
        check_ins=(
            CheckIn(key_result="kr-logos", at=checked, value=current),
            CheckIn(key_result="kr-tickets", at=MONDAY, value=55),
        ),
    )


@dataclass
class World:
    teams: TeamsReceiver
    slack: SlackReceiver
    smtp: SmtpReceiver
    state: Path
    env: dict[str, str] = field(default_factory=dict)
    notify: dict[str, Any] = field(default_factory=dict)

    def settings(self, **overrides: Any) -> NotifySettings:
        return NotifySettings.model_validate({**self.notify, **overrides})

    def run(
        self,
        ws: Workspace,
        now: datetime,
        *,
        settings: NotifySettings | None = None,
        dry_run: bool = False,
        evaluation: Evaluation | None = None,
        language: str = "en",
    ) -> NotifySummary:
        chosen = settings or self.settings()
        channels = ChannelSet(chosen, self.env, clock=lambda: now)
        try:
            with StateStore(self.state) as store:
                return notify_source(
                    "notion",
                    ws,
                    evaluation or evaluate(ws, now.date(), ScoringSettings()),
                    store=store,
                    settings=chosen,
                    channels=channels,
                    now=now,
                    dry_run=dry_run,
                    language=language,
                )
        finally:
            channels.close()


def make_world(tmp: Path, teams: TeamsReceiver, slack: SlackReceiver, smtp: SmtpReceiver) -> World:
    team_setup = teams.setup(["Sales", "Ops"])
    slack_setup = slack.setup(["Sales"])
    mail_setup = smtp.setup([])
    for address in ("ana@northwind.example", "cem@northwind.example"):
        slack.add_user(address)
    env = {**team_setup.env, **slack_setup.env, **mail_setup.env}
    notify = {
        "defaults": {"timezone": "Europe/Berlin", "quiet_hours": "20:00-08:00"},
        "channels": {
            "teams": {**team_setup.options, "webhooks": team_setup.targets},
            "slack": {**slack_setup.options, "webhooks": slack_setup.targets},
            "email": mail_setup.options,
        },
        "leadership": ["ceo@northwind.example"],
        "review_url": "https://notion.example/review-q1",
    }
    return World(teams, slack, smtp, tmp / "state.db", env, notify)
