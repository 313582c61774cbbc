"""Receivers for the notification tests: real HTTP and SMTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from okrsync_sandbox.channels.slack import SlackReceiver
from okrsync_sandbox.channels.smtp import SmtpReceiver
from okrsync_sandbox.channels.teams import TeamsReceiver


@pytest.fixture
def teams() -> Iterator[TeamsReceiver]:
    receiver = TeamsReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def slack() -> Iterator[SlackReceiver]:
    receiver = SlackReceiver(burst=50)
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    receiver.start()
    yield receiver
    receiver.stop()
