"""`okrsync demo`: Northwind's cycle played through both sandboxes, with everything to look at.

The demo plays the cycle so far (`okrsync.demo.play`): it seeds the company as it was some weeks
ago, then week by week its people check in (the sandboxes' pages change, a few check-ins carry
a note) and okrsync syncs, with one clock set to that week for the sandboxes and the syncs. So
the history the review shows (dated change, forecasts, "What changed", charts) is the one
okrsync recorded itself. Then the final sync brings today's values, and its repeat must write
nothing: that is what an operator sees on every quiet cron run, and the demo shows it. The
outputs (review.html, review.md, summary.json, the sandboxes' state and a plain HTML view of
every Confluence page) land in the output folder.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from okrsync.config import Config, load_config
from okrsync.connector import Writeback
from okrsync.demo.company import demo_company
from okrsync.demo.environment import DemoEnvironment, start_demo_environment
from okrsync.demo.notifications import record_deliveries
from okrsync.demo.play import (
    SYNC_TIME,
    WEEKS,
    Week,
    final_state,
    first_state,
    notes_in,
    weekly_states,
)
from okrsync.i18n import SOURCE_LANGUAGE, Translator, translator
from okrsync.log import Redactor, make_logger
from okrsync.model import Workspace
from okrsync.render.html import render_html
from okrsync.render.markdown import render_markdown
from okrsync.review import Review
from okrsync.sync import SyncSummary, run_lint, run_sync

REVIEW_SOURCE = "notion"
PER_TEAM = True


class PlayClock:
    """The demo's one clock: real time moved to a chosen moment. The sandboxes read it as epoch
    seconds (page edits, `Date` headers), the syncs as a datetime, so a played week is the
    same week for both."""

    def __init__(self, at: datetime) -> None:
        self._offset = at - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def __call__(self) -> float:
        return self.now().timestamp()

    def set(self, at: datetime) -> None:
        """Move to `at` (never back: the sandboxes' times only grow)."""
        self._offset = max(self._offset, at - datetime.now(UTC))


@dataclass(frozen=True)
class DemoResult:
    out: Path
    summaries: tuple[SyncSummary, SyncSummary]
    """The final sync (today) and its repeat."""
    review: Review
    files: tuple[Path, ...]
    played: tuple[SyncSummary, ...] = ()
    """The weekly syncs before today, oldest first."""

    @property
    def exit_code(self) -> int:
        return max(s.exit_code for s in (*self.played, *self.summaries))


def run_demo(
    out: Path, *, today: date, language: str = SOURCE_LANGUAGE, weeks: int = WEEKS
) -> DemoResult:
    """Seed the company as of `weeks` weeks ago, play the weekly syncs, sync today and once
    more, render the review and save the sandboxes; sandboxes stopped after.

    `language` is what okrsync writes in: the review pages, the OKR pages' outputs,
    review.html and review.md (okrsync.toml `language`)."""
    company = demo_company(today)
    t = translator(language)
    # The company's people write their notes in the demo's language.
    played = [
        replace(week, workspace=notes_in(week.workspace, t))
        for week in weekly_states(company, today, weeks=weeks)
    ]
    start = played[0].edited if played else datetime.combine(today, SYNC_TIME, UTC)
    clock = PlayClock(start)
    env = start_demo_environment(
        out,
        today=today,
        language=language,
        workspace=notes_in(first_state(company, played), t),
        clock=clock,
    )
    try:
        return _play_and_collect(
            env,
            out,
            clock,
            played,
            notes_in(final_state(company, played, today), t),
            today,
            t,
        )
    finally:
        env.stop()


def _play_and_collect(
    env: DemoEnvironment,
    out: Path,
    clock: PlayClock,
    played: list[Week],
    today_state: Workspace,
    today: date,
    t: Translator,
) -> DemoResult:
    config = load_config(env.config_path)
    # The demo's own table says what happened; the log shows only what went wrong.
    quiet = make_logger(
        config.logging.model_copy(update={"level": "warning"}),
        redactor=Redactor.from_env(config.secret_env_names(), env.env),
    )
    environment = {**os.environ, **env.env}
    (out / "notifications.jsonl").unlink(missing_ok=True)
    sent: list[Path] = []
    weekly: list[SyncSummary] = []
    # The played weeks record the history; their charts nobody looks at, so they are drawn
    # and uploaded once, by today's sync (drawing them every week cost most of the demo's time).
    playing = _without_charts(config)
    for week in played:
        clock.set(week.edited)
        env.replay(week.workspace)
        clock.set(week.synced)
        weekly.append(run_sync(playing, log=quiet, env=environment, clock=clock.now))
        sent += record_deliveries(weekly[-1], out)
    clock.set(datetime.combine(today, SYNC_TIME, UTC) - timedelta(minutes=30))
    env.replay(today_state)
    clock.set(datetime.combine(today, SYNC_TIME, UTC))
    first = run_sync(config, log=quiet, env=environment, clock=clock.now)
    sent += record_deliveries(first, out)
    clock.set(clock.now() + timedelta(minutes=5))
    second = run_sync(config, log=quiet, env=environment, clock=clock.now)
    sent += record_deliveries(second, out)
    if env.receivers is not None:
        sent += env.receivers.save_views(out)
    lint = run_lint(config, source=REVIEW_SOURCE, log=quiet, env=environment, clock=clock.now)
    review = lint.reviews[REVIEW_SOURCE]
    files = [env.config_path]
    html_path = out / "review.html"
    html_path.write_text(render_html(review, per_team=PER_TEAM, t=t), encoding="utf-8")
    md_path = out / "review.md"
    md_path.write_text(render_markdown(review, per_team=PER_TEAM, t=t), encoding="utf-8")
    summary_path = out / "summary.json"
    summary: dict[str, Any] = {
        "weeks": [s.model_dump(mode="json") for s in weekly],
        "first_run": (weekly[0] if weekly else first).model_dump(mode="json"),
        "final_run": first.model_dump(mode="json"),
        "second_run": second.model_dump(mode="json"),
    }
    summary_path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    files += [html_path, md_path, summary_path, *env.save_state(out), *dict.fromkeys(sent)]
    return DemoResult(out, (first, second), review, tuple(files), tuple(weekly))


def _without_charts(config: Config) -> Config:
    """`config` with no charts on any review page (sources and destinations)."""

    def off(writeback: Writeback) -> Writeback:
        return writeback.model_copy(update={"charts": False})

    return config.model_copy(
        update={
            "sources": tuple(
                s.model_copy(update={"writeback": off(s.writeback)}) for s in config.sources
            ),
            "destinations": tuple(
                d.model_copy(update={"writeback": off(d.writeback)}) for d in config.destinations
            ),
        }
    )


def summary_table(result: DemoResult) -> str:
    """The short table the demo prints: per run and source, reads, writes and findings."""
    rows = [
        ("run", "source", "reads", "writes", "skipped", "failed", "findings", "requests", "sent")
    ]
    runs = [(f"{s.started.date()}", s) for s in result.played]
    runs += [("today", result.summaries[0]), ("repeat", result.summaries[1])]
    for label, summary in runs:
        for name, src in summary.sources.items():
            requests = src.requests.get("requests", "") if isinstance(src.requests, dict) else ""
            rows.append(
                (
                    label,
                    name,
                    str(src.reads),
                    str(src.writes),
                    str(src.skipped_writes + src.unchanged_writes),
                    str(src.failed_writes),
                    str(src.findings),
                    str(requests),
                    str(sum(c.sent for c in src.notifications.values())),
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
