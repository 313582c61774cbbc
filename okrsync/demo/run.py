"""`okrsync demo`: Northwind synced through both sandboxes, twice, with everything left to look at.

The second sync must write nothing: that is what an operator sees on every quiet cron run, and
the demo shows it. The outputs (review.html, review.md, summary.json, the sandboxes' state and a
plain HTML view of every Confluence page) land in the output folder.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from okrsync.config import load_config
from okrsync.demo.environment import DemoEnvironment, demo_clock, start_demo_environment
from okrsync.demo.notifications import record_deliveries
from okrsync.i18n import SOURCE_LANGUAGE, Translator, translator
from okrsync.log import Redactor, make_logger
from okrsync.render.html import render_html
from okrsync.render.markdown import render_markdown
from okrsync.review import Review
from okrsync.sync import Clock, SyncSummary, run_lint, run_sync

REVIEW_SOURCE = "notion"
PER_TEAM = True


@dataclass(frozen=True)
class DemoResult:
    out: Path
    summaries: tuple[SyncSummary, SyncSummary]
    review: Review
    files: tuple[Path, ...]

    @property
    def exit_code(self) -> int:
        return max(s.exit_code for s in self.summaries)


def run_demo(out: Path, *, today: date, language: str = SOURCE_LANGUAGE) -> DemoResult:
    """Seed, sync twice, render the review and save the sandboxes; sandboxes stopped after.

    `language` is what okrsync writes in: the review pages, the OKR pages' outputs,
    review.html and review.md (okrsync.toml `language`)."""
    env = start_demo_environment(out, today=today, language=language)
    try:
        return _sync_and_collect(env, out, demo_clock(today), translator(language))
    finally:
        env.stop()


def _sync_and_collect(env: DemoEnvironment, out: Path, clock: Clock, t: Translator) -> DemoResult:
    config = load_config(env.config_path)
    # The demo's own table says what happened; the log shows only what went wrong.
    quiet = make_logger(
        config.logging.model_copy(update={"level": "warning"}),
        redactor=Redactor.from_env(config.secret_env_names(), env.env),
    )
    environment = {**os.environ, **env.env}
    (out / "notifications.jsonl").unlink(missing_ok=True)
    first = run_sync(config, log=quiet, env=environment, clock=clock)
    sent = record_deliveries(first, out)
    second = run_sync(config, log=quiet, env=environment, clock=clock)
    sent += record_deliveries(second, out)
    if env.receivers is not None:
        sent += env.receivers.save_views(out)
    lint = run_lint(config, source=REVIEW_SOURCE, log=quiet, env=environment, clock=clock)
    review = lint.reviews[REVIEW_SOURCE]
    files = [env.config_path]
    html_path = out / "review.html"
    html_path.write_text(render_html(review, per_team=PER_TEAM, t=t), encoding="utf-8")
    md_path = out / "review.md"
    md_path.write_text(render_markdown(review, per_team=PER_TEAM, t=t), encoding="utf-8")
    summary_path = out / "summary.json"
    summary: dict[str, Any] = {
        "first_run": first.model_dump(mode="json"),
        "second_run": second.model_dump(mode="json"),
    }
    summary_path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    files += [html_path, md_path, summary_path, *env.save_state(out), *dict.fromkeys(sent)]
    return DemoResult(out, (first, second), review, tuple(files))


def summary_table(result: DemoResult) -> str:
    """The short table the demo prints: per run and source, reads, writes and findings."""
    rows = [
        ("run", "source", "reads", "writes", "skipped", "failed", "findings", "requests", "sent")
    ]
    for label, summary in zip(("first", "second"), result.summaries, strict=True):
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
