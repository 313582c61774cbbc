"""Run the notifier once and die by SIGKILL right after the first message a channel accepted,
before the ledger records it: the worst moment for exactly-once (tests/notify/test_kill.py).

Usage: python -m tests.notify.die_after_send SETTINGS.json ENV.json STATE.db NOW_ISO
"""

from __future__ import annotations

import json
import os
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from okrsync.evaluation import ScoringSettings
from okrsync.notify.channel import Channel, Delivery, Rendered, load_channel
from okrsync.notify.notifier import ChannelSet, notify_source
from okrsync.notify.settings import NotifySettings
from okrsync.scoring import evaluate
from okrsync.state import StateStore

from .world import workspace


class DiesAfterAcceptance:
    """A real channel whose process is killed as soon as the service accepted a message."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.name = channel.name

    def render(self, *args: Any) -> Rendered:
        return self.channel.render(*args)

    def send(self, message: Rendered) -> Delivery:
        delivery = self.channel.send(message)
        if delivery.status == "sent":
            os.kill(os.getpid(), signal.SIGKILL)
        return delivery

    def secrets(self) -> list[str]:
        return self.channel.secrets()

    def close(self) -> None:
        self.channel.close()


def loader(kind: str) -> Any:
    factory = load_channel(kind)
    return lambda context: DiesAfterAcceptance(factory(context))


def main() -> None:
    settings = NotifySettings.model_validate_json(Path(sys.argv[1]).read_text())
    env = json.loads(Path(sys.argv[2]).read_text())
    now = datetime.fromisoformat(sys.argv[4])
    ws = workspace()
    with StateStore(Path(sys.argv[3])) as store:
        notify_source(
            "notion",
            ws,
            evaluate(ws, now.date(), ScoringSettings()),
            store=store,
            settings=settings,
            channels=ChannelSet(settings, env, clock=lambda: now, loader=loader),
            now=now,
        )


if __name__ == "__main__":
    main()
