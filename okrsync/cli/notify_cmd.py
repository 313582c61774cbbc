"""`okrsync notify`: send (or with --dry-run, show) the notifications due now, and `notify test`.

`okrsync notify --config F` reads every enabled source without writing pages, then sends what
is due through the ledger (exactly once per period, like `sync` does after its writes).
`--dry-run` prints who would get what, as rendered text, and records nothing.
`okrsync notify test --channel NAME` sends one test message to every team webhook of that
channel (or, for e-mail and Slack direct messages, to `--to ADDRESS`).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from okrsync.errors import ConfigError, ExitCode, OkrsyncError

if TYPE_CHECKING:
    from okrsync.config import Config
    from okrsync.log import Redactor
    from okrsync.notify.notifier import NotifySummary


def register(subparsers: Any) -> None:
    notify = subparsers.add_parser(
        "notify",
        help="send the check-in reminders, alerts and digests due now (or show them)",
        description="Reads every enabled source (writing no page), then sends the "
        "notifications due now through Teams, Slack and e-mail, each once per period. "
        "`okrsync notify test --channel NAME` sends a test message.",
    )
    notify.add_argument("action", nargs="?", choices=("test",), help="test: one test message")
    notify.add_argument("--config", required=True, type=Path, help="okrsync.toml")
    notify.add_argument("--dry-run", action="store_true", help="print who would get what")
    notify.add_argument("--source", help="only this source")
    notify.add_argument("--json", action="store_true", help="print the counts as JSON")
    notify.add_argument("--channel", help="test: the channel's name under [notify.channels]")
    notify.add_argument("--to", help="test: an e-mail address (e-mail, Slack direct messages)")
    notify.set_defaults(func=notify_command)


def _settings(config: Config) -> Any:
    if config.notify is None:
        raise ConfigError(
            f"{config.path}: no [notify] section",
            hint="add [notify.channels.NAME] tables; docs/notifications.md shows each channel",
        )
    return config.notify


def notify_command(args: argparse.Namespace) -> int:
    from okrsync.cli.sync_cmd import config_logger
    from okrsync.config import load_config

    config = load_config(args.config)
    log, redactor = config_logger(config)
    try:
        settings = _settings(config)
        if args.action == "test":
            return _test(config, settings, args, redactor, sys.stdout)
        return _run(config, settings, args, log, redactor, sys.stdout)
    except OkrsyncError as exc:
        print(f"okrsync: {redactor.text(str(exc))}", file=sys.stderr)
        return int(exc.exit_code)


def _run(
    config: Config,
    settings: Any,
    args: argparse.Namespace,
    log: Any,
    redactor: Redactor,
    out: TextIO,
) -> int:
    from okrsync.daemon import stop_on_signals
    from okrsync.sync import run_lint

    stop = threading.Event()
    with stop_on_signals(stop):
        lint = run_lint(config, source=args.source, stop_event=stop, log=log)
        results = _notify(config, settings, lint.reviews, args.dry_run, stop)
    for name, error in lint.errors.items():
        print(f"{name}: could not be read: {redactor.text(error)}", file=sys.stderr)
    print(redactor.text(render_results(results, dry_run=args.dry_run, as_json=args.json)), file=out)
    if any(r.interrupted for r in results.values()):
        return int(ExitCode.INTERRUPTED)
    failed = any(r.failed for r in results.values())
    if lint.exit_code:
        return lint.exit_code
    return int(ExitCode.PARTIAL) if failed else int(ExitCode.OK)


def _notify(
    config: Config, settings: Any, reviews: dict[str, Any], dry_run: bool, stop: threading.Event
) -> dict[str, NotifySummary]:
    """Each source's due notifications, sent (or planned) through the ledger."""
    import os

    from okrsync.lock import run_lock
    from okrsync.notify.notifier import ChannelSet, notify_source
    from okrsync.state import StateStore
    from okrsync.sync import utc_now
    from okrsync.sync.context import interruptible_sleep

    now = utc_now()
    results: dict[str, NotifySummary] = {}
    channels = ChannelSet(
        settings, dict(os.environ), clock=utc_now, stop=stop, sleep=interruptible_sleep(stop)
    )
    try:
        if dry_run:
            with StateStore(config.state_path, readonly=True) as store:
                for name, review in reviews.items():
                    results[name] = notify_source(
                        name, review.workspace, review.evaluation, store=store,
                        settings=settings, channels=channels, now=now, dry_run=True,
                        language=config.language,
                    )  # fmt: skip
        else:
            with run_lock(config.state_path), StateStore(config.state_path) as store:
                for name, review in reviews.items():
                    results[name] = notify_source(
                        name, review.workspace, review.evaluation, store=store,
                        settings=settings, channels=channels, now=now,
                        language=config.language,
                    )  # fmt: skip
    finally:
        channels.close()
    return results


