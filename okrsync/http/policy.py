"""The single retry layer: every HTTP request of every integration goes through `HttpPolicy.call`.

One call is one logical request, tried up to `max_retries + 1` times:

1. the throttle waits for a token and for any Retry-After (no request starts before it);
2. the request runs under its bounds (`guard.run_guarded`: total deadline, size cap, stop
   event, same-origin redirects);
3. a failure is named in okrsync's terms: errors the adapters raise as they are, the
   connector's `translate` for SDK and status errors (its status-to-error mapping);
4. only transient failures are tried again: a 429 always (the service did nothing), a 409
   when the caller says a conflict is worth repeating, 5xx, timeouts, lost connections and
   answers of the wrong shape only for idempotent requests (a create may have been applied:
   the caller looks before trying again). Too-large answers, redirect loops, refusals and
   record errors are not retried.

Waits: Retry-After when the service sent one (a request never goes before it; a wait longer than
`max_retry_wait_s` ends the retries instead of going early), else capped exponential back-off
with jitter: 0.5 s, 1 s, 2 s, ... up to `max_retry_wait_s`, each scaled by a random factor in
[0.5, 1). A 429 also halves the throttle's rate until enough answers have come back clean.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Final, TypeVar

from pydantic import Field
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from okrsync.errors import (
    Conflict,
    OkrsyncError,
    RateLimited,
    RedirectLoop,
    TimedOut,
    TooLarge,
    TransientError,
)
from okrsync.model import Frozen
from okrsync.redaction import Redactor

from .guard import MIB, Attempt, run_guarded
from .server_time import ServerTime
from .stats import RequestStats
from .throttle import Throttle
from .urls import stdlib_origin

T = TypeVar("T")
Translate = Callable[[BaseException], OkrsyncError | None]

BACKOFF_BASE_S: Final = 0.5
VENDOR_TEXT_LIMIT: Final = 300


class HttpOptions(Frozen):
    """Options every HTTP source shares, under `[sources.<name>.options]` in okrsync.toml."""

    requests_per_second: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="Client-side average rate (token bucket); none means unpaced until a 429.",
    )
    timeout_s: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        allow_inf_nan=False,
        description="Total deadline of one request: connect, headers and the whole body.",
    )
    max_retries: int = Field(
        default=5, ge=0, le=20, description="Retries of one request on transient errors."
    )
    max_retry_wait_s: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        allow_inf_nan=False,
        description="Longest single wait between retries; a longer Retry-After ends the retries.",
    )
    max_response_mib: float = Field(
        default=64.0,
        gt=0,
        le=4096,
        allow_inf_nan=False,
        description="Largest answer read, in MiB; a larger one fails the request.",
    )


class HttpPolicy:
    """Throttle, retries, bounds, server time and statistics for one client (one source)."""

    def __init__(
        self,
        options: HttpOptions,
        *,
        base_url: str,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None] | None = None,
        stop: threading.Event | None = None,
        stats: RequestStats | None = None,
        secrets: Iterable[str] = (),
        jitter: Callable[[], float] = random.random,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.options = options
        self.monotonic = monotonic
        self.origin = stdlib_origin(base_url)
        self.stop = stop
        self.stats = stats if stats is not None else RequestStats()
        self.server_time = ServerTime()
        self.redactor = Redactor(secrets)
        self._clock = clock
        self._sleep = sleep if sleep is not None else time.sleep
        self._jitter = jitter
        self.throttle = Throttle(
            options.requests_per_second, clock=lambda: clock().timestamp(), sleep=self._sleep
        )

    def call(
        self,
        what: str,
        endpoint: str,
        send: Callable[[], T],
        *,
        idempotent: bool,
        translate: Translate,
        retry_conflict: bool = False,
    ) -> T:
        """`send()` under the policy; `what` names the request in errors, `endpoint` in stats.

        `send` runs in a worker thread (see `guard`); it raises the connector's errors or the
        SDK's, which `translate` names in okrsync's terms (None: not an HTTP failure, a bug).
        tenacity decides whether to try again; the throttle does the waiting, so a Retry-After
        holds every request of this client, not only the retry.
        """

        def retryable(exc: BaseException) -> bool:
            if not isinstance(exc, OkrsyncError) or not _retryable(
                exc, idempotent=idempotent, retry_conflict=retry_conflict
            ):
                return False
            retry_after = exc.retry_after if isinstance(exc, TransientError) else None
            return retry_after is None or retry_after <= self.options.max_retry_wait_s

        retrying = Retrying(
            stop=stop_after_attempt(self.options.max_retries + 1),
            retry=retry_if_exception(retryable),
            wait=self._pause,
            sleep=lambda _seconds: None,  # the throttle waits, at the next acquire()
            before_sleep=self._count_retry,
            reraise=True,
        )
        result: T = retrying(self._attempt, what, endpoint, send, translate)
        return result

    def _attempt(self, what: str, endpoint: str, send: Callable[[], T], translate: Translate) -> T:
        before = self.throttle.waited_s
        try:
            self.throttle.acquire()
        finally:
            self.stats.waited_s += self.throttle.waited_s - before
        self.stats.count(endpoint)
        attempt = Attempt(
            what,
            origin=self.origin,
            deadline_s=self.options.timeout_s,
            max_bytes=int(self.options.max_response_mib * MIB),
            stop=self.stop,
            monotonic=self.monotonic,
        )
        try:
            result = run_guarded(send, attempt)
        except Exception as exc:
            error = exc if isinstance(exc, OkrsyncError) else translate(exc)
            if error is None:
                raise
            self._answered(attempt, rate_limited=isinstance(error, RateLimited))
            self._count(error)
            retry_after = error.retry_after if isinstance(error, TransientError) else None
            if isinstance(error, RateLimited):
                self.throttle.rate_limited(retry_after)
            if retry_after is not None and retry_after > self.options.max_retry_wait_s:
                error.message += (
                    f" (the service asked to wait {retry_after:g} s, longer than "
                    f"max_retry_wait_s = {self.options.max_retry_wait_s:g}; the next run tries "
                    "again)"
                )
            if error is exc:
                raise
            raise error from exc
        self._answered(attempt, rate_limited=False)
        return result

    def _count_retry(self, state: RetryCallState) -> None:
        self.stats.retries += 1

    def _answered(self, attempt: Attempt, *, rate_limited: bool) -> None:
        if attempt.round_trip is None:
            return
        self.server_time.seen(attempt.date, attempt.round_trip)
        if rate_limited:
            return
        self.throttle.answered()

    def _count(self, error: OkrsyncError) -> None:
        self.stats.errors += 1
        if isinstance(error, RateLimited):
            self.stats.rate_limited += 1
        elif isinstance(error, TimedOut):
            self.stats.timeouts += 1
        elif isinstance(error, TooLarge):
            self.stats.too_large += 1

    def _pause(self, state: RetryCallState) -> float:
        """Hold the next request: Retry-After when given, else back-off with jitter.

        The wait goes into the throttle (no request of this client before it) and tenacity
        sleeps 0: the next attempt's `acquire()` does the waiting, interruptibly.
        """
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        retry_after = error.retry_after if isinstance(error, TransientError) else None
        if retry_after is not None:
            self.throttle.defer(retry_after)
        else:
            self.throttle.defer(self.backoff(state.attempt_number))
        return 0.0

    def backoff(self, tries: int) -> float:
        """Seconds before try `tries + 1`: capped exponential, scaled by a jitter in [0.5, 1)."""
        capped = min(self.options.max_retry_wait_s, BACKOFF_BASE_S * 2 ** (tries - 1))
        return float(capped * (0.5 + self._jitter() / 2))

    def vendor_text(self, text: str, limit: int = VENDOR_TEXT_LIMIT) -> str:
        """A vendor's message for an error text: secrets redacted first, then cut to `limit`
        (a secret's first characters left at the cut are removed too: okrsync.redaction)."""
        return self.redactor.truncate(text.strip(), limit - 1, marker="…")

    # --- the server's clock ------------------------------------------------------------------

    def mark_server_time(self, *, less_round_trip: bool = True) -> None:
        """Take the server's time from the next answer; read it from `server_mark`."""
        self.server_time.mark(less_round_trip=less_round_trip)

    @property
    def server_mark(self) -> datetime | None:
        """The first answer's `Date` after `mark_server_time()`, less its round trip."""
        return self.server_time.mark_time


def _retryable(error: OkrsyncError, *, idempotent: bool, retry_conflict: bool) -> bool:
    if isinstance(error, RateLimited):
        return True
    if isinstance(error, Conflict):
        return retry_conflict
    if isinstance(error, TooLarge | RedirectLoop) or not isinstance(error, TransientError):
        return False
    return idempotent
