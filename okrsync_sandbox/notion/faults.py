"""Seeded fault injection and the average-rate limiter of the emulator.

Both decide *before* a request is handled what happens to it, and both are deterministic given
their inputs: faults draw from a `random.Random(plan.seed)` (never the global generator), and
the limiter reads an injectable monotonic clock, so tests need no sleeping.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

from okrsync.sandbox import FaultKind, FaultPlan


class FaultInjector:
    """Picks at most one fault per eligible request, by the plan's rates and seed."""

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self._random = random.Random(plan.seed)
        self._lock = threading.Lock()

    def eligible(self, method: str, path: str) -> bool:
        """Only requests matching the plan's methods and path fragments may fail."""
        plan = self.plan
        if plan.methods and method.upper() not in {m.upper() for m in plan.methods}:
            return False
        return not plan.paths or any(fragment in path for fragment in plan.paths)

    def draw(self, method: str, path: str) -> FaultKind | None:
        """The fault for this request, if any; one random draw per eligible request."""
        if not self.eligible(method, path):
            return None
        with self._lock:
            roll = self._random.random()
        total = 0.0
        for kind, rate in self.plan.rates.items():
            total += rate
            if roll < total:
                return kind
        return None


def retry_after_header(seconds: float) -> str:
    """Retry-After as Notion sends it: whole seconds. Fractions (fast tests only) stay as given."""
    if float(seconds).is_integer():
        return str(int(seconds))
    return f"{seconds:g}"


@dataclass
class RateDecision:
    allowed: bool
    retry_after: float = 0.0


class RateLimiter:
    """A token bucket: `rate` requests per second on average, bursts up to `burst`."""

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        monotonic: Callable[[], float],
        whole_seconds: bool = True,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate)
        self.whole_seconds = whole_seconds
        self._monotonic = monotonic
        self._tokens = self.burst
        self._last = monotonic()
        self._lock = threading.Lock()

    def take(self) -> RateDecision:
        """Spend a token, or say how long until one is available (rounded up to seconds)."""
        with self._lock:
            now = self._monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return RateDecision(True)
            wait = (1.0 - self._tokens) / self.rate
            if self.whole_seconds:
                wait = float(max(1, math.ceil(wait)))
            return RateDecision(False, wait)


class RetryWatch:
    """Counts requests that arrive before a Retry-After we sent has expired.

    The reliability suite asserts the count stays 0: a client that honours Retry-After never
    comes back early.
    """

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self._monotonic = monotonic
        self._not_before = 0.0
        self._lock = threading.Lock()
        self.early_retries = 0

    def arrived(self) -> bool:
        """Record a request; True when it came before the last Retry-After ran out."""
        with self._lock:
            early = self._monotonic() < self._not_before
            if early:
                self.early_retries += 1
            return early

    def sent(self, seconds: float) -> None:
        """Record a Retry-After we answered with."""
        with self._lock:
            self._not_before = max(self._not_before, self._monotonic() + seconds)

    def reset(self) -> None:
        with self._lock:
            self._not_before = 0.0
            self.early_retries = 0