def render_results(results: dict[str, NotifySummary], *, dry_run: bool, as_json: bool) -> str:
    """The dry run's messages, or the counts per channel (text or JSON)."""
    from okrsync.notify.counts import total

    counts = total([r.channels for r in results.values()])
    if as_json:
        document: dict[str, Any] = {
            "channels": {k: v.model_dump() for k, v in counts.items()},
            "errors": [e for r in results.values() for e in r.errors],
            "given_up": [f._asdict() for r in results.values() for f in r.findings],
        }
        if dry_run:
            document["planned"] = [
                {"channel": p.channel, "to": p.to, "kind": p.kind, "text": p.text}
                for r in results.values()
                for p in r.planned
            ]
        return json.dumps(document, indent=2)
    lines: list[str] = []
    if dry_run:
        planned = [p for r in results.values() for p in r.planned]
        lines.append(f"{len(planned)} message(s) would be sent:")
        for p in planned:
            lines.append(f"\n-> {p.channel} to {p.to} ({p.kind.replace('_', ' ')})")
            lines.extend(f"   {line}" for line in p.text.rstrip().splitlines())
    for channel, c in counts.items():
        shown = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in c.model_dump().items() if v)
        lines.append(f"{channel}: {shown or 'nothing due'}")
    for r in results.values():
        lines.extend(f"error: {e}" for e in r.errors)
        lines.extend(f"given up: {f.subject}: {f.message}" for f in r.findings)
    return "\n".join(lines) if lines else "nothing due"


def _test(
    config: Config, settings: Any, args: argparse.Namespace, redactor: Redactor, out: TextIO
) -> int:
    import os

    from okrsync.i18n import translator
    from okrsync.notify.channel import Destination
    from okrsync.notify.message import Notice
    from okrsync.notify.notifier import ChannelSet
    from okrsync.sync import utc_now

    name = args.channel
    if not name or name not in settings.channels:
        known = ", ".join(sorted(settings.channels)) or "none"
        raise ConfigError(
            f"{config.path}: no channel {name!r} under [notify.channels] (configured: {known})",
            hint="pass --channel with one of the configured names",
        )
    channel_settings = settings.channels[name]
    fallback = config.language
    destinations = [
        Destination(
            channel=name,
            target=variable,
            label=team,
            language=settings.language_for(team, fallback),
        )
        for team, variable in sorted(channel_settings.webhooks.items())
    ]
    if args.to:
        person = settings.person(args.to, args.to)
        destinations.append(
            Destination(
                channel=name,
                target=args.to,
                label=args.to,
                person=True,
                language=settings.language_for(None, fallback, person),
            )
        )
    if not destinations:
        raise ConfigError(
            f"channel {name!r} has no team webhook to test",
            hint="pass --to ADDRESS to send the test message to a person",
        )

    def notice(language: str) -> Notice:
        t = translator(language)
        return Notice.build(
            "test",
            t.gettext("okrsync test message"),
            intro=t.gettext(
                "If you can read this, okrsync can reach this channel. Nothing else to do."
            ),
        )

    channels = ChannelSet(settings, dict(os.environ), clock=utc_now)
    failed = False
    try:
        channel = channels.get(name)
        if isinstance(channel, str):
            raise ConfigError(channel)
        for destination in destinations:
            delivery = channel.send(channel.render(notice(destination.language), destination))
            status = "sent" if delivery.status == "sent" else f"failed: {delivery.error}"
            failed = failed or delivery.status != "sent"
            print(redactor.text(f"{name} -> {destination.label}: {status}"), file=out)
    finally:
        channels.close()
    return int(ExitCode.PARTIAL) if failed else int(ExitCode.OK)
