"""The one clock type of the emulators: seconds since the epoch, like `time.time`.

Page timestamps, the `Date` header, the rate limit and the Retry-After watch all read the same
clock, so a test that injects one (`okrsync.testing.clock.ManualClock`, re-exported here)
controls all of them and never sleeps.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from okrsync.testing.clock import ManualClock

Clock = Callable[[], float]
"""Seconds since the epoch (UTC), e.g. `time.time`."""

system_clock: Clock = time.time


def moment(clock: Clock) -> datetime:
    """The clock's current time as an aware UTC datetime."""
    return datetime.fromtimestamp(clock(), UTC)


__all__ = ["Clock", "ManualClock", "moment", "system_clock"]
