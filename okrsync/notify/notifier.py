"""Sending due notifications exactly once per period, without ever blocking the page writes.

Per source and run: find the due events, route them, and queue each (event, subject, period,
channel, destination) in the state store's ledger unless its key is there already; then send
what the ledger holds open. A message is marked `sent` only after the channel accepted it, so a
kill between the two resends at most that one message. A failed message stays queued and is
tried again on the next run within its period (never before a Retry-After), and is given up
with a finding once its period is over, after `max_attempts`, or when the channel refuses it
for good. Quiet hours leave messages queued for later.

A stop (SIGTERM/SIGINT sets the run's stop event) ends the send in flight at once and sends
nothing more: that message stays open, unrecorded, and goes out on the next run (it may have
arrived, like a message whose run was killed), and the run ends interrupted (exit 5).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

from okrsync.errors import InterruptedRun, OkrsyncError
from okrsync.evaluation import Evaluation
from okrsync.i18n import SOURCE_LANGUAGE, translator
from okrsync.model import Finding, Workspace
from okrsync.notify.channel import (
    Channel,
    ChannelContext,
    Delivery,
    Destination,
    LimitError,
    Rendered,
    load_channel,
)
from okrsync.notify.counts import ChannelCounts
from okrsync.notify.events import Facts, baseline, current_marks, due_events
from okrsync.notify.message import Notice
from okrsync.notify.routing import routes_for
from okrsync.notify.settings import NotifySettings, quiet_window
from okrsync.state import OutboxEntry, StateStore

GIVEN_UP_CODE = "NTF001"


class NotifySummary(BaseModel):
    channels: dict[str, ChannelCounts] = {}
    findings: list[Finding] = []
    errors: list[str] = []
    interrupted: bool = Field(default=False, description="A stop ended the sending early.")
    planned: list[Rendered] = Field(default=[], exclude=True, description="Dry run: the messages.")
    delivered: list[Rendered] = Field(default=[], exclude=True, description="Accepted messages.")

    def count(self, channel: str) -> ChannelCounts:
        return self.channels.setdefault(channel, ChannelCounts())

    @property
    def failed(self) -> bool:
        return any(c.failed or c.given_up for c in self.channels.values()) or bool(self.errors)


def ledger_key(source: str, kind: str, subject: str, period: str, destination: Destination) -> str:
    raw = "\x1f".join((source, kind, subject, period, destination.channel, destination.target))
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


def is_quiet(settings: NotifySettings, team: str | None, now: datetime) -> bool:
    schedule = settings.schedule_for(team)
    if not schedule.quiet_hours:
        return False
    start, end = quiet_window(schedule.quiet_hours)
    moment = now.astimezone(schedule.zone).time().replace(tzinfo=None)
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


class ChannelSet:
    """The configured channels, each built on first use; a broken one is remembered as such."""

    def __init__(
        self,
        settings: NotifySettings,
        env: Mapping[str, str],
        clock: Callable[[], datetime],
        loader: Callable[[str], Callable[[ChannelContext], Channel]] = load_channel,
        *,
        stop: threading.Event | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.settings = settings
        self.env = env
        self.clock = clock
        self.loader = loader
        self.stop = stop
        self.sleep = sleep
        self._open: dict[str, Channel] = {}
        self._broken: dict[str, str] = {}

    def get(self, name: str) -> Channel | str:
        """The channel, or why it cannot be used."""
        if name in self._open:
            return self._open[name]
        if name in self._broken:
            return self._broken[name]
        config = self.settings.channels.get(name)
        if config is None:
            self._broken[name] = f"channel {name!r} is no longer configured"
            return self._broken[name]
        try:
            context = ChannelContext(
                name=name,
                options=config.options(),
                env=self.env,
                clock=self.clock,
                stop=self.stop,
                sleep=self.sleep,
            )
            self._open[name] = self.loader(config.type)(context)
        except (OkrsyncError, ValueError) as exc:
            self._broken[name] = str(exc)
            return self._broken[name]
        return self._open[name]

    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def secrets(self) -> list[str]:
        return [s for c in self._open.values() for s in c.secrets()]

    def close(self) -> None:
        for channel in self._open.values():
            channel.close()
        self._open.clear()


def _outbox_entry(
    source: str,
    key: str,
    kind: str,
    subject: str,
    period: str,
    expires: datetime,
    notice: Notice,
    destination: Destination,
    team: str | None,
) -> OutboxEntry:
    message = json.dumps(
        {
            "notice": notice.model_dump(mode="json"),
            "destination": destination.model_dump(mode="json"),
            "team": team,
        },
        sort_keys=True,
    )
    return OutboxEntry(
        key=key,
        source=source,
        kind=kind,
        subject=subject,
        period=period,
        channel=destination.channel,
        destination=destination.label,
        status="pending",
        message=message,
        expires=expires,
    )


def _finding(entry: OutboxEntry, why: str) -> Finding:
    return Finding(
        code=GIVEN_UP_CODE,
        severity="warning",
        subject=f"{entry.channel}: {entry.destination}",
        message=f"a {entry.kind.replace('_', ' ')} message was given up: {why}",
        hint="fix the channel (URL, address, credentials); the next period sends again",
        family="notify",
        name="notification given up",
    )


def notify_source(
    source: str,
    workspace: Workspace,
    evaluation: Evaluation,
    *,
    store: StateStore,
    settings: NotifySettings,
    channels: ChannelSet,
    now: datetime,
    dry_run: bool = False,
    language: str = SOURCE_LANGUAGE,
) -> NotifySummary:
    """Queue the due events of one source and send every open message (see the module doc).

    `language` is the config's global language: a reader whose person and team settings name
    none reads this one."""
    summary = NotifySummary()
    if not settings.enabled or (settings.sources is not None and source not in settings.sources):
        return summary
    facts = Facts.of(workspace, evaluation)
    marks = baseline(store.health_marks(source), facts, now)
    fresh: list[OutboxEntry] = []
    for event in due_events(workspace, evaluation, settings=settings, marks=marks, now=now):
        notices: dict[str, Notice] = {}  # one per reader language
        for route in routes_for(event, facts, settings, language):
            key = ledger_key(source, event.kind, event.subject, event.period, route.destination)
            reader = route.destination.language
            if reader not in notices:
                notices[reader] = event.notice(translator(reader))
            fresh.append(
                _outbox_entry(
                    source,
                    key,
                    event.kind,
                    event.subject,
                    event.period,
                    event.expires,
                    notices[reader],
                    route.destination,
                    route.team,
                )
            )
    known = store.known_notifications(e.key for e in fresh)
    for entry in fresh:
        if known.get(entry.key) in ("sent", "given_up"):
            summary.count(entry.channel).already_sent += 1
    new = [e for e in fresh if e.key not in known]
    if dry_run:
        for entry in new:
            rendered = _render(entry, channels)
            if isinstance(rendered, Rendered):
                summary.planned.append(rendered)
            else:
                summary.errors.append(rendered)
        return summary
    store.enqueue_notifications(new, now)
    store.save_health_marks(source, current_marks(facts), now)
    _send_open(source, store, settings, channels, now, summary)
    return summary


def _render(entry: OutboxEntry, channels: ChannelSet) -> Rendered | str:
    data: dict[str, Any] = json.loads(entry.message)
    channel = channels.get(entry.channel)
    if isinstance(channel, str):
        return channel
    try:
        return channel.render(
            Notice.model_validate(data["notice"]), Destination.model_validate(data["destination"])
        )
    except LimitError as exc:
        return str(exc)


def _send_open(
    source: str,
    store: StateStore,
    settings: NotifySettings,
    channels: ChannelSet,
    now: datetime,
    summary: NotifySummary,
) -> None:
    blocked: dict[tuple[str, str], datetime] = {}
    for entry in store.open_notifications(source):
        if channels.stopped():
            summary.interrupted = True
            summary.errors.append("stopped by a signal; the unsent messages go out next run")
            return
        counts = summary.count(entry.channel)
        data = json.loads(entry.message)
        target = (entry.channel, str(data["destination"]["target"]))

        def give_up(why: str, *, attempted: bool = False, entry: OutboxEntry = entry) -> None:
            store.mark_notification(entry.key, "given_up", now, attempted=attempted, error=why)
            summary.count(entry.channel).given_up += 1
            summary.findings.append(_finding(entry, why))

        if entry.expires <= now:
            give_up(
                f"its period ended after {entry.attempts} attempt(s); "
                f"last error: {entry.error or 'none'}"
            )
            continue
        if (entry.not_before and entry.not_before > now) or blocked.get(target, now) > now:
            counts.waiting += 1
            continue
        if is_quiet(settings, data.get("team"), now):
            counts.quiet += 1
            continue
        rendered = _render(entry, channels)
        if not isinstance(rendered, Rendered):
            give_up(rendered)
            continue
        try:
            delivery: Delivery = channels.get(entry.channel).send(rendered)  # type: ignore[union-attr]
        except InterruptedRun:
            # Unconfirmed: left open and unrecorded, so the next run sends it.
            summary.interrupted = True
            summary.errors.append(
                f"stopped by a signal while sending a {entry.kind.replace('_', ' ')} message "
                f"on {entry.channel}; it is sent again on the next run"
            )
            return
        if delivery.status == "sent":
            store.mark_notification(entry.key, "sent", now)
            counts.sent += 1
            summary.delivered.append(rendered)
        elif delivery.permanent or entry.attempts + 1 >= settings.max_attempts:
            give_up(delivery.error, attempted=True)
        else:
            wait = timedelta(seconds=delivery.retry_after or 0)
            not_before = now + wait if delivery.retry_after else None
            if not_before:
                blocked[target] = not_before
            store.mark_notification(
                entry.key, "failed", now, error=delivery.error, not_before=not_before
            )
            counts.failed += 1
            summary.errors.append(delivery.error)


class NotifyRun:
    """Notifications for one sync run: the channels opened once, one call per source.

    `source()` never raises: whatever goes wrong is in the returned summary, so a failing
    channel can only make the run partial, never stop or undo page writes.
    """

    def __init__(
        self,
        settings: NotifySettings,
        store: StateStore,
        *,
        env: Mapping[str, str],
        clock: Callable[[], datetime],
        log: Any,
        loader: Callable[[str], Callable[[ChannelContext], Channel]] = load_channel,
        stop: threading.Event | None = None,
        sleep: Callable[[float], None] | None = None,
        language: str = SOURCE_LANGUAGE,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.log = log
        self.language = language
        self.channels = ChannelSet(settings, env, clock, loader, stop=stop, sleep=sleep)

    def source(self, name: str, workspace: Workspace, evaluation: Evaluation) -> NotifySummary:
        try:
            summary = notify_source(
                name,
                workspace,
                evaluation,
                store=self.store,
                settings=self.settings,
                channels=self.channels,
                now=self.clock(),
                language=self.language,
            )
        except OkrsyncError as exc:
            summary = NotifySummary(errors=[f"notifications: {exc}"])
        for rendered in summary.delivered:
            self.log.info(
                "notification sent", channel=rendered.channel, to=rendered.to, kind=rendered.kind
            )
        for finding in summary.findings:
            self.log.warning(
                "notification given up", subject=finding.subject, problem=finding.message
            )
        for error in summary.errors:
            self.log.warning("notification failed", problem=error)
        return summary

    def close(self) -> None:
        self.channels.close()
