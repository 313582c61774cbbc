"""A clock for tests that only moves when told to.

One object serves every clock a test injects: called, it gives epoch seconds (the emulators'
one clock type, `okrsync_sandbox.kit.clock.Clock`); `now()` is a connector's or the engine's
clock (an aware datetime); `monotonic()` a throttle's; `sleep()` advances it and records the
wait, so rate limits and Retry-After are exercised without real waiting.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ManualClock:
    """A clock that only moves when told to: `advance` (or `sleep`, which records the wait)."""

    def __init__(self, start: datetime) -> None:
        self.current = start if start.tzinfo is not None else start.replace(tzinfo=UTC)
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.current.timestamp()

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        """The same time as a monotonic reading (it never goes back unless a test moves it)."""
        return self.current.timestamp()

    def advance(self, seconds: float = 0.0, **delta: float) -> None:
        self.current += timedelta(seconds=seconds, **delta)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)
