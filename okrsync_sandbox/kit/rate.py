"""Rate limiting as vendors do it: a token bucket, the Retry-After header, early retries.

All three read the emulator's one clock (`kit.clock.Clock`), so tests inject time instead of
sleeping.
"""

from __future__ import annotations

import math
import threading

from .clock import Clock


class TokenBucket:
    """`rate` requests per second on average, bursts up to `burst` (default: one second's worth,
    at least one request)."""

    def __init__(self, rate: float, clock: Clock, *, burst: float | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate)
        self._clock = clock
        self._lock = threading.Lock()
        self.tokens = self.capacity
        self._updated = clock()

    def take(self) -> float | None:
        """Spend a token (None), or the seconds until one is available (nothing spent)."""
        with self._lock:
            now = self._clock()
            self.tokens = min(self.capacity, self.tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return None
            return (1.0 - self.tokens) / self.rate


def retry_after_header(seconds: float) -> str:
    """Retry-After as the vendors send it: whole seconds, rounded up.

    Below one second (fast tests only, so they need not sleep whole seconds) the value keeps
    millisecond precision; clients that parse the header as a number (notion-client,
    atlassian-python-api, okrsync) read both forms.
    """
    if seconds >= 1.0:
        return str(math.ceil(seconds))
    return f"{math.ceil(seconds * 1000) / 1000:.3f}"


class RetryWatch:
    """Counts requests that arrive before a Retry-After the emulator sent has run out.

    The tests assert the count stays 0: a client that honours Retry-After never comes back
    early.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.not_before = 0.0
        self.early_retries = 0

    def arrived(self) -> bool:
        """Record a request; True when it came before the last Retry-After ran out."""
        with self._lock:
            early = self._clock() < self.not_before
            if early:
                self.early_retries += 1
            return early

    def sent(self, seconds: float) -> None:
        """Record a Retry-After the emulator answered with."""
        with self._lock:
            self.not_before = max(self.not_before, self._clock() + seconds)

    def reset(self) -> None:
        with self._lock:
            self.not_before = 0.0
            self.early_retries = 0
