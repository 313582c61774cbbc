"""Client-side pacing: a token bucket at the vendor's average rate that slows down on 429s.

`Throttle.acquire()` is called before every request. It waits (with the injected clock and
sleep, so tests never wait for real) until

- the bucket holds a token: tokens refill at the current rate up to `burst`, so a pause is not
  followed by a burst the server would answer with 429s;
- the server's Retry-After has passed: `rate_limited(retry_after)` sets a time before which no
  request of this client starts, whichever request it is.

Adaptive rate: every 429 halves the current rate (never below `FLOOR` of the rate it started
from); each run of `RECOVER_AFTER` answered requests without a 429 doubles it again, up to the
configured rate. A client configured without a rate is not paced until a 429 arrives; then it
is paced at half the rate it had been sending at (measured over its last `WINDOW` requests
since it last had to wait; with fewer than two, nothing is known and only Retry-After holds
it), and unpaced again once it has recovered past that rate.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Final

Monotonic = Callable[[], float]
Sleep = Callable[[float], None]

SLACK_S: Final = 0.001
"""Each gap gets a millisecond of slack, so clock granularity never lands a request a hair
before the server's bucket has refilled."""
RECOVER_AFTER: Final = 10
FLOOR: Final = 1 / 4
WINDOW: Final = 10


class Throttle:
    """Average-rate limiter with Retry-After and adaptive slow-down (see the module text)."""

    def __init__(
        self, rate: float | None, *, clock: Monotonic, sleep: Sleep, burst: float = 1.0
    ) -> None:
        self.configured = rate
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = burst
        self._filled_at: float | None = None
        self._not_before = 0.0
        self._clean = 0
        self._sent: deque[float] = deque(maxlen=WINDOW)
        self._recover_to: float | None = None
        self.waited_s = 0.0

    def acquire(self) -> float:
        """Block until the next request may start; returns the seconds waited.

        After a wait, "now" is at least the time waited for, even if the clock has not moved
        (an injected sleep), so a wait is never counted twice.
        """
        waited = 0.0
        now = self._clock()
        if now < self._not_before:
            waited += self._wait(self._not_before - now)
            now = max(self._clock(), self._not_before)
        if self.rate is not None:
            self._refill(now)
            if self._tokens < 1.0:
                gap = self._wait((1.0 - self._tokens) / self.rate + SLACK_S)
                waited += gap
                now = max(self._clock(), now + gap)
                self._refill(now)
            self._tokens = max(0.0, self._tokens - 1.0)
        if waited:
            self._sent.clear()  # a wait is not the client's own pace: measure afresh
        self._sent.append(now)
        return waited

    def _refill(self, now: float) -> None:
        assert self.rate is not None
        if self._filled_at is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._filled_at) * self.rate)
        self._filled_at = now

    def _wait(self, seconds: float) -> float:
        self._sleep(seconds)
        self.waited_s += seconds
        return seconds

    def defer(self, seconds: float) -> None:
        """No request before `seconds` from now (Retry-After, or a back-off pause)."""
        self._not_before = max(self._not_before, self._clock() + max(0.0, seconds))

    def answered(self) -> None:
        """A request got an answer that was not a 429: count towards recovering the rate."""
        if self.rate is None or self.rate == self.configured:
            return
        self._clean += 1
        if self._clean < RECOVER_AFTER:
            return
        self._clean = 0
        faster = self.rate * 2
        if self.configured is not None:
            self.rate = min(self.configured, faster)
        elif self._recover_to is not None and faster >= self._recover_to:
            self.rate = None  # back to unpaced, as configured
        else:
            self.rate = faster

    def rate_limited(self, retry_after: float | None) -> None:
        """A 429: halve the rate and hold every request until Retry-After has passed."""
        self._clean = 0
        if retry_after is not None:
            self.defer(retry_after)
        if self.rate is None:
            observed = self._observed_rate()
            if observed is None:
                return
            self._recover_to = observed
            self.rate = observed / 2
            self._tokens = 0.0
            self._filled_at = self._clock()
            return
        start = self.configured if self.configured is not None else self._recover_to
        floor = (start or self.rate) * FLOOR
        self.rate = max(floor, self.rate / 2)

    def _observed_rate(self) -> float | None:
        """Requests per second over the last few requests (None when too few to tell)."""
        if len(self._sent) < 2:
            return None
        span = self._sent[-1] - self._sent[0]
        if span <= 0:
            return float(len(self._sent))
        return (len(self._sent) - 1) / span
