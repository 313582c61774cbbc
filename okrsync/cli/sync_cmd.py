"""`okrsync sync` and `okrsync lint`: one run of the pipeline, or its read-only half.

Both print what an operator needs on stdout (a short table, the planned writes for --dry-run,
or the JSON summary with --json) and log to stderr. The exit code is the run's (see
docs/operations.md): 0 ok, 1 partial, 2 config, 3 auth, 4 locked, 5 interrupted, 6 transient,
7 state, 8 lint findings at or above --fail-on.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from okrsync.cli.language_option import add_language_option
from okrsync.errors import ExitCode, OkrsyncError

if TYPE_CHECKING:  # the engine is imported when a command runs, to keep `okrsync` quick to start
    from okrsync.config import Config
    from okrsync.log import Redactor
    from okrsync.model import Finding
    from okrsync.sync import LintResult, SyncSummary

FAIL_ON_CHOICES = ("error", "warning", "info", "never")


def register(subparsers: Any) -> None:
    """Add `sync` and `lint` to the okrsync command line."""
    sync = subparsers.add_parser(
        "sync",
        help="read, score, check and write back every enabled source once",
        description="Pull -> map -> score -> rules -> plan -> write, for every enabled source "
        "(or --source). Safe to run from cron: overlapping runs exit with code 4.",
    )
    sync.add_argument("--config", required=True, type=Path, help="okrsync.toml")
    sync.add_argument("--dry-run", action="store_true", help="plan and print; write nothing")
    sync.add_argument("--source", help="only this source (by its name in the config)")
    sync.add_argument("--full", action="store_true", help="re-read everything, ignore cursors")
    sync.add_argument("--json", action="store_true", help="print the summary as JSON")
    sync.add_argument(
        "--no-notify", action="store_true", help="send no notifications (see [notify])"
    )
    sync.set_defaults(func=sync_command)

    lint = subparsers.add_parser(
        "lint",
        help="read and check the OKRs without writing anything",
        description="Reads every enabled source (or --source), scores it and runs the rules. "
        "Writes nothing, needs no lock. Exit 8 when findings reach --fail-on.",
    )
    lint.add_argument("--config", required=True, type=Path, help="okrsync.toml")
    lint.add_argument("--source", help="only this source")
    lint.add_argument(
        "--fail-on",
        choices=FAIL_ON_CHOICES,
        default=None,
        help="lowest severity that fails (default: [rules] fail_on, else error)",
    )
    lint.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    add_language_option(lint, None, "the findings' messages and fixes")
    lint.set_defaults(func=lint_command)


def config_logger(config: Config) -> Any:
    """The run logger for `config`, with secrets redacted, and its redactor."""
    from okrsync.log import Redactor, make_logger

    redactor = Redactor.from_env(config.secret_env_names(), os.environ)
    return make_logger(config.logging, redactor=redactor), redactor


class TerminalProgress:
    """A one-line "records read" counter for long pulls, redrawn in place on a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, source: str, count: int, done: bool) -> None:
        end = "\n" if done else ""
        self.stream.write(f"\r  reading {source}: {count} records{end}")
        self.stream.flush()


def progress_for(stream: TextIO, *, json_output: bool) -> TerminalProgress | None:
    """A progress line only for people: on a terminal, and not when printing JSON."""
    isatty = getattr(stream, "isatty", None)
    if json_output or not (callable(isatty) and isatty()):
        return None
    return TerminalProgress(stream)


def sync_command(args: argparse.Namespace) -> int:
    from okrsync.config import load_config
    from okrsync.daemon import stop_on_signals
    from okrsync.sync import run_sync

    config = load_config(args.config)
    log, redactor = config_logger(config)
    stop = threading.Event()
    try:
        with stop_on_signals(stop):
            summary = run_sync(
                config,
                source=args.source,
                dry_run=args.dry_run,
                full=args.full,
                stop_event=stop,
                log=log,
                progress=progress_for(sys.stderr, json_output=args.json),
                notify=not args.no_notify,
            )
    except OkrsyncError as exc:
        print(f"okrsync: {redactor.text(str(exc))}", file=sys.stderr)
        return int(exc.exit_code)
    if args.json:
        print(redactor.text(summary.model_dump_json(indent=2)))
    else:
        print_summary(summary, sys.stdout, redactor)
    return summary.exit_code


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value if len(value) <= 80 else value[:77] + "..."
    return json.dumps(value, default=str)


def print_summary(summary: SyncSummary, out: TextIO, redactor: Redactor) -> None:
    """The human view of a run: planned writes for a dry run, then one line per source."""
    if summary.dry_run:
        for name, src in summary.sources.items():
            pending = [o for o in src.write_outcomes if o.status == "planned"]
            print(f"{name}: {len(pending)} write(s) planned", file=out)
            for outcome in pending:
                print(f"  {outcome.target}  {outcome.description}", file=out)
                changed = [
                    (field, _show(outcome.before.get(field, "?")), _show(new))
                    for field, new in outcome.changes.items()
                ]
                # A value that stays the same is not a change; never list "x -> x".
                for field, old, new in [c for c in changed if c[1] != c[2]]:
                    print(f"      {field}: {old} -> {new}", file=out)
                if changed and all(old == new for _f, old, new in changed):
                    print("      (every value is already as planned)", file=out)
    header = f"{'source':<20} {'reads':>6} {'writes':>7} {'skipped':>8} {'failed':>7} "
    print(header + f"{'findings':>9}  outcome", file=out)
    for name, src in summary.sources.items():
        print(
            f"{name:<20} {src.reads:>6} {src.writes:>7} {src.skipped_writes:>8} "
            f"{src.failed_writes:>7} {src.findings:>9}  {src.outcome}",
            file=out,
        )
    for channel, counts in summary.notifications.items():
        shown = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.model_dump().items() if v)
        print(f"notifications via {channel}: {shown or 'nothing due'}", file=out)
    for error in summary.errors:
        print(f"error: {redactor.text(error)}", file=out)
    verb = "planned" if summary.dry_run else "written"
    count = summary.planned_writes - summary.skipped_writes if summary.dry_run else summary.writes
    print(
        f"run {summary.run_id}: {summary.outcome}, {count} {verb}, "
        f"{summary.duration_seconds:.1f}s (exit {summary.exit_code})",
        file=out,
    )


def _fail_on(config: Config, given: str | None) -> str:
    if given:
        return given
    return str(getattr(config.rules, "fail_on", "error"))


def lint_command(args: argparse.Namespace) -> int:
    from okrsync.config import load_config
    from okrsync.daemon import stop_on_signals
    from okrsync.rules import fails, finding_sort_key
    from okrsync.sync import run_lint

    config = load_config(args.config)
    log, redactor = config_logger(config)
    stop = threading.Event()
    try:
        with stop_on_signals(stop):
            result = run_lint(config, source=args.source, stop_event=stop, log=log)
    except OkrsyncError as exc:
        print(f"okrsync: {redactor.text(str(exc))}", file=sys.stderr)
        return int(exc.exit_code)
    for name in result.findings:
        result.findings[name] = sorted(result.findings[name], key=finding_sort_key)
    fail_on = _fail_on(config, args.fail_on)
    text = format_lint(result, args.format, args.language or config.language)
    print(redactor.text(text))
    if result.exit_code:
        return result.exit_code
    every = [f for found in result.findings.values() for f in found]
    if fails(every, fail_on):  # type: ignore[arg-type]
        return int(ExitCode.FINDINGS)
    return int(ExitCode.OK)


def format_lint(result: LintResult, fmt: str, language: str = "en") -> str:
    """Findings per source as text, JSON or Markdown, their words in `language`."""
    from okrsync.i18n import translator
    from okrsync.rules import finding_hint, finding_message, finding_record

    t = translator(language)
    if fmt == "json":
        return json.dumps(
            {
                "findings": {
                    name: [finding_record(f, t) for f in found]
                    for name, found in result.findings.items()
                },
                "errors": result.errors,
            },
            indent=2,
        )
    lines: list[str] = []
    for name, found in result.findings.items():
        if fmt == "markdown":
            lines.append(f"## {name}: {len(found)} finding(s)\n")
            if found:
                lines.append("| severity | code | subject | message | fix |")
                lines.append("|---|---|---|---|---|")
                lines.extend(_md_row(f, finding_message(f, t), finding_hint(f, t)) for f in found)
            lines.append("")
        else:
            lines.append(f"{name}: {len(found)} finding(s)")
            lines.extend(
                f"  {f.severity:<7} {f.code:<8} {f.subject}: {finding_message(f, t)}"
                + (f"\n          fix: {finding_hint(f, t)}" if f.hint else "")
                for f in found
            )
    for name, error in result.errors.items():
        lines.append(f"{name}: could not be read: {error}")
    return "\n".join(lines)


def _md_row(f: Finding, message: str, hint: str) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    return f"| {f.severity} | {f.code} | {cell(f.subject)} | {cell(message)} | {cell(hint)} |"
